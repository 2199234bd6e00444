// The endpoints document (docs/api.md): per service, the instances in rotation (running, healthy
// or without health checks, ready or without a readiness check, not draining) with the address
// and host ports clients reach them at, and those draining before their kill. Load balancers,
// DNS and the autoscaler read it; it is built from one ServicesView.
import type { Endpoint, ServiceEndpoints } from '../../protocol/index.js';
import type { ServicesView } from './control.js';
import { isTerminal, specOf, type Instance, type ServiceState } from './deploy/index.js';
import { DEFAULTS, type ServiceSpec } from './spec/index.js';

// The document's types are the wire contract in protocol/ (its readers may not import this framework).
export type { DrainingEndpoint, Endpoint, ServiceEndpoints } from '../../protocol/index.js';

/** The domain DNS names of services end in. */
export const SERVICES_DOMAIN = 'services.berth';

/** A service id's DNS name: its segments reversed, joined by ".", under SERVICES_DOMAIN. */
export function dnsNameOf(id: string): string {
  return [...id.split('/').filter(Boolean).reverse(), SERVICES_DOMAIN].join('.');
}

function versionSpec(state: ServiceState, version: number): ServiceSpec {
  return state.versions.find((v) => v.version === version)?.spec ?? specOf(state, state.targetVersion).spec;
}

/** Whether an instance serves: running, healthy and ready where its version checks those, not draining. */
export function inRotation(i: Pick<Instance, 'state' | 'healthy' | 'ready' | 'drainingSinceMs'>, spec: Pick<ServiceSpec, 'healthChecks' | 'readinessCheck'>): boolean {
  if (i.state !== 'running' || i.drainingSinceMs !== undefined) return false;
  if (spec.healthChecks.length > 0 && i.healthy !== true) return false;
  return spec.readinessCheck === undefined || i.ready === true;
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function endpointsOf(state: ServiceState, view: ServicesView): ServiceEndpoints {
  const spec = specOf(state, state.targetVersion).spec;
  const address = new Map(view.agents.map((a) => [a.id, a.address ?? a.hostname]));
  const endpoint = (i: Instance): Endpoint => ({ id: i.id, host: address.get(i.agentId) ?? i.hostname, hostname: i.hostname, agentId: i.agentId, ports: { ...i.ports }, version: i.version });
  const mine = view.instances.filter((i) => i.serviceId === state.id);
  return {
    id: state.id,
    dnsName: dnsNameOf(state.id),
    // Specs stored before these fields existed lack them: the defaults apply.
    algorithm: ((spec as Partial<ServiceSpec>).loadBalancer ?? DEFAULTS.loadBalancer).algorithm,
    servicePorts: Object.fromEntries(spec.resources.ports.filter((p) => p.servicePort !== undefined).map((p) => [p.name, p.servicePort!])),
    killGracePeriodSeconds: spec.killGracePeriodSeconds,
    endpoints: mine.filter((i) => inRotation(i, versionSpec(state, i.version))).map(endpoint).sort(byId),
    draining: mine
      .filter((i) => i.drainingSinceMs !== undefined && !isTerminal(i.state))
      .map((i) => ({ ...endpoint(i), drainingSinceMs: i.drainingSinceMs! }))
      .sort(byId),
  };
}

/** Every service's endpoints, sorted by id (services without endpoints too). */
export function allEndpoints(view: ServicesView): ServiceEndpoints[] {
  return [...view.states.values()].sort(byId).map((s) => endpointsOf(s, view));
}
