// A run the scheduler is following: its summary, its RunTracker, and what the tracker does not
// keep (which agent runs a task, the kills still owed). Built by replaying the run's stored events,
// so a restarted process ends up exactly where the last one left off.
import { RunTracker, isTerminalRun, type RunEffects, type RunLog, type TaskEnd } from './run-state.js';
import type { JobSpec } from './spec/types.js';
import type { RunEvent, RunRecord } from './store/index.js';

export class LiveRun {
  readonly job: JobSpec;
  record: RunRecord;
  tracker: RunTracker;
  /** Launches so far: the last part of each task id, so no two attempts share one. */
  launches = 0;
  /** Tasks launched and not yet ended: where, and since when. */
  readonly tasks = new Map<string, { agentId: string; launchedMs: number }>();
  /** Tasks the tracker asked to kill that have not ended yet. */
  readonly killing = new Set<string>();
  /** The gang request made for the current gang attempt, if any. */
  gangId: string | undefined;

  constructor(job: JobSpec, record: RunRecord, log?: RunLog) {
    this.job = job;
    this.record = record;
    this.tracker = new RunTracker(record.runId, job, log);
  }

  /** A run rebuilt from its events (without logging the transitions again). */
  static replay(job: JobSpec, record: RunRecord, events: readonly RunEvent[]): LiveRun {
    const run = new LiveRun(job, record);
    for (const e of events) run.apply(e);
    return run;
  }

  /** Feeds one event to the tracker; returns the kills it asks for (already noted in `killing`). */
  apply(e: RunEvent): RunEffects {
    let effects: RunEffects;
    if (e.type === 'launch') {
      this.launches++;
      this.tasks.set(e.taskId, { agentId: e.agentId, launchedMs: e.atMs });
      effects = this.tracker.launched(e.index, e.taskId, e.atMs);
    } else if (e.type === 'end') {
      this.tasks.delete(e.taskId);
      this.killing.delete(e.taskId);
      effects = this.tracker.ended(e.taskId, e.end, e.atMs);
      if (this.gangId && this.tracker.runningTasks().length === 0) this.gangId = undefined;
    } else if (e.type === 'tick') effects = this.tracker.tick(e.atMs);
    else effects = this.tracker.cancel(e.reason, e.atMs);
    for (const id of effects.kill) this.killing.add(id);
    this.#summarise();
    return effects;
  }

  /** A new record when the summary changed; the same object when not, so it need not be written again. */
  #summarise(): void {
    const outcome = this.tracker.outcome();
    const state = this.tracker.state;
    const reason = outcome?.reason ?? (state === 'running' ? 'tasks launched' : this.record.reason);
    if (outcome === undefined && this.record.outcome === undefined && state === this.record.state && reason === this.record.reason) return;
    this.record = { ...this.record, state, reason, outcome };
  }

  get finished(): boolean {
    return isTerminalRun(this.tracker.state);
  }

  /** True when the tracker counts this task as running (so an end of it means something). */
  runs(taskId: string): boolean {
    return this.tracker.isRunning(taskId);
  }

  /** The id of the next launch of an index: `<runId>.<index>.<launch>`. */
  nextTaskId(index: number): string {
    return `${this.record.runId}.${index}.${this.launches + 1}`;
  }
}

/** The run id in a task id made by nextTaskId, if it is one of ours (asked of every status update). */
export function runIdOf(taskId: string): string | undefined {
  const last = taskId.lastIndexOf('.');
  const middle = taskId.lastIndexOf('.', last - 1);
  if (middle <= 0 || !digits(taskId, middle + 1, last) || !digits(taskId, last + 1, taskId.length)) return undefined;
  return taskId.slice(0, middle);
}

/** True when s[from, to) is one or more ASCII digits. */
function digits(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export type { TaskEnd };
