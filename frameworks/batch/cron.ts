// Cron schedules in the scheduler: a cursor per scheduled job, planSchedule on the injected
// clock when the timer fires, and history pruning when a scheduled run ends.
import { planSchedule, pruneHistory } from './schedule.js';
import type { BatchScheduler } from './scheduler.js';
import type { ScheduleCursor } from './store/index.js';
import { hasDependants } from './workflow-runs.js';

export class Cron {
  readonly #s: BatchScheduler;
  readonly cursors = new Map<string, ScheduleCursor>();
  /** The earliest next scheduled time over every job; the scheduler's timer wakes for it. */
  nextWakeMs: number | undefined;

  constructor(scheduler: BatchScheduler) {
    this.#s = scheduler;
  }

  async load(): Promise<void> {
    for (const c of await this.#s.store.listCursors()) this.cursors.set(c.jobId, c);
    this.#recompute(this.#s.clock.now());
  }

  /** Looks at every schedule: starts, replaces or skips what is due, and writes the cursor with it. */
  async fire(nowMs: number): Promise<void> {
    const clock = { now: () => nowMs };
    for (const [jobId, cursor] of this.cursors) {
      const job = this.#s.jobs.get(jobId);
      if (!job?.schedule) continue;
      const active = [...this.#s.live.values()]
        .filter((r) => r.record.jobId === jobId && !r.finished)
        .map((r) => ({ runId: r.record.runId, scheduledMs: r.record.scheduledMs ?? r.record.createdMs }));
      const plan = planSchedule({ schedule: job.schedule, lastScheduledMs: cursor.lastScheduledMs, sinceMs: cursor.sinceMs, active }, clock);
      const d = plan.decision;
      if (d.action === 'none') continue;
      const next: ScheduleCursor = { ...cursor, lastScheduledMs: plan.lastScheduledMs };
      if (d.action === 'skip') {
        await this.#s.commit({ cursors: [next] });
        this.cursors.set(jobId, next);
        this.#s.log.info({ jobId, reason: d.reason, message: d.message }, 'scheduled run skipped');
        continue;
      }
      if (d.action === 'replace') {
        for (const runId of d.kill) {
          const run = this.#s.live.get(runId);
          if (run) await this.#s.cancelRun(run, `replaced by the run due at ${new Date(d.scheduledMs).toISOString()} (concurrencyPolicy Replace)`);
        }
      }
      if (hasDependants(jobId, this.#s.jobs)) {
        await this.#s.commit({ cursors: [next] });
        this.cursors.set(jobId, next);
        await this.#s.workflows.start(jobId, {});
      } else {
        const record = this.#s.newRunRecord(job, {}, { scheduledMs: d.scheduledMs });
        await this.#s.commit({ cursors: [next], runs: [record] });
        this.cursors.set(jobId, next);
        this.#s.adopt([record]);
      }
      this.#s.log.info({ jobId, scheduledMs: d.scheduledMs, dueCount: plan.dueCount }, 'scheduled run started');
    }
    this.#recompute(nowMs);
  }

  /** A scheduled job's run ended: forget the runs beyond its history limits. */
  async prune(jobId: string): Promise<void> {
    const job = this.#s.jobs.get(jobId);
    if (!job?.schedule) return;
    const finished = (await this.#s.store.listRuns(jobId)).filter((r) => r.outcome && r.scheduledMs !== undefined);
    const drop = pruneHistory(job.schedule, finished.map((r) => ({ runId: r.runId, succeeded: r.state === 'succeeded', finishedMs: r.outcome!.finishedMs })));
    if (drop.length > 0) await this.#s.commit({ deleteRuns: drop });
  }

  #recompute(nowMs: number): void {
    let next: number | undefined;
    for (const [jobId, cursor] of this.cursors) {
      const job = this.#s.jobs.get(jobId);
      if (!job?.schedule) continue;
      const plan = planSchedule({ schedule: job.schedule, lastScheduledMs: cursor.lastScheduledMs, sinceMs: cursor.sinceMs, active: [] }, { now: () => nowMs });
      const t = plan.decision.action === 'none' ? plan.nextWakeMs : nowMs;
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    this.nextWakeMs = next;
  }

  /** Recomputes the next wake after jobs changed, and sets the timer for it. */
  refresh(): void {
    this.#recompute(this.#s.clock.now());
    this.#s.arm();
  }
}
