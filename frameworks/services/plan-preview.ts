// What applying a checked file would do, service by service: the would-be desired states (shared
// with apply), and the plan preview: the JSON Patch from the running spec, the planner's steps on
// the would-be state, where new instances would go, what stays pending and why, and the role's
// dominant share before and after.
import jsonpatch from 'fast-json-patch';
import type { ServicesView } from './control.js';
import {
  applySpec,
  dominantShareChange,
  isTerminal,
  newServiceState,
  planServices,
  specOf,
  type DependencyView,
  type DominantShare,
  type ScalarResources,
  type ServiceState,
  type Step,
} from './deploy/index.js';
import { clampInstances, deployOrder, diffServiceSpec, type PatchOperation, type ServiceSpec, type SpecFormat, type SpecProblem } from './spec/index.js';

export type Change = 'create' | 'update' | 'unchanged';

/** One service of a file and what applying it would make of its desired state. */
export interface NextState {
  spec: ServiceSpec;
  current: ServiceState | undefined;
  /** `current` itself when nothing changes. */
  next: ServiceState;
  change: Change;
}

/** The desired states applying `services` would give, in file order. */
export function nextStates(services: readonly ServiceSpec[], view: ServicesView): NextState[] {
  return services.map((spec) => {
    const current = view.states.get(spec.id);
    if (!current) return { spec, current, next: newServiceState(spec, view.nowMs), change: 'create' };
    const next = applySpec(current, keepAutoscaledCount(spec, specOf(current, current.targetVersion).spec), view.nowMs);
    return { spec, current, next, change: next === current ? 'unchanged' : 'update' };
  });
}

/**
 * While a service stays autoscaled, a file's `instances` is only the starting count: applying it
 * again keeps the count the autoscaler reached, moved into the new [min, max].
 */
function keepAutoscaledCount(spec: ServiceSpec, running: ServiceSpec): ServiceSpec {
  if (!spec.autoscale || !running.autoscale) return spec;
  return { ...spec, instances: clampInstances(running.instances, spec.autoscale) };
}

export interface ShareView {
  share: number;
  resource: DominantShare['resource'] | null;
}

export interface ServicePlan {
  id: string;
  change: Change;
  fromVersion: number | null;
  patch: PatchOperation[];
  steps: Step[];
  placements: { agentId: string; hostname: string; ports: Record<string, number> }[];
  pending: { count: number; reason: string }[];
  dominantShare: { role: string; before: ShareView; after: ShareView };
  spec: ServiceSpec;
}

export interface PlanAnswer {
  format: SpecFormat;
  services: ServicePlan[];
  deployOrder: string[];
  warnings: SpecProblem[];
  unsupported: SpecProblem[];
  /** Services in the cluster the file does not name: apply leaves them as they are. */
  untouched: string[];
}

const ZERO: ScalarResources = { cpus: 0, memMb: 0, diskMb: 0 };

/** Previews applying `services` (checked already) to the cluster in `view`; changes nothing. */
export function previewPlan(
  file: { format: SpecFormat; services: readonly ServiceSpec[]; warnings: SpecProblem[]; unsupported: SpecProblem[] },
  view: ServicesView,
): PlanAnswer {
  const states = nextStates(file.services, view);
  const inFile = new Set(file.services.map((s) => s.id));
  const external: DependencyView[] = [...view.states.keys()]
    .filter((id) => !inFile.has(id))
    .map((id) => ({ id, status: view.plans.get(id)?.deployment.status }));
  const plans = new Map(planServices({ states: states.map((s) => s.next), instances: view.instances, agents: view.agents, nowMs: view.nowMs, external }).map((p) => [p.id, p.result]));
  const hostnames = new Map(view.agents.map((a) => [a.id, a.hostname]));
  const held = new Map<string, ScalarResources>();
  const services = states.map(({ spec, current, change }): ServicePlan => {
    const plan = plans.get(spec.id)!;
    const launches = plan.steps.flatMap((s) => (s.kind === 'launch' ? [s] : []));
    const before = held.get(spec.role) ?? view.heldByRole.get(spec.role) ?? ZERO;
    const delta = minus(times(spec.resources, spec.instances), current && specRole(current) === spec.role ? usage(current, view) : ZERO);
    const share = dominantShareChange(before, delta, view.totals);
    held.set(spec.role, plus(before, delta));
    return {
      id: spec.id,
      change,
      fromVersion: current?.targetVersion ?? null,
      patch: current ? diffServiceSpec(runningSpec(current), spec) : jsonpatch.compare({}, spec),
      steps: plan.steps,
      placements: launches.flatMap((l) => l.placementHints.placements.map((p) => ({ agentId: p.agentId, hostname: hostnames.get(p.agentId) ?? '', ports: p.ports }))),
      pending: launches.flatMap((l) => l.placementHints.pending),
      dominantShare: { role: spec.role, before: shareView(share.before), after: shareView(share.after) },
      spec,
    };
  });
  return {
    format: file.format,
    services,
    deployOrder: deployOrder(file.services).flat(),
    warnings: file.warnings,
    unsupported: file.unsupported,
    untouched: [...view.states.keys()].filter((id) => !inFile.has(id)).sort(),
  };
}

function runningSpec(s: ServiceState): ServiceSpec {
  return specOf(s, s.targetVersion).spec;
}

function specRole(s: ServiceState): string {
  return runningSpec(s).role;
}

/** What the service's live instances hold now, each at the resources of its own version. */
function usage(s: ServiceState, view: ServicesView): ScalarResources {
  let sum = ZERO;
  for (const i of view.instances) {
    if (i.serviceId !== s.id || isTerminal(i.state)) continue;
    const spec = s.versions.find((v) => v.version === i.version)?.spec ?? runningSpec(s);
    sum = plus(sum, times(spec.resources, 1));
  }
  return sum;
}

function times(r: ScalarResources, n: number): ScalarResources {
  return { cpus: r.cpus * n, memMb: r.memMb * n, diskMb: r.diskMb * n };
}

function plus(a: ScalarResources, b: ScalarResources): ScalarResources {
  return { cpus: a.cpus + b.cpus, memMb: a.memMb + b.memMb, diskMb: a.diskMb + b.diskMb };
}

function minus(a: ScalarResources, b: ScalarResources): ScalarResources {
  return plus(a, times(b, -1));
}

function shareView(d: DominantShare): ShareView {
  return { share: Math.round(d.share * 10_000) / 10_000, resource: d.resource ?? null };
}
