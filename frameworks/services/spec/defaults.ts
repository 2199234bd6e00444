// The one place defaults are filled: a schema-valid ServiceInput becomes a ServiceSpec with every
// field present. The values are Marathon's where Marathon has one; schema.ts describes each.
import { AUTOSCALE_DEFAULTS, clampInstances, filledAutoscale } from './autoscale.js';
import type { HealthCheckSpec, ServiceInput, ServiceSpec } from './types.js';

export const DEFAULTS = {
  instances: 1,
  role: '*',
  diskMb: 0,
  healthCheck: { path: '/', delaySeconds: 15, intervalSeconds: 60, timeoutSeconds: 20, gracePeriodSeconds: 300, maxConsecutiveFailures: 3 },
  readinessCheck: { path: '/', intervalSeconds: 30, timeoutSeconds: 10 },
  upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
  backoff: { initialSeconds: 1, factor: 1.15, maxSeconds: 300 },
  killGracePeriodSeconds: 10,
  shutdownDelaySeconds: 2,
  loadBalancer: { algorithm: 'round-robin' },
  deploymentDeadlineSeconds: 600,
  placement: 'spread',
  autoscale: AUTOSCALE_DEFAULTS,
} as const;

/**
 * Fills every default of a service the schema has accepted. Idempotent (a filled spec comes back
 * equal) and copying: the result shares no object with the input, and has no `undefined` fields.
 */
export function fillDefaults(input: ServiceInput): ServiceSpec {
  const { container: c, resources: r } = input;
  const hc = DEFAULTS.healthCheck;
  const spec: ServiceSpec = {
    id: input.id,
    instances: input.instances ?? DEFAULTS.instances,
    container: {
      image: c.image,
      ...(c.command !== undefined ? { command: c.command } : {}),
      args: [...(c.args ?? [])],
      env: { ...c.env },
      ...(c.user !== undefined ? { user: c.user } : {}),
    },
    resources: {
      cpus: r.cpus,
      memMb: r.memMb,
      diskMb: r.diskMb ?? DEFAULTS.diskMb,
      ports: (r.ports ?? []).map((p) => ({ name: p.name, ...(p.number !== undefined ? { number: p.number } : {}), ...(p.servicePort !== undefined ? { servicePort: p.servicePort } : {}) })),
    },
    role: input.role ?? DEFAULTS.role,
    constraints: (input.constraints ?? []).map((k) => ({ field: k.field, operator: k.operator, ...(k.value !== undefined ? { value: String(k.value) } : {}) })),
    healthChecks: (input.healthChecks ?? []).map((h): HealthCheckSpec => {
      const intervalSeconds = h.intervalSeconds ?? hc.intervalSeconds;
      const timings = {
        delaySeconds: h.delaySeconds ?? hc.delaySeconds,
        intervalSeconds,
        // A short interval shortens the default timeout, so that it never outlasts the interval.
        timeoutSeconds: h.timeoutSeconds ?? Math.min(hc.timeoutSeconds, intervalSeconds),
        gracePeriodSeconds: h.gracePeriodSeconds ?? hc.gracePeriodSeconds,
        maxConsecutiveFailures: h.maxConsecutiveFailures ?? hc.maxConsecutiveFailures,
      };
      switch (h.protocol) {
        case 'HTTP': return { protocol: 'HTTP', path: h.path ?? hc.path, portName: h.portName, ...timings };
        case 'TCP': return { protocol: 'TCP', portName: h.portName, ...timings };
        case 'COMMAND': return { protocol: 'COMMAND', command: h.command, ...timings };
      }
    }),
    upgradeStrategy: { ...DEFAULTS.upgradeStrategy, ...definedOnly(input.upgradeStrategy) },
    backoff: { ...DEFAULTS.backoff, ...definedOnly(input.backoff) },
    killGracePeriodSeconds: input.killGracePeriodSeconds ?? DEFAULTS.killGracePeriodSeconds,
    shutdownDelaySeconds: input.shutdownDelaySeconds ?? DEFAULTS.shutdownDelaySeconds,
    loadBalancer: { ...DEFAULTS.loadBalancer, ...definedOnly(input.loadBalancer) },
    labels: { ...input.labels },
    dependencies: [...(input.dependencies ?? [])],
    deploymentDeadlineSeconds: input.deploymentDeadlineSeconds ?? DEFAULTS.deploymentDeadlineSeconds,
    placement: input.placement ?? DEFAULTS.placement,
  };
  if (input.autoscale) {
    spec.autoscale = filledAutoscale(input.autoscale);
    spec.instances = clampInstances(spec.instances, spec.autoscale);
  }
  const rc = input.readinessCheck;
  if (rc) {
    const intervalSeconds = rc.intervalSeconds ?? DEFAULTS.readinessCheck.intervalSeconds;
    spec.readinessCheck = {
      path: rc.path ?? DEFAULTS.readinessCheck.path,
      portName: rc.portName,
      intervalSeconds,
      timeoutSeconds: rc.timeoutSeconds ?? Math.min(DEFAULTS.readinessCheck.timeoutSeconds, intervalSeconds),
    };
  }
  return spec;
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
