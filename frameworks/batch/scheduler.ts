// The batch scheduler loop: it follows runs with RunTrackers, answers offers through the queue,
// asks for gangs, retries, enforces deadlines and fires cron schedules. Every change is written
// to the store before it is acted on (a launch intent before the launch, a task's end before its
// acknowledgement); the store is the truth, and a run whose write failed is rebuilt from it.
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';
import { LiveRun, runIdOf } from './live-run.js';
import { RecentRuns } from './recent-runs.js';
import { planPlacement } from './placement.js';
import type { BatchDriver, BatchEvent, BatchLaunch, BatchOffer, BatchStatus } from './sdk-adapter.js';
import { resolveRun } from './spec/index.js';
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

/** Timers, injected so tests can drive time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

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

/** How long declined offers stay away while work waits for room, and while none waits. */
const REFUSE_WAITING_S = 1;
const REFUSE_IDLE_S = 5;
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
  readonly #interest: OfferInterest;
  #stopped = false;
  #loop: Promise<void> | undefined;
  /** Tallies since this process started, for metrics. */
  readonly counters = { launches: 0, taskEnds: 0, runsFinished: 0, declinedOffers: 0 };

  constructor(deps: SchedulerDeps) {
    this.#d = deps;
    this.#log = deps.log;
    this.#interest = new OfferInterest(deps.timers);
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
    if (e.type === 'disconnected') {
      this.#log.warn({ reason: e.reason }, 'disconnected from the master');
      this.#interest.forget();
      for (const r of this.live.values()) r.gangId = undefined;
    }
  }

  /** Writes a change; when it fails, the runs it touched are rebuilt from what the store has. */
  async commit(change: BatchChange, touched: readonly LiveRun[] = []): Promise<void> {
    try {
      await this.#d.store.apply(change);
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
    const runs = [...this.live.values()].filter((r) => !r.finished);
    const plan = planPlacement(offers, runs, now);
    const launches: { offerIds: string[]; tasks: BatchLaunch[] }[] = [];
    const change: BatchChange = { events: [], runs: [] };
    const touched = new Set<LiveRun>();
    for (const group of plan.launches) {
      const tasks: BatchLaunch[] = [];
      for (const t of group.tasks) {
        const run = this.live.get(t.runId)!;
        const resolved = resolveRun(run.job, { values: run.record.params, runId: run.record.runId, taskIndex: t.index });
        if (!resolved.ok) continue;
        const taskId = run.nextTaskId(t.index);
        const event: RunEvent = { type: 'launch', index: t.index, taskId, agentId: group.agentId, atMs: now };
        run.apply(event);
        touched.add(run);
        change.events!.push({ runId: run.record.runId, events: [event] });
        tasks.push({ taskId, name: `${run.job.id} #${t.index}`, agentId: group.agentId, resources: run.job.resources, run: resolved.run, env: { BERTH_TASK_ATTEMPT: String(t.attempt) }, preemptible: run.job.preemptible });
      }
      if (tasks.length > 0) launches.push({ offerIds: group.offerIds, tasks });
      else plan.decline.push(...group.offerIds);
    }
    change.runs = [...touched].map((r) => r.record);
    if (touched.size > 0) {
      try {
        await this.commit(change, [...touched]);
      } catch (err) {
        this.#log.warn({ err }, 'could not record launches; declining the offers');
        this.#decline(offers.map((o) => o.id), REFUSE_WAITING_S);
        return;
      }
    }
    for (const run of touched) if (run.job.gang) run.gangId = undefined;
    for (const l of launches) {
      this.counters.launches += l.tasks.length;
      this.#log.debug({ tasks: l.tasks.map((t) => t.taskId) }, 'launching');
      this.#driver?.launch(l.offerIds, l.tasks).catch((err: unknown) => {
        if (this.#driver?.refused(err)) void this.exclusive(() => this.#launchRefused(l.tasks, err)).catch(() => undefined);
      });
    }
    for (const h of plan.held) this.#log.debug(h, 'held');
    this.#decline(plan.decline, this.#hasWork(now) ? REFUSE_WAITING_S : REFUSE_IDLE_S);
    this.#decline(plan.declineForGang, 0);
    this.askForOffers(false);
    this.arm();
  }

  #decline(offerIds: string[], refuseSeconds: number): void {
    if (offerIds.length === 0) return;
    this.counters.declinedOffers += offerIds.length;
    this.#interest.declined();
    this.#driver?.decline(offerIds, refuseSeconds).catch(() => undefined);
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
    this.askForOffers(false);
    this.arm();
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

  #hasWork(now: number): boolean {
    return [...this.live.values()].some((r) => !r.finished && r.tracker.due(now).length > 0);
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
    this.#interest.update(driver, this.#hasWork(now), fresh, () => this.#hasWork(this.#d.clock.now()));
  }

  /** Sets the timer for the next deadline, backoff end or cron time. */
  arm(): void {
    if (this.#stopped) return;
    const now = this.#d.clock.now();
    const times = [...this.live.values()].map((r) => r.tracker.nextWakeMs(now)).filter((t): t is number => t !== undefined);
    const cron = this.cron.nextWakeMs;
    if (cron !== undefined) times.push(cron);
    const at = Math.min(now + MAX_SLEEP_MS, ...times);
    if (this.#timer !== undefined) this.#d.timers.clearTimeout(this.#timer);
    this.#timer = this.#d.timers.setTimeout(() => {
      this.#timer = undefined;
      void this.exclusive(() => this.#wake()).catch((err: unknown) => this.#log.error({ err }, 'batch timer failed'));
    }, Math.max(0, at - now) + 1);
  }

  async #wake(): Promise<void> {
    const now = this.#d.clock.now();
    await this.#tickAll(now);
    await this.cron.fire(now);
    this.askForOffers(true);
    this.arm();
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
    if (records.length > 0) {
      this.askForOffers(true);
      this.arm();
    }
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
