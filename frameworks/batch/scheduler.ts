// The batch scheduler loop: it follows runs with RunTrackers, answers offers through the queue,
// asks for gangs, retries, enforces deadlines and fires cron schedules. Every change is written
// to the store before it is acted on (a launch intent before the launch, a task's end before its
// acknowledgement); the store is the truth, and a run whose write failed is rebuilt from it.
import { randomBytes } from 'node:crypto';
import type { Clock, Timers } from './clock.js';
import { LiveRun, runIdOf } from './live-run.js';
import { RecentRuns } from './recent-runs.js';
import { OfferPlacer } from './placer.js';
import { fits } from './queue.js';
import type { BatchDriver, BatchEvent, BatchLaunch, BatchOffer, BatchStatus, Shape3 } from './sdk-adapter.js';
import type { JobSpec } from './spec/types.js';
import type { BatchChange, BatchStore, RunEvent, RunRecord } from './store/index.js';
import { Workflows } from './workflows.js';
import { Cron } from './cron.js';
import { OfferInterest } from './offer-interest.js';

/** pino's shape; the scheduler logs lifecycle at info, retries at warn. */
export interface BatchLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface SchedulerDeps {
  store: BatchStore;
  /** Makes the driver once the stored framework id is known. */
  connect: (frameworkId: string | undefined) => BatchDriver;
  clock: Clock;
  timers: Timers;
  log: BatchLog;
  /** The roles the framework subscribes with; a job of another role is refused at submit. */
  roles: readonly string[];
}

/** The timer looks at least this often, whatever the runs say. */
const MAX_SLEEP_MS = 5_000;

export class BatchScheduler {
  readonly #d: SchedulerDeps;
  readonly #log: BatchLog;
  #driver: BatchDriver | undefined;
  readonly jobs = new Map<string, JobSpec>();
  readonly live = new Map<string, LiveRun>();
  /** What the state stream shows of runs and workflow runs, as last written. */
  readonly recent = new RecentRuns();
  readonly workflows: Workflows;
  readonly cron: Cron;
  #frameworkId: string | undefined;
  #seq = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: unknown;
  /** When the timer set fires. */
  #timerAtMs = Infinity;
  readonly #interest: OfferInterest;
  readonly #placer: OfferPlacer;
  /** Run records as last written, by identity. */
  readonly #written = new WeakSet<RunRecord>();
  #stopped = false;
  #loop: Promise<void> | undefined;
  /** Tallies since this process started, for metrics. */
  readonly counters = { launches: 0, taskEnds: 0, runsFinished: 0, declinedOffers: 0 };

