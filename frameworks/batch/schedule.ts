// Cron schedules: which run is due now, what the concurrency policy does with the runs still
// active, and when to look again. Pure: the caller persists lastScheduledMs and sets the timer.
import type { Clock } from './clock.js';
import { compileCron } from './spec/rules.js';
import type { ScheduleSpec } from './spec/types.js';

/** Due times past this many are not counted one by one (they still collapse into one run). */
export const MAX_MISSED_COUNTED = 100;

export interface ActiveRun {
  runId: string;
  /** The scheduled time the run was started for (or when it was started by hand). */
  scheduledMs: number;
}

export interface ScheduleInput {
  schedule: ScheduleSpec;
  /** The latest scheduled time already handled (started or skipped); undefined before the first. */
  lastScheduledMs: number | undefined;
  /** When the schedule was created or last changed: times at or before it never fire. */
  sinceMs: number;
  /** Runs of this job not yet finished. */
  active: readonly ActiveRun[];
}

export type ScheduleDecision =
  | { action: 'none' }
  | { action: 'start'; scheduledMs: number }
  | { action: 'replace'; scheduledMs: number; kill: string[] }
  | { action: 'skip'; scheduledMs: number; reason: 'forbid' | 'starting-deadline'; message: string };

export interface SchedulePlan {
  decision: ScheduleDecision;
  /** How many due times this decision covers (1 = on time; more = missed times collapsed). */
  dueCount: number;
  /** True when dueCount stopped at MAX_MISSED_COUNTED: there were at least that many. */
  dueCountCapped: boolean;
  /** To persist: the latest scheduled time handled, this one included. */
  lastScheduledMs: number | undefined;
  /** When to plan again: the next scheduled time after now; undefined if there is none. */
  nextWakeMs: number | undefined;
}

/**
 * Plans one look at a schedule. Every due time since the last one handled collapses into one
 * run, for the latest due time (as Kubernetes CronJobs do); if that time is older than
 * startingDeadlineMs it is skipped. An active run is then left alone (Allow), makes the new one
 * be skipped (Forbid) or is killed for it (Replace). A skipped time counts as handled.
 */
export function planSchedule(input: ScheduleInput, clock: Clock): SchedulePlan {
  const { schedule, active } = input;
  const nowMs = clock.now();
  const cron = compileCron(schedule.cron, schedule.timeZone);
  const after = Math.max(input.lastScheduledMs ?? input.sinceMs, input.sinceMs);
  const nextWakeMs = cron.nextRun(new Date(nowMs))?.getTime();
  // previousRuns excludes its reference, so +1 makes a time exactly at now due.
  const latest = cron.previousRuns(1, new Date(nowMs + 1))[0]?.getTime();
  if (latest === undefined || latest <= after) {
    return { decision: { action: 'none' }, dueCount: 0, dueCountCapped: false, lastScheduledMs: input.lastScheduledMs, nextWakeMs };
  }
  let dueCount = 0;
  for (let t = cron.nextRun(new Date(after)); t && t.getTime() <= nowMs && dueCount < MAX_MISSED_COUNTED; t = cron.nextRun(t)) dueCount++;
  const base = { dueCount, dueCountCapped: dueCount >= MAX_MISSED_COUNTED && latest > after, lastScheduledMs: latest, nextWakeMs };

  const lateMs = nowMs - latest;
  if (schedule.startingDeadlineMs !== undefined && lateMs > schedule.startingDeadlineMs) {
    const message = `the run due at ${iso(latest)} is ${seconds(lateMs)} late, past startingDeadlineSeconds (${seconds(schedule.startingDeadlineMs)})`;
    return { ...base, decision: { action: 'skip', scheduledMs: latest, reason: 'starting-deadline', message } };
  }
  if (active.length === 0 || schedule.concurrencyPolicy === 'Allow') {
    return { ...base, decision: { action: 'start', scheduledMs: latest } };
  }
  const ids = active.map((r) => r.runId);
  if (schedule.concurrencyPolicy === 'Forbid') {
    const message = `concurrencyPolicy Forbid: run ${ids.join(', ')} is still active, so the run due at ${iso(latest)} is skipped`;
    return { ...base, decision: { action: 'skip', scheduledMs: latest, reason: 'forbid', message } };
  }
  return { ...base, decision: { action: 'replace', scheduledMs: latest, kill: ids } };
}

/** The next `count` scheduled times after `afterMs`, for previews (`berth jobs show`). */
export function upcoming(schedule: ScheduleSpec, afterMs: number, count: number): number[] {
  return compileCron(schedule.cron, schedule.timeZone).nextRuns(count, new Date(afterMs)).map((d) => d.getTime());
}

export interface FinishedRun {
  runId: string;
  succeeded: boolean;
  finishedMs: number;
}

/**
 * The finished runs to forget: all but the newest successfulHistoryLimit successes and the
 * newest failedHistoryLimit failures (a cancelled or timed-out run counts as a failure).
 */
export function pruneHistory(schedule: Pick<ScheduleSpec, 'successfulHistoryLimit' | 'failedHistoryLimit'>, runs: readonly FinishedRun[]): string[] {
  const newestFirst = [...runs].sort((a, b) => b.finishedMs - a.finishedMs);
  const drop = (ok: boolean, keep: number) => newestFirst.filter((r) => r.succeeded === ok).slice(keep).map((r) => r.runId);
  return [...drop(true, schedule.successfulHistoryLimit), ...drop(false, schedule.failedHistoryLimit)];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const seconds = (ms: number): string => `${Math.round(ms / 1000)}s`;
