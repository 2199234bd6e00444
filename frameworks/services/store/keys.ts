// Every Redis key of the services framework, built here and nowhere else, under its own prefix.

export const DEFAULT_SERVICES_KEY_PREFIX = 'berth:services:';

export interface ServicesKeys {
  /** String: the framework id the master gave us. */
  frameworkId: string;
  /** Hash: service id -> ServiceState JSON. */
  services: string;
  /** Hash: task id -> InstanceRecord JSON. */
  instances: string;
  /** List: FrameworkAuditEvent JSON, oldest first, trimmed to the newest. */
  audit: string;
}

export function servicesKeys(prefix = DEFAULT_SERVICES_KEY_PREFIX): ServicesKeys {
  return { frameworkId: `${prefix}framework-id`, services: `${prefix}services`, instances: `${prefix}instances`, audit: `${prefix}audit` };
}
