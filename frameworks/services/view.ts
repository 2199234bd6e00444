// The commands' side of the seam: the snapshot they read (ServicesView: desired states, observed
// instances and agents, the latest plans, the cluster totals and per-role holdings a plan's
// dominant shares need) and the check of a change they hand back.
import { BerthError, ErrorCode } from '../../protocol/index.js';
import type { ServicesChange, ServicesView } from './control.js';
import { isTerminal, type Instance, type PlanResult, type ScalarResources, type ServiceState } from './deploy/index.js';
import type { ClusterAgentView } from './sdk-adapter.js';

/** Scalars at three decimals, as the master keeps them. */
const round = (n: number): number => Math.round(n * 1000) / 1000;

export function buildView(input: {
  states: ReadonlyMap<string, ServiceState>;
  instances: readonly Instance[];
  agents: readonly ClusterAgentView[];
  plans: ReadonlyMap<string, PlanResult>;
  roles: readonly string[];
  nowMs: number;
}): ServicesView {
  const totals: ScalarResources = { cpus: 0, memMb: 0, diskMb: 0 };
  for (const a of input.agents) {
    if (a.unreachable) continue;
    totals.cpus = round(totals.cpus + a.total.cpus);
    totals.memMb = round(totals.memMb + a.total.memMb);
    totals.diskMb = round(totals.diskMb + a.total.diskMb);
  }
  const heldByRole = new Map<string, ScalarResources>();
  for (const i of input.instances) {
    if (isTerminal(i.state)) continue;
    const spec = input.states.get(i.serviceId)?.versions.find((v) => v.version === i.version)?.spec;
    if (!spec) continue;
    const held = heldByRole.get(spec.role) ?? { cpus: 0, memMb: 0, diskMb: 0 };
    heldByRole.set(spec.role, { cpus: round(held.cpus + spec.resources.cpus), memMb: round(held.memMb + spec.resources.memMb), diskMb: round(held.diskMb + spec.resources.diskMb) });
  }
  return {
    states: new Map(input.states),
    instances: input.instances.map((i) => ({ ...i })),
    agents: input.agents.map(({ total: _total, ...a }) => ({ ...a })),
    plans: new Map(input.plans),
    roles: [...input.roles],
    totals,
    heldByRole,
    nowMs: input.nowMs,
  };
}

/**
 * Checks a change before it is written: every put state names its target among its versions and
 * each version's spec is that service's; removals are ids; nothing is both put and removed.
 * Throws one INVALID_CALL error listing every problem (a caller's bug, not a user's input).
 */
export function checkChange(change: ServicesChange): void {
  const problems: string[] = [];
  if (!Array.isArray(change?.put)) problems.push('put must be a list of service states');
  if (!Array.isArray(change?.remove)) problems.push('remove must be a list of service ids');
  (Array.isArray(change?.put) ? change.put : []).forEach((s, i) => {
    if (typeof s?.id !== 'string' || s.id === '') return void problems.push(`put[${i}].id must be a service id`);
    if (!Array.isArray(s.versions) || !s.versions.some((v) => v.version === s.targetVersion)) problems.push(`put[${i}].targetVersion must be one of its versions`);
    else if (s.versions.some((v) => v.spec?.id !== s.id)) problems.push(`put[${i}].versions must all be specs of ${s.id}`);
    if (Array.isArray(change.remove) && change.remove.includes(s.id)) problems.push(`put[${i}] ${s.id} must not be removed in the same change`);
  });
  (Array.isArray(change?.remove) ? change.remove : []).forEach((id, i) => {
    if (typeof id !== 'string' || id === '') problems.push(`remove[${i}] must be a service id`);
  });
  if (problems.length > 0) throw new BerthError(ErrorCode.INVALID_CALL, `invalid services change: ${problems.join('; ')}`);
}
