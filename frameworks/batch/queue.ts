// The batch queue: pending tasks wait in priority order within their role (FIFO among equals),
// and a gang at the head that cannot start gets a reservation that smaller work may backfill
// around but never delay (EASY backfill, as in Slurm). Pure: a snapshot in, decisions out.
import type { JobSpec } from './spec/types.js';

/** The resources of one task, or what an agent has free. */
export interface Shape {
  cpus: number;
  memMb: number;
  diskMb: number;
}

export interface AgentCapacity {
  agentId: string;
  /** What the framework could use on this agent now (its offers). */
  free: Shape;
}

export interface RunningTask {
  agentId: string;
  resources: Shape;
  /** When the task will have ended at the latest (launch + an enforced deadline); undefined = unknown. */
  endsAtMs: number | undefined;
}

/** One run's tasks waiting to start: a gang's whole set, or the indexes a run has due. */
export interface QueueEntry {
  key: string;
  jobId: string;
  role: string;
  priority: number;
  /** Submission order, for FIFO among equal priorities. */
  seq: number;
  tasks: number;
  resources: Shape;
  gang: boolean;
  /** An enforced limit on each task's run time (the job's taskDeadlineMs); backfill trusts only this. */
  maxDurationMs: number | undefined;
}

/** The capacity a role has: Mesos offers each role its own resources. */
export interface RolePool {
  agents: readonly AgentCapacity[];
  running: readonly RunningTask[];
}

export interface QueueSnapshot {
  nowMs: number;
  pools: Readonly<Record<string, RolePool>>;
  entries: readonly QueueEntry[];
}

export const HoldReason = {
  /** The entry is first in line; capacity is reserved for it from a time. */
  Reserved: 'reserved',
  /** It would fit now, but would still hold capacity reserved for an entry ahead of it. */
  Reservation: 'reservation',
  /** Not enough free capacity for it now. */
  NoCapacity: 'no-capacity',
  /** A gang (or a single task) larger than the role's whole pool, even with every task ended. */
  TooLarge: 'too-large',
  /** No capacity at all for its role. */
  NoPool: 'no-pool',
} as const;
export type HoldReason = (typeof HoldReason)[keyof typeof HoldReason];

export interface EntryDecision {
  key: string;
  /** One agent id per task to start now. */
  start: string[];
  /** Tasks of this entry that wait. */
  held: number;
  reason: HoldReason | undefined;
  message: string | undefined;
  /** Started out of priority order, around a reservation. */
  backfill: boolean;
}

export interface Reservation {
  key: string;
  role: string;
  /** When the entry is expected to fit; Infinity when it waits on tasks with no known end. */
  atMs: number;
  /** One agent id per reserved task (a gang: all of them; other entries: what the pool can hold at once). */
  agents: string[];
}

export interface QueuePlan {
  /** In queue order: role by role, then priority (highest first), then FIFO. */
  decisions: EntryDecision[];
  reservations: Reservation[];
}

/** The queue entry for tasks a run has due (RunTracker.due), `seq` being its place in line. */
export function entryFor(job: Pick<JobSpec, 'id' | 'role' | 'priority' | 'resources' | 'gang' | 'taskDeadlineMs'>, key: string, seq: number, tasks: number): QueueEntry {
  return {
    key, jobId: job.id, role: job.role, priority: job.priority, seq, tasks,
    resources: { ...job.resources }, gang: job.gang, maxDurationMs: job.taskDeadlineMs,
  };
}

const EPS = 1e-9;
/** True when `need` fits in `have` (to within rounding). */
export const fits = (need: Shape, have: Shape): boolean => need.cpus <= have.cpus + EPS && need.memMb <= have.memMb + EPS && need.diskMb <= have.diskMb + EPS;
const plus = (a: Shape, b: Shape): Shape => ({ cpus: a.cpus + b.cpus, memMb: a.memMb + b.memMb, diskMb: a.diskMb + b.diskMb });
const minus = (a: Shape, b: Shape): Shape => ({ cpus: a.cpus - b.cpus, memMb: a.memMb - b.memMb, diskMb: a.diskMb - b.diskMb });
const ZERO: Shape = { cpus: 0, memMb: 0, diskMb: 0 };

type Free = Map<string, Shape>;

const anyFits = (free: Free, need: Shape): boolean => {
  for (const have of free.values()) if (fits(need, have)) return true;
  return false;
};

