// Gang requests: an all-or-nothing bundle of task shapes, placed before ordinary offers, in
// weighted-DRF order of their framework. A bundle is offered only when every shape fits at once
// (first-fit, largest shape first). When one does not fit, at most ONE gang in the whole cluster
// -- the first in order that could fit on the empty cluster and is inside a hold window -- keeps
// the free resources its partial placement found out of this run's offers. Hold windows alternate
// with equally long windows without a hold, counted from the request, so a hold never lasts
// longer than gangHoldMs and two gangs can never each hold part of what the other needs.
import { resources, type Res } from '../../protocol/index.js';
import type { AllocationRun } from './allocation-run.js';
import type { FrameworkEntry } from './framework-entry.js';
import { CPUS, MEM, SCALAR_COUNT, SCALAR_NAMES, addInto, addRes, round3, vec, type ScalarName } from './scalar-vector.js';
import type { AgentSlot, GangRequest } from './types.js';

export const DEFAULT_GANG_HOLD_MS = 30_000;

export type GangOutcomeKind =
  | 'offered'
  | 'not-subscribed'
  | 'suppressed'
  | 'quota-limit'
  | 'quota-headroom'
  | 'does-not-fit'
  | 'never-fits'
  | 'holding';

/** What happened to one gang request in a run (explanations read these). */
export interface GangOutcome {
  gangId: string;
  frameworkId: string;
  role: string;
  kind: GangOutcomeKind;
  /** does-not-fit / never-fits / quota-*: the resource that is short, when one alone is. */
  resource?: ScalarName | 'ports' | undefined;
  /** does-not-fit: the shape that did not fit and the most of `resource` one agent had. */
  shape?: Res | undefined;
  mostFree?: number | undefined;
  /** offered / holding: the agents. */
  agentIds: string[];
}

interface Shape {
  v: Float64Array;
  ports: number;
  res: Res;
}

interface Bundle {
  v: Float64Array;
  ports: number;
}

interface Capacity {
  v: Float64Array;
  ports: number;
}

interface Placement {
  bundles: Map<number, Bundle>;
  unplaced: Shape | null;
  short?: ScalarName | 'ports' | undefined;
  mostFree?: number | undefined;
}

export function placeGangs(run: AllocationRun): GangOutcome[] {
  const outcomes: GangOutcome[] = [];
  const pending: { entry: FrameworkEntry; gang: GangRequest; rank: number; entryRank: number }[] = [];
  const leafRank = new Map(run.tree.leavesInOrder().map((leaf, i) => [leaf, i]));
  for (const fw of run.frameworks) {
    for (const gang of fw.slot.gangs ?? []) {
      const base = { gangId: gang.id, frameworkId: fw.slot.id, role: gang.role, agentIds: [] };
      if (!fw.slot.roles.includes(gang.role)) outcomes.push({ ...base, kind: 'not-subscribed' });
      else if (fw.slot.suppressedRoles.has(gang.role)) outcomes.push({ ...base, kind: 'suppressed' });
      else if (gang.tasks.length > 0) {
        const entry = fw.entryFor(gang.role) as FrameworkEntry;
        pending.push({ entry, gang, rank: leafRank.get(entry.leaf) ?? 0, entryRank: entry.leaf.entries.indexOf(entry) });
      }
    }
  }
  if (pending.length === 0) return outcomes;
  pending.sort((a, b) => a.rank - b.rank || a.entryRank - b.entryRank || a.gang.sinceMs - b.gang.sinceMs || (a.gang.id < b.gang.id ? -1 : 1));

  const holdMs = run.snapshot.gangHoldMs ?? DEFAULT_GANG_HOLD_MS;
  let someoneHolds = false;
  for (const { entry, gang } of pending) {
    const base = { gangId: gang.id, frameworkId: entry.id, role: gang.role };
    const shapes = gang.tasks
      .map((res): Shape => ({ v: vec(res), ports: resources.portCount(res), res }))
      .sort((a, b) => b.v[CPUS] - a.v[CPUS] || b.v[MEM] - a.v[MEM]);
    const need = vec();
    for (const s of shapes) addInto(need, s.v);

    const room = vec();
    run.tree.roomUnderLimits(entry.leaf.role, room);
    const overLimit = SCALAR_NAMES.findIndex((_, k) => need[k] > room[k]);
    if (overLimit >= 0) {
      outcomes.push({ ...base, kind: 'quota-limit', resource: SCALAR_NAMES[overLimit], agentIds: [] });
      continue;
    }

    const placement = firstFit(run, entry, shapes, (i) => freeCapacity(run, entry, i), true);
    if (!placement.unplaced) {
      const unreserved = vec();
      for (const [i, bundle] of placement.bundles) {
        const r = vec(run.reservedOf(i).get(gang.role));
        for (let k = 0; k < SCALAR_COUNT; k++) unreserved[k] += Math.max(0, bundle.v[k] - r[k]);
      }
      if (!run.headroomAllows(entry.leaf.role, unreserved)) {
        outcomes.push({ ...base, kind: 'quota-headroom', agentIds: [] });
        continue;
      }
      const agentIds: string[] = [];
      for (const [i, bundle] of placement.bundles) {
        run.commitGangOffer(entry, i, bundle.v, bundle.ports, gang.id);
        agentIds.push((run.agents[i] as AgentSlot).id);
      }
      outcomes.push({ ...base, kind: 'offered', agentIds });
      continue;
    }

    const shortOf = { resource: placement.short, shape: placement.unplaced.res, mostFree: placement.mostFree };
    if (someoneHolds || holdMs <= 0 || !inHoldWindow(run.snapshot.nowMs - gang.sinceMs, holdMs)) {
      outcomes.push({ ...base, kind: 'does-not-fit', ...shortOf, agentIds: [] });
      continue;
    }
    const ever = firstFit(run, entry, shapes, (i) => wholeCapacity(run, entry, i), false);
    if (ever.unplaced) {
      outcomes.push({ ...base, kind: 'never-fits', resource: ever.short, shape: ever.unplaced.res, mostFree: ever.mostFree, agentIds: [] });
      continue;
    }
    someoneHolds = true;
    const agentIds: string[] = [];
    for (const [i, bundle] of placement.bundles) {
      run.hold(entry, i, bundle.v, bundle.ports, gang.id);
      agentIds.push((run.agents[i] as AgentSlot).id);
    }
    outcomes.push({ ...base, kind: 'holding', ...shortOf, agentIds });
  }
  return outcomes;
}

