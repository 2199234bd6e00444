// Driving the services framework through its control seam the way the API's commands do (apply:
// applySpec / newServiceState, then commit), and reading what it sees. Used in-process by the
// Docker tests and by the framework process of the failover test.
import {
  applySpec,
  newServiceState,
  type Instance,
  type ServicesControl,
  type ServiceSpec,
  type ServiceState,
} from '../../frameworks/services/index.js';
import { until } from './poll.js';

const ENDED = new Set(['finished', 'failed', 'killed', 'error', 'lost', 'dropped', 'gone']);

/**
 * Applies a spec as the API's apply does: a new service, or a new version of one (nothing when it
 * equals the target). Resolves once the change is durable; returns the state committed.
 */
export function applyService(control: ServicesControl, spec: ServiceSpec): Promise<ServiceState> {
  return control.exclusive(async () => {
    const view = control.view();
    const current = view.states.get(spec.id);
    const next = current ? applySpec(current, spec, view.nowMs) : newServiceState(spec, view.nowMs);
    if (next !== current) await control.commit({ put: [next], remove: [] });
    return next;
  });
}

/** Instances of the service that run, healthy, and ready when their version has a readiness check. */
export function available(control: ServicesControl, serviceId: string): Instance[] {
  const view = control.view();
  const versions = view.states.get(serviceId)?.versions ?? [];
  const needsReady = (v: number) => versions.find((x) => x.version === v)?.spec.readinessCheck !== undefined;
  return view.instances.filter((i) => i.serviceId === serviceId && i.state === 'running' && i.healthy === true && (i.ready === true || (!needsReady(i.version) && i.ready !== false)));
}

/** Waits until the service's plan is stable with `count` available instances of its target. */
export async function untilStable(control: ServicesControl, serviceId: string, count: number, timeoutMs = 90_000): Promise<ServiceState> {
  return until(`${serviceId} stable with ${count} instances`, () => {
    const view = control.view();
    const state = view.states.get(serviceId);
    const plan = view.plans.get(serviceId);
    if (!state || plan?.deployment.status !== 'stable') return undefined;
    const live = view.instances.filter((i) => i.serviceId === serviceId && !ENDED.has(i.state));
    const good = available(control, serviceId).filter((i) => configOf(state, i.version) === configOf(state, state.targetVersion));
    return good.length === count && live.length === count ? state : undefined;
  }, timeoutMs, 100).catch((err: unknown) => {
    const view = control.view();
    throw new Error(`${(err as Error).message}; plan: ${JSON.stringify(view.plans.get(serviceId)?.deployment)} reasons: ${JSON.stringify(view.plans.get(serviceId)?.reasons)} instances: ${JSON.stringify(view.instances.map((i) => [i.id, i.version, i.hostname, i.state, i.healthy]))}`, { cause: err });
  });
}

function configOf(state: ServiceState, version: number): number | undefined {
  return state.versions.find((v) => v.version === version)?.configVersion;
}