/** Queue order: priority high to low, then submission order. */
export function compareEntries(a: QueueEntry, b: QueueEntry): number {
  return b.priority - a.priority || a.seq - b.seq || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * First fit, task by task, over the agents in the pool's order. `allowed` can refuse an agent
 * for a task. Returns one agent id per placed task (at most `count`), and takes from `free`.
 */
function place(free: Free, need: Shape, count: number, allowed: (agentId: string) => boolean = () => true): string[] {
  const out: string[] = [];
  for (const [agentId, have] of free) {
    let left = have;
    while (out.length < count && allowed(agentId) && fits(need, left)) {
      left = minus(left, need);
      out.push(agentId);
    }
    free.set(agentId, left);
    if (out.length === count) break;
  }
  return out;
}

/** Places all `count` or nothing; `free` is only changed when all fit. */
function placeAll(free: Free, need: Shape, count: number): string[] | undefined {
  const trial = new Map(free);
  const out = place(trial, need, count);
  if (out.length < count) return undefined;
  for (const [k, v] of trial) free.set(k, v);
  return out;
}

interface Release {
  atMs: number;
  agentId: string;
  resources: Shape;
}

/** The earliest time `count` tasks of `need` fit, as releases return capacity; with where. */
function shadow(free: Free, releases: readonly Release[], need: Shape, count: number): { atMs: number; agents: string[]; freeAt: Free } | undefined {
  const state = new Map(free);
  const sorted = [...releases].sort((a, b) => a.atMs - b.atMs);
  for (let i = 0; i < sorted.length; ) {
    const atMs = sorted[i]!.atMs;
    for (; i < sorted.length && sorted[i]!.atMs === atMs; i++) {
      const r = sorted[i]!;
      state.set(r.agentId, plus(state.get(r.agentId) ?? ZERO, r.resources));
    }
    const trial = new Map(state);
    const agents = placeAll(trial, need, count);
    if (agents) return { atMs, agents, freeAt: state };
  }
  return undefined;
}

const words = (s: Shape) => `${s.cpus} cpus, ${s.memMb} MB memory${s.diskMb > 0 ? `, ${s.diskMb} MB disk` : ''}`;
const when = (ms: number) => (ms === Infinity ? 'once tasks with no known end finish' : `from ${new Date(ms).toISOString()}`);

/** Plans one role's queue against that role's pool. Entries must all be of this role. */
export function planPool(role: string, pool: RolePool, entries: readonly QueueEntry[], nowMs: number): { decisions: EntryDecision[]; reservation: Reservation | undefined } {
  const free: Free = new Map(pool.agents.map((a) => [a.agentId, { ...a.free }]));
  const releases: Release[] = pool.running.flatMap((r) => (r.endsAtMs === undefined ? [] : [{ atMs: r.endsAtMs, agentId: r.agentId, resources: r.resources }]));
  // Everything the pool has, were every task ended: the test for "too large ever to start".
  const whole: Free = new Map(free);
  for (const r of pool.running) whole.set(r.agentId, plus(whole.get(r.agentId) ?? ZERO, r.resources));

  const decisions: EntryDecision[] = [];
  let reservation: (Reservation & { extra: Free }) | undefined;
  const started = (e: QueueEntry, agents: string[]) => {
    if (e.maxDurationMs === undefined) return;
    for (const agentId of agents) releases.push({ atMs: nowMs + e.maxDurationMs, agentId, resources: e.resources });
  };
  // What will be free once every task with an end has ended and the others too, after this plan's starts.
  const eventually = (): Free => {
    const state = new Map(free);
    for (const r of pool.running) if (r.endsAtMs === undefined) state.set(r.agentId, plus(state.get(r.agentId) ?? ZERO, r.resources));
    for (const r of releases) state.set(r.agentId, plus(state.get(r.agentId) ?? ZERO, r.resources));
    return state;
  };

  for (const e of [...entries].sort(compareEntries)) {
    const d: EntryDecision = { key: e.key, start: [], held: 0, reason: undefined, message: undefined, backfill: false };
    decisions.push(d);
    if (!reservation) {
      d.start = e.gang ? (placeAll(free, e.resources, e.tasks) ?? []) : place(free, e.resources, e.tasks);
      started(e, d.start);
      d.held = e.tasks - d.start.length;
      if (d.held === 0) continue;
      // A gang needs all its tasks at once; other tasks run in waves, so the head reserves for as
      // many as the whole pool could ever hold at once.
      const ever = place(new Map(whole), e.resources, d.held).length;
      const reserve = e.gang ? d.held : Math.min(d.held, ever);
      if (ever < (e.gang ? d.held : 1)) {
        d.reason = HoldReason.TooLarge;
        d.message = `${e.gang ? `a gang of ${d.held} tasks` : 'a task'} of ${words(e.resources)} does not fit in role ${role}'s whole pool, even with every task ended`;
        continue;
      }
      // The head of the queue is blocked: reserve for it where and when it will fit.
      let at = shadow(free, releases, e.resources, reserve);
      if (!at) {
        const freeAt = eventually();
        const agents = placeAll(new Map(freeAt), e.resources, reserve);
        if (!agents) {
          d.reason = HoldReason.NoCapacity;
          d.message = `${d.held} task(s) of ${words(e.resources)} wait for tasks started without a deadline`;
          continue;
        }
        at = { atMs: Infinity, agents, freeAt };
      }
      const extra: Free = new Map(at.freeAt);
      for (const agentId of at.agents) extra.set(agentId, minus(extra.get(agentId)!, e.resources));
      reservation = { key: e.key, role, atMs: at.atMs, agents: at.agents, extra };
      d.reason = HoldReason.Reserved;
      d.message = `${d.held} task(s) of ${words(e.resources)} wait; ${reserve} reserved ${when(at.atMs)}`;
      continue;
    }
    const r = reservation;
    // Nothing free fits one of its tasks: it waits, and trying the backfill below would only copy
    // the pool's maps once per entry of a long queue.
    if (!anyFits(free, e.resources)) {
      d.held = e.tasks;
      d.reason = HoldReason.NoCapacity;
      d.message = `${d.held} task(s) of ${words(e.resources)} do not fit in what is free now`;
      continue;
    }
    // Backfill: a task may start if it ends before the reservation's time, or if it leaves the
    // capacity reserved at that time alone (it fits in what the reservation leaves over).
    const endsInTime = e.maxDurationMs !== undefined && r.atMs !== Infinity && nowMs + e.maxDurationMs <= r.atMs;
    const trialFree = new Map(free);
    const trialExtra = new Map(r.extra);
    const allowed = (agentId: string) => endsInTime || fits(e.resources, trialExtra.get(agentId) ?? ZERO);
    const agents: string[] = [];
    for (let i = 0; i < e.tasks; i++) {
      const [agentId] = place(trialFree, e.resources, 1, allowed);
      if (agentId === undefined) break;
      agents.push(agentId);
      if (!endsInTime) trialExtra.set(agentId, minus(trialExtra.get(agentId)!, e.resources));
    }
    const ok = e.gang ? agents.length === e.tasks : agents.length > 0;
    if (ok) {
      for (const [k, v] of trialFree) free.set(k, v);
      for (const [k, v] of trialExtra) r.extra.set(k, v);
      d.start = agents;
      d.backfill = true;
      started(e, agents);
    }
    d.held = e.tasks - d.start.length;
    if (d.held === 0) continue;
    const couldFitNow = e.gang ? placeAll(new Map(free), e.resources, d.held) !== undefined : place(new Map(free), e.resources, 1).length > 0;
    d.reason = couldFitNow ? HoldReason.Reservation : HoldReason.NoCapacity;
    d.message = couldFitNow
      ? `would use capacity reserved for ${r.key} ${when(r.atMs)}${e.maxDurationMs === undefined ? ' (it has no taskDeadlineSeconds to show it ends in time)' : ''}`
      : `${d.held} task(s) of ${words(e.resources)} do not fit in what is free now`;
  }
  const res = reservation && { key: reservation.key, role, atMs: reservation.atMs, agents: reservation.agents };
  return { decisions, reservation: res };
}

/**
 * Plans the whole queue: each role's entries, in priority then FIFO order, against that role's
 * pool. Decisions are values: tasks to start (with agents), and tasks held with a reason.
 */
export function planQueue(snapshot: QueueSnapshot): QueuePlan {
  const byRole = new Map<string, QueueEntry[]>();
  for (const e of snapshot.entries) {
    const list = byRole.get(e.role);
    if (list) list.push(e);
    else byRole.set(e.role, [e]);
  }
  const plan: QueuePlan = { decisions: [], reservations: [] };
  for (const role of [...byRole.keys()].sort()) {
    const entries = byRole.get(role)!;
    const pool = snapshot.pools[role];
    if (!pool) {
      for (const e of [...entries].sort(compareEntries)) {
        plan.decisions.push({ key: e.key, start: [], held: e.tasks, reason: HoldReason.NoPool, message: `no capacity is offered to role ${role}`, backfill: false });
      }
      continue;
    }
    const { decisions, reservation } = planPool(role, pool, entries, snapshot.nowMs);
    plan.decisions.push(...decisions);
    if (reservation) plan.reservations.push(reservation);
  }
  return plan;
}
