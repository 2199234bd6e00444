// The offline checker of a fault scenario's history (pure: no I/O, no clock). Each invariant is a
// function from the history to its violations; checkHistory runs them all. Usage, in a scenario:
//
//   const recorder = await FaultRecorder.start(t, { masters, redis, frameworks, agents });
//   ... inject the fault, recorder.fault('leader killed'); heal, recorder.healed(); launch once
//   more, recorder.launchAfterHeal(taskId, state) ...
//   t.same(checkHistory(await recorder.stop(), { convergenceBoundMs: 20_000 }), [], 'checker clean');
import { LIVE_STATES, TERMINAL_STATES, type Amount, type EventOf, type HistoryEvent, type MasterTask, type Snapshot } from './fault-history.js';

export const Invariant = {
  ONE_WRITER_PER_EPOCH: 'one-writer-per-epoch',
  NO_TASK_RUNNING_TWICE: 'no-task-running-twice',
  NO_ACKNOWLEDGED_WRITE_LOST: 'no-acknowledged-write-lost',
  CONVERGENCE: 'convergence',
  NO_ORPHAN_CONTAINERS: 'no-orphan-containers',
  NO_AGENT_OVERCOMMITTED: 'no-agent-overcommitted',
  LAUNCH_AFTER_HEAL: 'launch-after-heal',
  REMOVED_FRAMEWORK_GONE: 'removed-framework-gone',
} as const;
export type Invariant = (typeof Invariant)[keyof typeof Invariant];

export interface Violation {
  invariant: Invariant;
  message: string;
}

export interface CheckOptions {
  /** After the heal, master, agents and frameworks must agree within this long. */
  convergenceBoundMs: number;
}

function only<K extends HistoryEvent['kind']>(events: readonly HistoryEvent[], kind: K): EventOf<K>[] {
  return events.filter((e): e is EventOf<K> => e.kind === kind);
}

const snapshots = (events: readonly HistoryEvent[]): Snapshot[] => only(events, 'snapshot');

function lastHealMs(events: readonly HistoryEvent[]): number | undefined {
  const heals = only(events, 'healed');
  return heals.length > 0 ? Math.max(...heals.map((e) => e.atMs)) : undefined;
}

/** A framework the master removed: when (and where in the history), and the tasks it had heard of by then with their last state. */
interface Removal {
  framework: string;
  atMs: number;
  index: number;
  why: string;
  tasks: Map<string, string>;
}

/** The removals of the history, by framework (the first, if one is recorded twice). */
function removals(events: readonly HistoryEvent[]): Map<string, Removal> {
  const heard = new Map<string, Map<string, string>>();
  const out = new Map<string, Removal>();
  for (const [index, e] of events.entries()) {
    if (e.kind === 'update' && !out.has(e.framework)) heard.set(e.framework, (heard.get(e.framework) ?? new Map<string, string>()).set(e.taskId, e.state));
    if (e.kind === 'framework-removed' && !out.has(e.framework)) out.set(e.framework, { framework: e.framework, atMs: e.atMs, index, why: e.why, tasks: new Map(heard.get(e.framework)) });
  }
  return out;
}

const removedTasks = (events: readonly HistoryEvent[]): Set<string> => new Set([...removals(events).values()].flatMap((r) => [...r.tasks.keys()]));

/** Every write of an epoch came from one writer, epochs never went back, and one master led each epoch. */
export function oneWriterPerEpoch(events: readonly HistoryEvent[]): Violation[] {
  const out: Violation[] = [];
  const v = (message: string): number => out.push({ invariant: Invariant.ONE_WRITER_PER_EPOCH, message });
  const writers = new Map<number, Set<string>>();
  let highest = 0;
  for (const w of only(events, 'write')) {
    const set = writers.get(w.epoch) ?? new Set<string>();
    writers.set(w.epoch, set.add(w.writer));
    if (w.epoch < highest) v(`${w.writer} wrote ${w.change} under epoch ${w.epoch} after a write under epoch ${highest} (a deposed leader wrote)`);
    highest = Math.max(highest, w.epoch);
  }
  for (const [epoch, set] of writers) if (set.size > 1) v(`epoch ${epoch} has ${set.size} writers: ${[...set].sort().join(', ')}`);
  const leaders = new Map<number, Set<string>>();
  for (const l of only(events, 'leader')) leaders.set(l.epoch, (leaders.get(l.epoch) ?? new Set<string>()).add(l.master));
  for (const [epoch, set] of leaders) if (set.size > 1) v(`epoch ${epoch} was led by ${[...set].sort().join(' and ')}`);
  return out;
}

