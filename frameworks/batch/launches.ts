// Turns a placement plan into what the scheduler writes and then sends: each placed task gets its
// task id and its launch event (applied to its run), the change recording them all, and the
// launches grouped by the offers they accept.
import type { LiveRun } from './live-run.js';
import type { PlacementPlan } from './placement.js';
import type { BatchLaunch } from './sdk-adapter.js';
import { resolveRun } from './spec/index.js';
import type { BatchChange, RunEvent } from './store/index.js';

export interface PlannedLaunches {
  launches: { offerIds: string[]; tasks: BatchLaunch[] }[];
  /** The launch events and run records to write before any launch is sent. */
  change: BatchChange;
  touched: LiveRun[];
  /** Offers of the plan left without a task (no task placed on them could be resolved). */
  unused: string[];
}

export function launchesOf(plan: PlacementPlan, live: ReadonlyMap<string, LiveRun>, nowMs: number): PlannedLaunches {
  const out: PlannedLaunches = { launches: [], change: { events: [], runs: [] }, touched: [], unused: [] };
  const touched = new Set<LiveRun>();
  /** One entry per run, so a store writes each run's launches in one append. */
  const eventsOf = new Map<string, RunEvent[]>();
  for (const group of plan.launches) {
    const tasks: BatchLaunch[] = [];
    for (const t of group.tasks) {
      const run = live.get(t.runId)!;
      const resolved = resolveRun(run.job, { values: run.record.params, runId: run.record.runId, taskIndex: t.index });
      if (!resolved.ok) continue;
      const taskId = run.nextTaskId(t.index);
      const event: RunEvent = { type: 'launch', index: t.index, taskId, agentId: group.agentId, atMs: nowMs };
      run.apply(event);
      touched.add(run);
      const events = eventsOf.get(run.record.runId);
      if (events) events.push(event);
      else eventsOf.set(run.record.runId, [event]);
      tasks.push({ taskId, name: `${run.job.id} #${t.index}`, agentId: group.agentId, resources: run.job.resources, run: resolved.run, env: { BERTH_TASK_ATTEMPT: String(t.attempt) }, preemptible: run.job.preemptible });
    }
    if (tasks.length > 0) out.launches.push({ offerIds: group.offerIds, tasks });
    else out.unused.push(...group.offerIds);
  }
  out.change.events = [...eventsOf].map(([runId, events]) => ({ runId, events }));
  out.touched = [...touched];
  out.change.runs = out.touched.map((r) => r.record);
  return out;
}
