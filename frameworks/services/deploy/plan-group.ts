// Plans several services at once, in dependency order: each service sees the statuses its
// dependencies' plans just gave, and the placement previews of earlier services are taken off
// the agents' free resources before later ones are previewed.
import { deployOrder } from '../spec/index.js';
import { specOf } from './apply-spec.js';
import type { AgentView, DependencyView, Instance, ServiceState } from './model.js';
import { reserve } from './placement.js';
import { planService, type PlannerOptions, type PlanResult } from './planner.js';

export interface GroupPlanInput {
  states: readonly ServiceState[];
  /** Observed instances of every service (each plan takes its own). */
  instances: readonly Instance[];
  agents: readonly AgentView[];
  nowMs: number;
  /** Statuses of services outside `states` that some of them depend on. */
  external?: readonly DependencyView[];
  options?: PlannerOptions;
}

/**
 * Plans every service of `states`, dependencies first (waves from `deployOrder`), and returns the
 * results in that order. A service's dependencies are met once their plan in this same call says
 * `stable`; previews of launches book the agents' resources for the services planned after them.
 */
export function planServices(input: GroupPlanInput): { id: string; result: PlanResult }[] {
  const byId = new Map(input.states.map((s) => [s.id, s]));
  const specs = input.states.map((s) => specOf(s, s.targetVersion).spec);
  const statuses = new Map<string, DependencyView>((input.external ?? []).map((d) => [d.id, d]));
  let agents = [...input.agents];
  const out: { id: string; result: PlanResult }[] = [];
  for (const wave of deployOrder(specs)) {
    for (const id of wave) {
      const state = byId.get(id)!;
      const spec = specOf(state, state.targetVersion).spec;
      const dependencies = spec.dependencies.map((d) => statuses.get(d) ?? { id: d, status: undefined });
      const result = planService({ state, instances: input.instances, agents, dependencies, nowMs: input.nowMs, ...(input.options ? { options: input.options } : {}) });
      for (const step of result.steps) {
        if (step.kind !== 'launch') continue;
        agents = reserve(agents, specOf(result.state, step.version).spec, step.placementHints.placements);
      }
      statuses.set(id, { id, status: result.deployment.status });
      out.push({ id, result });
    }
  }
  return out;
}
