// Turns a batch of offers into launches: the queue (planQueue) decides which runs' due tasks start
// on which agents; gangs are placed whole on the bundle of offers the master made for them, and
// wait in the queue too, so their reservation keeps later runs from taking what they need. Pure:
// offers and runs in, a plan out; the scheduler persists the plan's launches before sending them.
import { planQueue, entryFor, fits, type AgentCapacity, type QueueEntry, type RolePool, type RunningTask, type Shape } from './queue.js';
import type { LiveRun } from './live-run.js';
import type { BatchOffer } from './sdk-adapter.js';

/** One task to start: which run, which index, on which agent. */
export interface PlannedTask {
  runId: string;
  index: number;
  attempt: number;
  agentId: string;
}

export interface PlacementPlan {
  /** Per agent: the offers to accept and the tasks to launch on them. */
  launches: { agentId: string; offerIds: string[]; tasks: PlannedTask[] }[];
  /** Offers nothing was placed on. */
  decline: string[];
  /**
   * Offers a waiting gang would fit in now: declined without a filter, so the master can offer
   * them to the gang's request at once (its placement honours filters).
   */
  declineForGang: string[];
  /** Tasks that wait, for logs: run id and reason. */
  held: { runId: string; reason: string }[];
}


/** A role's offers and running tasks, as the queue sees them. */
interface PoolBuilder {
  agents: Map<string, AgentCapacity>;
  /** Tasks with a latest end, one by one: the queue's backfill looks at when each ends. */
  ending: RunningTask[];
  /** Tasks with no known end, summed per agent: the queue only adds them up. */
  open: Map<string, Shape>;
}

/** Adds the tasks a run has running to its role's pool: resources, agent and latest end. */
function addRunning(pool: PoolBuilder, run: LiveRun): void {
  const need = run.job.resources;
  for (const taskId of run.tracker.runningTasks()) {
    const t = run.tasks.get(taskId);
    const agentId = t?.agentId ?? '';
    if (run.job.taskDeadlineMs !== undefined && t !== undefined) {
      pool.ending.push({ agentId, resources: need, endsAtMs: t.launchedMs + run.job.taskDeadlineMs });
      continue;
    }
    const sum = pool.open.get(agentId);
    if (sum) {
      sum.cpus += need.cpus;
      sum.memMb += need.memMb;
      sum.diskMb += need.diskMb;
    } else pool.open.set(agentId, { ...need });
  }
}