/** No task was seen RUNNING on two agents, in two containers at once, or again after it ended. */
export function noTaskRunningTwice(events: readonly HistoryEvent[]): Violation[] {
  const out: Violation[] = [];
  const v = (message: string): number => out.push({ invariant: Invariant.NO_TASK_RUNNING_TWICE, message });
  const runningOn = new Map<string, Set<string>>();
  const seen = (taskId: string, agentId: string): void => {
    runningOn.set(taskId, (runningOn.get(taskId) ?? new Set<string>()).add(agentId));
  };
  const ended = new Map<string, string>();
  for (const e of events) {
    if (e.kind === 'update') {
      const end = ended.get(e.taskId);
      if (end && e.state === 'RUNNING' && end !== 'LOST' && end !== 'UNREACHABLE') v(`${e.taskId} was RUNNING again (for ${e.framework}) after it ended ${end}`);
      if (TERMINAL_STATES.has(e.state) && !end) ended.set(e.taskId, e.state);
      if (e.state === 'RUNNING') seen(e.taskId, e.agentId);
    } else if (e.kind === 'snapshot') {
      for (const a of e.agents) for (const task of a.tasks) if (task.state === 'RUNNING') seen(task.taskId, a.agentId);
      for (const task of e.master?.tasks ?? []) if (task.state === 'RUNNING') seen(task.taskId, task.agentId);
      const containers = new Map<string, number>();
      for (const c of e.containers ?? []) if (c.running) containers.set(c.taskId, (containers.get(c.taskId) ?? 0) + 1);
      for (const [taskId, n] of containers) if (n > 1) v(`${taskId} had ${n} running containers at ${e.atMs}`);
    }
  }
  for (const [taskId, agents] of runningOn) if (agents.size > 1) v(`${taskId} was RUNNING on ${[...agents].sort().join(' and ')}`);
  return out;
}

const RANK: Record<string, number> = { STAGING: 0, STARTING: 1, RUNNING: 2, KILLING: 3 };

/**
 * Every launch the master accepted and every update a framework received is in the final state;
 * a removed framework's tasks may be forgotten with it.
 */
export function noAcknowledgedWriteLost(events: readonly HistoryEvent[]): Violation[] {
  const out: Violation[] = [];
  const v = (message: string): number => out.push({ invariant: Invariant.NO_ACKNOWLEDGED_WRITE_LOST, message });
  const final = snapshots(events).findLast((s) => s.master !== null)?.master;
  const acked = only(events, 'launch-acked');
  const updates = only(events, 'update');
  if (!final) {
    if (acked.length + updates.length > 0) v('no master state was recorded to check acknowledged writes against');
    return out;
  }
  const tasks = new Map(final.tasks.map((x) => [x.taskId, x]));
  const forgettable = removedTasks(events);
  for (const a of acked) if (!tasks.has(a.taskId) && !forgettable.has(a.taskId)) v(`${a.taskId}: its launch was acknowledged, but the final state has no such task`);
  // LOST is a guess the master made (a task may come back from it), so it is not held to.
  for (const u of updates) {
    const now = tasks.get(u.taskId);
    if (!now) {
      if (!forgettable.has(u.taskId)) v(`${u.taskId}: ${u.framework} received ${u.state}, but the final state has no such task`);
    } else if (TERMINAL_STATES.has(u.state) && u.state !== 'LOST') {
      if (now.state !== u.state) v(`${u.taskId}: ${u.framework} received ${u.state}, but the final state says ${now.state}`);
    } else if (!TERMINAL_STATES.has(now.state) && (RANK[now.state] ?? 0) < (RANK[u.state] ?? 0)) {
      v(`${u.taskId}: ${u.framework} received ${u.state}, but the final state went back to ${now.state}`);
    }
  }
  return out;
}

const live = (tasks: readonly MasterTask[]): MasterTask[] => tasks.filter((x) => LIVE_STATES.has(x.state));