/** Hold windows: [0, hold), [2 hold, 3 hold), ... after the request; none in between. */
function inHoldWindow(ageMs: number, holdMs: number): boolean {
  return Math.max(0, ageMs) % (2 * holdMs) < holdMs;
}

function freeCapacity(run: AllocationRun, entry: FrameworkEntry, i: number): Capacity | null {
  const agent = run.agents[i] as AgentSlot;
  if (agent.draining || entry.framework.offeredOn(i, agent.id)) return null;
  const free = run.unreservedOf(i);
  const v = vec(free);
  const reserved = run.reservedOf(i).get(entry.leaf.name);
  if (reserved) addRes(v, reserved);
  return { v, ports: resources.portCount(free) };
}

/** What the agent could give the role if nothing ran on it (other roles' free reservations aside). */
function wholeCapacity(run: AllocationRun, entry: FrameworkEntry, i: number): Capacity | null {
  const agent = run.agents[i] as AgentSlot;
  if (agent.draining) return null;
  const v = vec(agent.total);
  for (const [role, r] of agent.reservedFree) {
    if (role === entry.leaf.name) continue;
    v[0] -= r.cpus;
    v[1] -= r.memMb;
    v[2] -= r.diskMb;
    v[3] -= r.gpus;
  }
  return { v, ports: resources.portCount(agent.total) };
}

function firstFit(
  run: AllocationRun,
  entry: FrameworkEntry,
  shapes: readonly Shape[],
  capacityOf: (i: number) => Capacity | null,
  honourFilters: boolean,
): Placement {
  const bundles = new Map<number, Bundle>();
  const capacities = new Map<number, Capacity | null>();
  const cap = (i: number): Capacity | null => {
    if (!capacities.has(i)) capacities.set(i, capacityOf(i));
    return capacities.get(i) as Capacity | null;
  };
  const trial = vec();
  for (const shape of shapes) {
    let placed = false;
    for (let i = 0; i < run.agents.length && !placed; i++) {
      const c = cap(i);
      if (!c) continue;
      const used = bundles.get(i);
      trial.set(shape.v);
      if (used) addInto(trial, used.v);
      const ports = shape.ports + (used?.ports ?? 0);
      let fits = ports <= c.ports;
      for (let k = 0; k < SCALAR_COUNT && fits; k++) fits = trial[k] <= c.v[k] + 1e-9;
      if (!fits) continue;
      if (honourFilters && run.filterUntil(entry, (run.agents[i] as AgentSlot).id, scalarsOf(trial)) !== undefined) continue;
      if (used) {
        used.v.set(trial);
        used.ports = ports;
      } else bundles.set(i, { v: Float64Array.from(trial), ports });
      placed = true;
    }
    if (!placed) return { bundles, unplaced: shape, ...shortage(run, shape, bundles, cap) };
  }
  return { bundles, unplaced: null };
}

/** Which resource no single agent has enough of for the shape (undefined: only the combination). */
function shortage(
  run: AllocationRun,
  shape: Shape,
  bundles: Map<number, Bundle>,
  cap: (i: number) => Capacity | null,
): { short?: ScalarName | 'ports'; mostFree?: number } {
  const most = new Float64Array(SCALAR_COUNT + 1).fill(0);
  for (let i = 0; i < run.agents.length; i++) {
    const c = cap(i);
    if (!c) continue;
    const used = bundles.get(i);
    for (let k = 0; k < SCALAR_COUNT; k++) most[k] = Math.max(most[k], c.v[k] - (used?.v[k] ?? 0));
    most[SCALAR_COUNT] = Math.max(most[SCALAR_COUNT], c.ports - (used?.ports ?? 0));
  }
  for (let k = 0; k < SCALAR_COUNT; k++) if (shape.v[k] > most[k] + 1e-9) return { short: SCALAR_NAMES[k], mostFree: round3(Math.max(0, most[k])) };
  if (shape.ports > most[SCALAR_COUNT]) return { short: 'ports', mostFree: most[SCALAR_COUNT] };
  return {};
}

function scalarsOf(v: Float64Array): Res {
  return { cpus: round3(v[0]), memMb: round3(v[1]), diskMb: round3(v[2]), gpus: round3(v[3]), ports: [] };
}
