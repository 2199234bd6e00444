// The snapshot commands read (ServicesView): desired states, observed instances and agents, the
// latest plans, and the cluster totals and per-role holdings a plan's dominant shares need.
import type { ServicesView } from './control.js';
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