/** Why a snapshot is not converged (empty when master, agents and frameworks agree). */
export function disagreements(s: Snapshot, latestUpdate: ReadonlyMap<string, string>): string[] {
  if (!s.master) return ['no leader answered'];
  const out: string[] = [];
  const masterLive = new Map(live(s.master.tasks).map((x) => [x.taskId, x]));
  const all = new Map(s.master.tasks.map((x) => [x.taskId, x]));
  for (const a of s.agents) {
    const onAgent = new Set<string>();
    for (const task of a.tasks) {
      if (!LIVE_STATES.has(task.state)) continue;
      onAgent.add(task.taskId);
      const m = masterLive.get(task.taskId);
      if (!m || m.agentId !== a.agentId || m.state !== task.state) out.push(`${task.taskId}: ${task.state} on ${a.agentId}, master says ${m ? `${m.state} on ${m.agentId}` : 'not live'}`);
    }
    for (const m of masterLive.values()) if (m.agentId === a.agentId && !onAgent.has(m.taskId)) out.push(`${m.taskId}: master says ${m.state} on ${a.agentId}, which does not run it`);
  }
  for (const [taskId, state] of latestUpdate) {
    const m = all.get(taskId);
    if (m && m.state !== state) out.push(`${taskId}: the framework last heard ${state}, master says ${m.state}`);
  }
  return out;
}

/** After the heal, a snapshot where everyone agrees comes within the bound (a removed framework hears nothing, so its last update is no one's view). */
export function convergence(events: readonly HistoryEvent[], options: CheckOptions): Violation[] {
  const v = (message: string): Violation[] => [{ invariant: Invariant.CONVERGENCE, message }];
  const healMs = lastHealMs(events);
  if (healMs === undefined) return v('the history records no heal to measure convergence from');
  const removedAt = removals(events);
  const latest = new Map<string, string>();
  const removed = new Set<string>();
  let why: string[] = ['no snapshot after the heal'];
  for (const e of events) {
    if (e.kind === 'update' && !removed.has(e.framework)) latest.set(e.taskId, e.state);
    if (e.kind === 'framework-removed') {
      removed.add(e.framework);
      for (const taskId of removedAt.get(e.framework)?.tasks.keys() ?? []) latest.delete(taskId);
    }
    if (e.kind !== 'snapshot' || e.atMs < healMs) continue;
    why = disagreements(e, latest);
    if (why.length === 0) {
      const tookMs = e.atMs - healMs;
      return tookMs <= options.convergenceBoundMs ? [] : v(`converged ${tookMs} ms after the heal, over the bound of ${options.convergenceBoundMs} ms`);
    }
  }
  return v(`not converged by the end of the history: ${why.slice(0, 5).join('; ')}`);
}

/** At the end, every running berth container belongs to a task the master holds live. */
export function noOrphanContainers(events: readonly HistoryEvent[]): Violation[] {
  const last = snapshots(events).findLast((s) => s.containers !== null);
  if (!last?.containers) return [];
  if (!last.master) return [{ invariant: Invariant.NO_ORPHAN_CONTAINERS, message: 'the last snapshot with containers has no master state' }];
  const held = new Set(live(last.master.tasks).map((x) => x.taskId));
  return last.containers
    .filter((c) => c.running && !held.has(c.taskId))
    .map((c) => ({ invariant: Invariant.NO_ORPHAN_CONTAINERS, message: `container ${c.id.slice(0, 12)} runs ${c.taskId} on ${c.agentId}, which the master does not hold live` }));
}

const EPSILON = 1e-6;

function over(used: Amount, total: Amount): boolean {
  return used.cpus > total.cpus + EPSILON || used.memMb > total.memMb + EPSILON;
}

/** In no snapshot do an agent's live tasks (as the master or the agent lists them) exceed its resources. */
export function noAgentOvercommitted(events: readonly HistoryEvent[]): Violation[] {
  const out: Violation[] = [];
  const v = (message: string): number => out.push({ invariant: Invariant.NO_AGENT_OVERCOMMITTED, message });
  const known = new Map<string, Amount>();
  for (const s of snapshots(events)) {
    if (!s.master) continue;
    for (const x of s.master.tasks) known.set(x.taskId, x.resources);
    const sum = (ids: Iterable<string>): Amount => {
      const used = { cpus: 0, memMb: 0 };
      for (const id of ids) {
        const r = known.get(id);
        used.cpus += r?.cpus ?? 0;
        used.memMb += r?.memMb ?? 0;
      }
      return used;
    };
    for (const agent of s.master.agents) {
      const views = {
        master: live(s.master.tasks).filter((x) => x.agentId === agent.agentId).map((x) => x.taskId),
        agent: s.agents.find((a) => a.agentId === agent.agentId)?.tasks.filter((x) => LIVE_STATES.has(x.state)).map((x) => x.taskId) ?? [],
      };
      for (const [who, ids] of Object.entries(views)) {
        const used = sum(ids);
        if (over(used, agent.total)) v(`${agent.agentId} at ${s.atMs} (${who}'s view): ${used.cpus} cpus, ${used.memMb} MB in use of ${agent.total.cpus} cpus, ${agent.total.memMb} MB`);
      }
    }
  }
  return out;
}