/** Places tasks into offers. `runs` are the live runs in any order; `nowMs` is for due() and the queue. */
export function planPlacement(offers: readonly BatchOffer[], runs: readonly LiveRun[], nowMs: number): PlacementPlan {
  const plan: PlacementPlan = { launches: [], decline: [], declineForGang: [], held: [] };
  const byId = new Map(runs.map((r) => [r.record.runId, r]));
  const used = new Set<string>();
  const gangsLaunched = new Set<string>();

  // Gang bundles: every part carries the gang id; all of a gang's tasks go on them or none do.
  const gangOffers = new Map<string, BatchOffer[]>();
  for (const o of offers) if (o.gangId) gangOffers.set(o.gangId, [...(gangOffers.get(o.gangId) ?? []), o]);
  for (const [gangId, parts] of gangOffers) {
    const run = runs.find((r) => r.gangId === gangId);
    const due = run?.tracker.due(nowMs) ?? [];
    if (!run || due.length === 0) continue;
    const free = new Map(parts.map((p) => [p.id, { ...p.free }]));
    const placed: { offer: BatchOffer; task: PlannedTask }[] = [];
    for (const d of due) {
      const offer = parts.find((p) => fits(run.job.resources, free.get(p.id)!));
      if (!offer) break;
      const left = free.get(offer.id)!;
      free.set(offer.id, { cpus: left.cpus - run.job.resources.cpus, memMb: left.memMb - run.job.resources.memMb, diskMb: left.diskMb - run.job.resources.diskMb });
      placed.push({ offer, task: { runId: run.record.runId, index: d.index, attempt: d.attempt, agentId: offer.agentId } });
    }
    if (placed.length < due.length) {
      plan.held.push({ runId: run.record.runId, reason: `gang ${gangId}: its offers hold ${placed.length} of ${due.length} tasks` });
      continue;
    }
    for (const p of parts) used.add(p.id);
    gangsLaunched.add(run.record.runId);
    for (const agentId of new Set(parts.map((p) => p.agentId))) {
      plan.launches.push({ agentId, offerIds: parts.filter((p) => p.agentId === agentId).map((p) => p.id), tasks: placed.filter((x) => x.offer.agentId === agentId).map((x) => x.task) });
    }
  }

  // Everything else goes through the queue, on the offers that are not a gang's.
  const plain = offers.filter((o) => !o.gangId);
  const pools: Record<string, PoolBuilder> = {};
  for (const o of plain) {
    const pool = (pools[o.role] ??= { agents: new Map(), ending: [], open: new Map() });
    const a = pool.agents.get(o.agentId) ?? { agentId: o.agentId, free: { cpus: 0, memMb: 0, diskMb: 0 } };
    a.free = { cpus: a.free.cpus + o.free.cpus, memMb: a.free.memMb + o.free.memMb, diskMb: a.free.diskMb + o.free.diskMb };
    pool.agents.set(o.agentId, a);
  }
  const entries: QueueEntry[] = [];
  const dueOf = new Map<string, ReturnType<LiveRun['tracker']['due']>>();
  for (const run of runs) {
    const pool = pools[run.job.role];
    if (pool) addRunning(pool, run);
    if (gangsLaunched.has(run.record.runId)) continue;
    const due = run.tracker.due(nowMs);
    if (due.length === 0) continue;
    dueOf.set(run.record.runId, due);
    entries.push(entryFor(run.job, run.record.runId, run.record.seq, due.length));
  }
  const snapshot: Record<string, RolePool> = {};
  for (const [role, p] of Object.entries(pools)) {
    const open = [...p.open].map(([agentId, resources]) => ({ agentId, resources, endsAtMs: undefined }));
    snapshot[role] = { agents: [...p.agents.values()], running: [...p.ending, ...open] };
  }
  const queuePlan = planQueue({ nowMs, pools: snapshot, entries });
  const byAgent = new Map<string, PlannedTask[]>();
  const gangAgents = new Set<string>();
  for (const d of queuePlan.decisions) {
    const run = byId.get(d.key)!;
    const due = dueOf.get(d.key)!;
    // A gang starts only on its own bundle (one LAUNCH_GROUP the master offered whole). Here it
    // only takes its place in line: what the queue gives it or reserves for it is kept from the
    // runs behind it and declined, so it returns to the master, which offers it to the gang.
    if (run.job.gang) {
      for (const agentId of d.start) gangAgents.add(agentId);
      plan.held.push({ runId: d.key, reason: `gang waits for its bundle from the master${d.start.length > 0 ? '; what it needs here is declined for it' : `: ${d.reason ?? ''} ${d.message ?? ''}`.trimEnd()}` });
      continue;
    }
    d.start.forEach((agentId, i) => {
      const t = due[i]!;
      const task = { runId: run.record.runId, index: t.index, attempt: t.attempt, agentId };
      const list = byAgent.get(agentId);
      if (list) list.push(task);
      else byAgent.set(agentId, [task]);
    });
    if (d.held > 0) plan.held.push({ runId: d.key, reason: `${d.held} task(s) wait: ${d.reason ?? ''} ${d.message ?? ''}`.trim() });
  }
  const plainOf = new Map<string, string[]>();
  for (const o of plain) {
    const ids = plainOf.get(o.agentId);
    if (ids) ids.push(o.id);
    else plainOf.set(o.agentId, [o.id]);
  }
  for (const [agentId, tasks] of byAgent) {
    const offerIds = plainOf.get(agentId) ?? [];
    for (const id of offerIds) used.add(id);
    plan.launches.push({ agentId, offerIds, tasks });
  }
  for (const o of offers) {
    if (used.has(o.id)) continue;
    (gangAgents.has(o.agentId) && !o.gangId ? plan.declineForGang : plan.decline).push(o.id);
  }
  return plan;
}