  constructor(deps: SchedulerDeps) {
    this.#d = deps;
    this.#log = deps.log;
    this.#interest = new OfferInterest(deps.timers);
    this.#placer = new OfferPlacer({
      live: this.live, clock: deps.clock, log: deps.log, counters: this.counters,
      driver: () => this.#driver,
      commit: (change, touched) => this.commit(change, touched),
      exclusive: (fn) => this.exclusive(fn),
      hasWork: (now) => this.#hasWork(now),
      declined: (free) => this.#interest.declined(free),
      placed: (fresh) => {
        this.askForOffers(fresh);
        this.arm();
      },
      launchRefused: (tasks, err) => this.#launchRefused(tasks, err),
    });
    this.workflows = new Workflows(this);
    this.cron = new Cron(this);
  }

  get clock(): Clock {
    return this.#d.clock;
  }

  get store(): BatchStore {
    return this.#d.store;
  }

  get log(): BatchLog {
    return this.#log;
  }

  get roles(): readonly string[] {
    return this.#d.roles;
  }

  get frameworkId(): string | undefined {
    return this.#frameworkId;
  }

  /** Loads state from the store, rebuilds the runs from their events, connects and subscribes. */
  async start(): Promise<void> {
    const store = this.#d.store;
    this.#frameworkId = (await store.frameworkId()) || undefined;
    for (const j of await store.listJobs()) this.jobs.set(j.spec.id, j.spec);
    const runs = await store.listRuns();
    this.recent.load(runs, await store.listWorkflowRuns());
    for (const r of runs) {
      this.#seq = Math.max(this.#seq, r.seq);
      if (r.state === 'succeeded' || r.state === 'failed' || r.state === 'cancelled' || r.state === 'deadline-exceeded') continue;
      const run = LiveRun.replay(r.spec, r, await store.runEvents(r.runId));
      this.live.set(r.runId, run);
    }
    await this.cron.load();
    await this.workflows.load();
    this.#log.info({ jobs: this.jobs.size, runs: this.live.size, frameworkId: this.#frameworkId }, 'batch state loaded');
    // A run that finished just before a crash may not have moved its workflow on yet.
    await this.exclusive(() => this.workflows.advanceAll());
    this.#driver = this.#d.connect(this.#frameworkId);
    this.#loop = this.#consume(this.#driver);
    await this.exclusive(async () => this.arm());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#d.timers.clearTimeout(this.#timer);
    this.#interest.stop();
    await this.#driver?.close();
    await this.#loop;
    await this.#chain.catch(() => undefined);
  }

  /** Runs fn after every change before it has finished: the scheduler's state has one writer. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(fn);
    this.#chain = p.catch(() => undefined);
    return p;
  }

  async #consume(driver: BatchDriver): Promise<void> {
    for await (const e of driver.events()) {
      if (this.#stopped) break;
      await this.exclusive(() => this.#handle(e)).catch((err: unknown) => this.#log.error({ err, event: e.type }, 'batch event failed'));
    }
    if (!this.#stopped) this.#log.error({}, 'the connection to the master ended for good (torn down, or refused); runs wait');
  }

  async #handle(e: BatchEvent): Promise<void> {
    if (e.type === 'subscribed') return this.#subscribed(e.frameworkId);
    // The stored id is cleared; the fresh subscription's reconciliation answers the in-flight tasks LOST (retried as preempted).
    if (e.type === 'forgotten') return this.commit({ frameworkId: '' });
    if (e.type === 'offers') return this.#offers(e.offers);
    if (e.type === 'update') return this.#update(e.status);
    if (e.type === 'rescind') {
      this.#placer.rescinded(e.offerId);
      return;
    }
    if (e.type === 'disconnected') {
      this.#log.warn({ reason: e.reason }, 'disconnected from the master');
      this.#interest.forget();
      this.#placer.forget();
      for (const r of this.live.values()) r.gangId = undefined;
    }
  }

  /**
   * Writes a change; when it fails, the runs it touched are rebuilt from what the store has. A run
   * record written before, unchanged (LiveRun keeps the same object), is left out.
   */
  async commit(change: BatchChange, touched: readonly LiveRun[] = []): Promise<void> {
    if (change.runs) change = { ...change, runs: change.runs.filter((r) => !this.#written.has(r)) };
    try {
      await this.#d.store.apply(change);
      for (const r of change.runs ?? []) this.#written.add(r);
      this.recent.apply(change);
    } catch (err) {
      for (const run of touched) {
        const record = await this.#d.store.getRun(run.record.runId).catch(() => undefined);
        if (!record) continue;
        const events = await this.#d.store.runEvents(record.runId).catch(() => [] as RunEvent[]);
        this.live.set(record.runId, LiveRun.replay(record.spec, record, events));
      }
      throw err;
    }
  }

  async #subscribed(frameworkId: string): Promise<void> {
    if (frameworkId !== this.#frameworkId) {
      await this.commit({ frameworkId });
      this.#frameworkId = frameworkId;
    }
    this.#log.info({ frameworkId }, 'subscribed');
    this.#interest.forget();
    this.#placer.forget();
    const tasks = [...this.live.values()].flatMap((r) => [...r.tasks].map(([taskId, t]) => ({ taskId, agentId: t.agentId })));
    // Explicit reconciliation: a launch the master never took comes back LOST and is launched again.
    if (tasks.length > 0) this.#driver?.reconcile(tasks).catch((err: unknown) => this.#log.warn({ err }, 'reconciliation failed'));
    for (const run of this.live.values()) {
      run.gangId = undefined;
      this.#kill(run, [...run.killing]);
    }
    this.askForOffers(true);
  }

  async #offers(offers: BatchOffer[]): Promise<void> {
    const now = this.#d.clock.now();
    await this.#tickAll(now);
    await this.#placer.offers(offers, now);
  }

  /**
   * A launch the master refused never ran. The master refuses an accept for its offers (gone,
   * rescinded, not ours) and reports a bad task as TASK_ERROR instead, so this is no fault of the
   * task's: the index is launched again at no cost to its retries.
   */
  async #launchRefused(tasks: BatchLaunch[], err: unknown): Promise<void> {
    const now = this.#d.clock.now();
    this.#log.warn({ tasks: tasks.map((t) => t.taskId), err: (err as Error).message }, 'launch refused; launching again');
    for (const t of tasks) await this.#ended(t.taskId, { kind: 'preempted', message: `launch refused: ${(err as Error).message}` }, now);
  }

  async #update(status: BatchStatus): Promise<void> {
    const run = this.live.get(runIdOf(status.taskId) ?? '');
    if (!run || !run.runs(status.taskId)) {
      // A task of a finished run, or an attempt given up on: nothing waits for it, so it stops.
      if (!status.end) this.#driver?.kill(status.taskId, status.agentId).catch(() => undefined);
      return status.acknowledge();
    }
    if (status.agentId) run.tasks.set(status.taskId, { ...run.tasks.get(status.taskId)!, agentId: status.agentId });
    if (status.end) await this.#ended(status.taskId, status.end, this.#d.clock.now());
    // Acknowledged only now: the end is durable, so a crash before this makes the master resend it.
    status.acknowledge();
  }

  async #ended(taskId: string, end: NonNullable<BatchStatus['end']>, now: number): Promise<void> {
    const run = this.live.get(runIdOf(taskId) ?? '');
    if (!run || !run.runs(taskId)) return;
    const event: RunEvent = { type: 'end', taskId, end, atMs: now };
    const effects = run.apply(event);
    await this.commit({ events: [{ runId: run.record.runId, events: [event] }], runs: [run.record] }, [run]);
    this.counters.taskEnds++;
    if (end.kind !== 'succeeded') this.#log.info({ runId: run.record.runId, taskId, end }, 'task ended');
    this.#kill(run, effects.kill);
    if (run.finished) await this.#finished(run);
    // A retry due at once (a preempted attempt) may start on an offer held.
    if (this.#placer.held > 0 && run.tracker.hasDue(now)) this.#placer.soon();
    this.askForOffers(false);
    // Only this run's times changed (a backoff): the timer moves only if it now fires too late.
    const wake = run.tracker.nextWakeMs(now);
    if (this.#timer === undefined || (wake !== undefined && Math.max(now, wake) + 1 < this.#timerAtMs)) this.arm();
  }

  #kill(run: LiveRun, taskIds: readonly string[]): void {
    for (const taskId of taskIds) {
      this.#driver?.kill(taskId, run.tasks.get(taskId)?.agentId ?? '').catch((err: unknown) => this.#log.warn({ taskId, err }, 'kill failed'));
    }
  }

  async #finished(run: LiveRun): Promise<void> {
    this.live.delete(run.record.runId);
    this.counters.runsFinished++;
    if (run.gangId) this.#driver?.cancelGang(run.gangId).catch(() => undefined);
    this.#log.info({ runId: run.record.runId, jobId: run.record.jobId, state: run.record.state, reason: run.record.reason }, 'run finished');
    if (run.record.workflowRunId) await this.workflows.advance(run.record.workflowRunId);
    await this.cron.prune(run.record.jobId);
  }

  /** Checks deadlines; writes the checks that changed something, then kills what they name. */
  async #tickAll(now: number): Promise<void> {
    const changed: { run: LiveRun; event: RunEvent; kill: string[] }[] = [];
    for (const run of this.live.values()) {
      const wake = run.tracker.nextWakeMs(now);
      if (wake === undefined || wake > now) continue;
      const before = run.tracker.state;
      const event: RunEvent = { type: 'tick', atMs: now };
      const { kill } = run.apply(event);
      if (kill.length > 0 || run.tracker.state !== before) changed.push({ run, event, kill });
    }
    if (changed.length === 0) return;
    await this.commit({ events: changed.map((c) => ({ runId: c.run.record.runId, events: [c.event] })), runs: changed.map((c) => c.run.record) }, changed.map((c) => c.run));
    for (const c of changed) {
      this.#log.info({ runId: c.run.record.runId, kill: c.kill, state: c.run.record.state }, 'deadline passed');
      this.#kill(c.run, c.kill);
      if (c.run.finished) await this.#finished(c.run);
    }
  }

  /** True when some task is due; with `within`, one that fits in it. */
  #hasWork(now: number, within?: Shape3): boolean {
    for (const r of this.live.values()) if (r.tracker.hasDue(now) && (!within || fits(r.job.resources, within))) return true;
    return false;
  }

  /**
   * Asks for gangs that are due, and revives offers while tasks wait (suppresses them while none
   * does). `fresh`: new work arrived, so offers declined before are wanted again (soon).
   */
  askForOffers(fresh: boolean): void {
    const driver = this.#driver;
    if (!driver) return;
    const now = this.#d.clock.now();
    for (const run of this.live.values()) {
      if (!run.job.gang || run.gangId || run.finished || run.tracker.due(now).length === 0) continue;
      const gangId = `${run.record.runId}.g${run.launches + 1}`;
      run.gangId = gangId;
      const shapes = Array.from({ length: run.job.completions }, () => ({ ...run.job.resources }));
      driver.requestGang(gangId, shapes, run.job.role).catch((err: unknown) => {
        this.#log.warn({ gangId, err }, 'gang request failed');
        if (run.gangId === gangId) run.gangId = undefined;
      });
    }
    this.#interest.update(driver, this.#hasWork(now), fresh, (declined) => this.#hasWork(this.#d.clock.now(), declined));
  }

  /**
   * Sets the timer for the next deadline, backoff end, cron time or held offer to decline. A
   * timer set to fire no later is kept: waking early costs a look, and this is asked on every event.
   */
  arm(): void {
    if (this.#stopped) return;
    const now = this.#d.clock.now();
    let at = now + MAX_SLEEP_MS;
    for (const r of this.live.values()) {
      const t = r.tracker.nextWakeMs(now);
      if (t !== undefined && t < at) at = t;
    }
    for (const t of [this.cron.nextWakeMs, this.#placer.nextExpiryMs()]) if (t !== undefined && t < at) at = t;
    const fireAtMs = Math.max(now, at) + 1;
    if (this.#timer !== undefined && this.#timerAtMs <= fireAtMs) return;
    if (this.#timer !== undefined) this.#d.timers.clearTimeout(this.#timer);
    this.#timerAtMs = fireAtMs;
    this.#timer = this.#d.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAtMs = Infinity;
      void this.exclusive(() => this.#wake()).catch((err: unknown) => this.#log.error({ err }, 'batch timer failed'));
    }, fireAtMs - now);
  }

  async #wake(): Promise<void> {
    const now = this.#d.clock.now();
    await this.#tickAll(now);
    await this.cron.fire(now);
    await this.#placer.place(now, true);
  }

  // --- runs, for the API, workflows and cron --------------------------------------------------

  newRunRecord(job: JobSpec, params: Record<string, string>, extra: { scheduledMs?: number; workflowRunId?: string } = {}): RunRecord {
    return {
      runId: `run-${this.#d.clock.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      jobId: job.id, spec: job, seq: ++this.#seq, params: { ...params }, createdMs: this.#d.clock.now(),
      scheduledMs: extra.scheduledMs, workflowRunId: extra.workflowRunId, state: 'pending', reason: 'waiting for resources', outcome: undefined,
    };
  }

  /** Follows runs whose records were just written. */
  adopt(records: readonly RunRecord[]): void {
    for (const r of records) this.live.set(r.runId, new LiveRun(r.spec, r, this.#log));
    if (records.length === 0) return;
    // Offers held: the new tasks start on them as soon as the commands queued before are done.
    if (this.#placer.held > 0) this.#placer.soon();
    else this.askForOffers(true);
    this.arm();
  }

  /** Cancels a run: writes the cancel, kills its tasks, finishes it. */
  async cancelRun(run: LiveRun, reason: string): Promise<void> {
    const event: RunEvent = { type: 'cancel', reason, atMs: this.#d.clock.now() };
    const { kill } = run.apply(event);
    await this.commit({ events: [{ runId: run.record.runId, events: [event] }], runs: [run.record] }, [run]);
    this.#kill(run, kill);
    if (run.finished) await this.#finished(run);
  }
}