/** A task launched after the heal reached RUNNING or FINISHED. */
export function launchAfterHeal(events: readonly HistoryEvent[]): Violation[] {
  const healMs = lastHealMs(events) ?? Infinity;
  const tries = only(events, 'launch-after-heal').filter((e) => e.atMs >= healMs);
  if (tries.some((e) => e.state === 'RUNNING' || e.state === 'FINISHED')) return [];
  const message = tries.length === 0 ? 'no launch was tried after the heal' : `no launch after the heal succeeded: ${tries.map((e) => `${e.taskId} ${e.state}`).join(', ')}`;
  return [{ invariant: Invariant.LAUNCH_AFTER_HEAL, message }];
}

const ENDS_OF_REMOVED: ReadonlySet<string> = new Set(['KILLED', 'LOST']);

/** Where a snapshot shows a task live: the master's and the agents' views. */
function liveIn(s: Snapshot, taskId: string): string[] {
  const where = (s.master?.tasks ?? []).filter((x) => x.taskId === taskId && LIVE_STATES.has(x.state)).map((x) => `${x.state} on ${x.agentId} (master's view)`);
  for (const a of s.agents) for (const x of a.tasks) if (x.taskId === taskId && LIVE_STATES.has(x.state)) where.push(`${x.state} on ${a.agentId} (agent's view)`);
  return where;
}

/**
 * A removed framework hears no update after its removal and relaunches nothing; within the
 * convergence bound after it, and at the end of the history, none of its tasks is live; and those
 * the final state still lists ended KILLED or LOST (or as they had ended before the removal).
 */
export function removedFrameworkGone(events: readonly HistoryEvent[], options: CheckOptions): Violation[] {
  const out: Violation[] = [];
  const v = (message: string): number => out.push({ invariant: Invariant.REMOVED_FRAMEWORK_GONE, message });
  const final = snapshots(events).findLast((s) => s.master !== null)?.master;
  for (const r of removals(events).values()) {
    const name = `${r.framework} (removed at ${r.atMs}: ${r.why})`;
    const later = events.slice(r.index + 1);
    for (const u of only(later, 'update')) if (u.framework === r.framework) v(`${name} received ${u.state} of ${u.taskId} at ${u.atMs}`);
    for (const a of only(later, 'launch-acked')) if (r.tasks.has(a.taskId)) v(`${a.taskId} of ${name} was launched again at ${a.atMs}`);
    const after = snapshots(later);
    if (after.length === 0) v(`no snapshot after the removal of ${name} to check its tasks against`);
    const settledMs = r.atMs + options.convergenceBoundMs;
    // Each task once, where it was first seen live too late: a stuck one is in every snapshot.
    const lingering = new Set<string>();
    after.forEach((s, i) => {
      if (s.atMs < settledMs && i < after.length - 1) return;
      for (const taskId of r.tasks.keys()) {
        const where = liveIn(s, taskId);
        if (where.length === 0 || lingering.has(taskId)) continue;
        lingering.add(taskId);
        v(`${taskId} of ${name} was ${where.join(' and ')} at ${s.atMs}, ${s.atMs - r.atMs} ms after the removal`);
      }
    });
    for (const [taskId, heard] of r.tasks) {
      const now = final?.tasks.find((x) => x.taskId === taskId);
      if (!now || LIVE_STATES.has(now.state) || ENDS_OF_REMOVED.has(now.state) || (TERMINAL_STATES.has(heard) && now.state === heard)) continue;
      v(`${taskId} of ${name} ended ${now.state}, not KILLED or LOST`);
    }
  }
  return out;
}

/** Every invariant's violations, in the order of Invariant. */
export function checkHistory(events: readonly HistoryEvent[], options: CheckOptions): Violation[] {
  return [
    ...oneWriterPerEpoch(events),
    ...noTaskRunningTwice(events),
    ...noAcknowledgedWriteLost(events),
    ...convergence(events, options),
    ...noOrphanContainers(events),
    ...noAgentOvercommitted(events),
    ...launchAfterHeal(events),
    ...removedFrameworkGone(events, options),
  ];
}
