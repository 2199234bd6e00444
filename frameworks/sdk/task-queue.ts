// A queue of tasks to run on offers: it packs waiting tasks into each offer, declines what it
// cannot use (or, with holdOffers, keeps it while work keeps coming and launches on it the moment a
// task is added), suppresses offers while nothing waits and revives when work arrives, launches
// again (as a new attempt, under a new task id) what was lost, and reconciles after a failover.
import { BerthError, ErrorCode, TaskState, checkId, isTerminal, stateName } from '../../protocol/index.js';
import type { ResourceOffer, StatusUpdate } from '../../protocol/domain/index.js';
import type { SchedulerCallError } from './call-error.js';
import { meets, pack } from './match.js';
import { OfferHold } from './offer-hold.js';
import type { SchedulerEvent } from './scheduler-client.js';
import type { SdkLogger } from './options.js';
import { MOVES, REQUEUE_ON, holdOptions, shapeProblem, taskInfo, type Entry } from './task-queue-entry.js';
import type { QueuedTask, TaskPhase, TaskQueueClient, TaskQueueEvent, TaskQueueOptions, TaskResult, TaskSpec } from './task-queue-types.js';

export type { QueuedTask, TaskPhase, TaskQueueClient, TaskQueueEvent, TaskQueueOptions, TaskResult, TaskSpec } from './task-queue-types.js';

/** How often, at most, held offers are looked over for expiry and the end of the wait for work. */
const MAX_SWEEP_MS = 1_000;

const silent: SdkLogger = { info: () => undefined, warn: () => undefined };

/**
 * Runs tasks on a `SchedulerClient`. Add tasks, then drive the queue with `run()` (or feed it the
 * client's events yourself with `handle()`):
 *
 * ```ts
 * const queue = new TaskQueue(client);
 * queue.add({ id: 'job-1', resources: { cpus: 0.1, memMb: 32 }, command: { value: 'echo hi', shell: true } });
 * for await (const event of queue.run({ stopWhenDrained: true })) if (event.type === 'done') console.log(event.result);
 * ```
 */
export class TaskQueue {
  #client: TaskQueueClient;
  #refuseSeconds: number;
  #maxAttempts: number;
  #log: SdkLogger;
  #entries = new Map<string, Entry>();
  /** Every attempt's task id, so a late update of an earlier attempt is recognised. */
  #byTaskId = new Map<string, Entry>();
  /** Waiting tasks in the order they are to be placed, and how many tasks are in each phase. */
  #waiting = new Set<Entry>();
  #inPhase: Record<TaskPhase, number> = { waiting: 0, launching: 0, active: 0, done: 0 };
  #finished = 0;
  #outbox: TaskQueueEvent[] = [];
  #wake: (() => void) | undefined;
  /** What the master was last asked: to send offers or to stop. */
  #offersWanted: boolean | undefined;
  #declinedSinceRevive = false;
  /** The offers kept for work to come (holdOffers), a placement on them queued, and the timer that gives them back. */
  #hold: OfferHold | undefined;
  #placing = false;
  #sweepTimer: ReturnType<typeof setTimeout> | undefined;

  /** Throws a `BerthError` for options out of range. */
  constructor(client: TaskQueueClient, options: TaskQueueOptions = {}) {
    const { refuseSeconds = 10, maxAttempts = 5, log = silent, holdOffers } = options;
    const problems: string[] = [];
    if (!(Number.isFinite(refuseSeconds) && refuseSeconds >= 0)) problems.push('refuseSeconds must be a number of seconds >= 0');
    if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) problems.push('maxAttempts must be a whole number >= 1');
    const hold = holdOptions(holdOffers, problems);
    if (problems.length > 0) throw new BerthError(ErrorCode.INVALID_CALL, `invalid TaskQueue options: ${problems.join('; ')}`, { field: 'options' });
    this.#client = client;
    this.#refuseSeconds = refuseSeconds;
    this.#maxAttempts = maxAttempts;
    this.#log = log;
    this.#hold = hold && new OfferHold(hold);
  }

  /**
   * Queues a task. Its attempts run as `<id>.<attempt>` (`job-1.1`, then `job-1.2` if it was
   * lost), so task ids never collide; make `id` unique per run (a run id in it) if earlier runs
   * used the same cluster. Throws a `BerthError` naming the field for a bad spec or a duplicate id.
   */
  add(spec: TaskSpec): QueuedTask {
    const problem = checkId(spec.id, 'id') ?? (this.#entries.has(spec.id) ? `id "${spec.id}" is already in the queue` : null) ?? shapeProblem(spec);
    if (problem) throw new BerthError(ErrorCode.INVALID_TASK, problem, { field: problem.split(' ')[0] });
    let settle: (result: TaskResult) => void = () => undefined;
    const result = new Promise<TaskResult>((resolve) => (settle = resolve));
    const entry: Entry = {
      id: spec.id, spec, phase: 'waiting', attempt: 0, taskId: '', agentId: '', state: TaskState.TASK_UNKNOWN,
      status: undefined, offerId: '', launchAccepted: false, killWanted: false, killSent: false, result, settle,
    };
    this.#entries.set(spec.id, entry);
    this.#waiting.add(entry);
    this.#inPhase.waiting++;
    this.#workArrived();
    return entry;
  }

  /** The task with this id (as given to add()), if it was added. */
  get(id: string): QueuedTask | undefined {
    return this.#entries.get(id);
  }

  /**
   * Kills a task: a waiting one ends at once (KILLED, never launched); a launched one is killed on
   * its agent and ends with the KILLED update. A killed task is never launched again.
   */
  kill(id: string, gracePeriodMs = 0): void {
    const entry = this.#entries.get(id);
    if (!entry || entry.phase === 'done') return;
    entry.killWanted = true;
    if (entry.phase === 'waiting') return this.#finish(entry, TaskState.TASK_KILLED, 'killed before it was launched');
    this.#sendKill(entry, gracePeriodMs);
  }

  /** How many tasks are in each phase, and how the finished ones ended. */
  get counts(): { total: number; waiting: number; launching: number; active: number; done: number; finished: number; failed: number } {
    const done = this.#inPhase.done;
    return { total: this.#entries.size, ...this.#inPhase, finished: this.#finished, failed: done - this.#finished };
  }

  /** True when every task added has ended (also when none was added). */
  get drained(): boolean {
    return this.#inPhase.done === this.#entries.size;
  }

  /**
   * Consumes the client's events, acts on them, and yields what the framework may want to see:
   * the queue's task events and the client events it does not consume (offers, rescinds and the
   * updates of queued tasks it does). Ends when the client's stream ends (close(), a final
   * disconnection, the client's signal) — then every task not yet ended ends as abandoned — or,
   * with `stopWhenDrained`, once every task added has ended (the client's stream ends with it).
   * Updates are acknowledged after the framework has taken the events they caused.
   */
  async *run(options: { stopWhenDrained?: boolean } = {}): AsyncGenerator<TaskQueueEvent> {
    const events = this.#client.events()[Symbol.asyncIterator]();
    let next: Promise<IteratorResult<SchedulerEvent>> | undefined;
    let ended = false;
    try {
      for (;;) {
        while (this.#outbox.length > 0) yield this.#outbox.shift() as TaskQueueEvent;
        if (options.stopWhenDrained && this.drained) return;
        next ??= events.next();
        const woken = new Promise<'woken'>((resolve) => (this.#wake = () => resolve('woken')));
        const got = await Promise.race([next, woken]);
        this.#wake = undefined;
        if (got === 'woken') continue;
        next = undefined;
        if (got.done) {
          ended = true;
          this.#abandon('the scheduler client stopped before the task ended');
          while (this.#outbox.length > 0) yield this.#outbox.shift() as TaskQueueEvent;
          return;
        }
        this.#receive(got.value);
      }
    } finally {
      clearTimeout(this.#sweepTimer);
      this.#sweepTimer = undefined;
      if (!ended) await events.return?.();
    }
  }

  /**
   * Acts on one client event, for a framework that runs its own event loop instead of run();
   * returns the events that run() would yield, including those of calls that settled since.
   */
  handle(event: SchedulerEvent): TaskQueueEvent[] {
    this.#receive(event);
    return this.#outbox.splice(0);
  }

  #receive(event: SchedulerEvent): void {
    switch (event.type) {
      case 'offers':
        return this.#offers(event.offers);
      case 'rescind':
        if (this.#hold?.drop(event.offerId)) return;
        for (const e of this.#entries.values()) {
          if (e.phase === 'launching' && e.offerId === event.offerId && !e.launchAccepted) this.#requeue(e, `offer ${event.offerId} was rescinded`);
        }
        return;
      case 'update':
        if (this.#update(event.status)) return;
        break;
      case 'subscribed':
        this.#subscribed(event.reconnected);
        break;
      case 'disconnected':
        // The master forgets a session's offers with it.
        this.#hold?.clear();
        break;
    }
    this.#emit(event);
  }

  #subscribed(reconnected: boolean): void {
    this.#hold?.clear();
    this.#offersWanted = undefined;
    this.#askForOffers();
    const live = [...this.#entries.values()].filter((e) => e.phase === 'launching' || e.phase === 'active');
    // Explicit reconciliation: a launch the old master never persisted comes back LOST.
    if (reconnected && live.length > 0) {
      this.#client.reconcile(live.map((e) => ({ taskId: e.taskId, agentId: e.agentId }))).catch((err: SchedulerCallError) => this.#log.warn({ code: err.code }, 'reconciliation failed'));
    }
  }

  #offers(offers: ResourceOffer[]): void {
    const unused: string[] = [];
    for (const offer of offers) {
      if (!this.#placeOn(offer) && !this.#hold?.keep(offer)) unused.push(offer.id);
    }
    // One call for every offer of the event it cannot use: one round trip, not one per agent.
    this.#decline(unused);
    this.#armSweep();
    this.#askForOffers();
  }

  /** Launches what of the waiting tasks fits the offer, in one call; false when none does. */
  #placeOn(offer: ResourceOffer): boolean {
    if (this.#waiting.size === 0) return false;
    const offerId = offer.id;
    const waiting = [...this.#waiting].filter((e) => meets(offer, e.spec.constraints ?? []));
    const placed = pack(offer, waiting.map((e) => e.spec.resources));
    if (placed.length === 0) return false;
    // While offers are held for work to come, what the launch leaves comes back at the next
    // allocation run. Otherwise it is refused for refuseSeconds, as a decline would be: work that
    // arrives meanwhile must revive, or it waits for the filter to lapse.
    const refuseSeconds = this.#hold?.expecting ? 0 : this.#refuseSeconds;
    if (refuseSeconds > 0) this.#declinedSinceRevive = true;
    const launched = placed.map(({ index, resources }) => {
      const entry = waiting[index] as Entry;
      entry.attempt++;
      entry.taskId = `${entry.id}.${entry.attempt}`;
      entry.agentId = offer.agentId;
      entry.offerId = offerId;
      entry.launchAccepted = false;
      entry.status = undefined;
      entry.state = TaskState.TASK_STAGING;
      this.#byTaskId.set(entry.taskId, entry);
      this.#transition(entry, 'launching');
      return { entry, taskId: entry.taskId, info: taskInfo(entry, resources) };
    });
    this.#client.launch([offerId], launched.map((l) => l.info), { refuseSeconds }).then(
      () => launched.forEach(({ entry, taskId }) => this.#launchAccepted(entry, taskId)),
      (err: SchedulerCallError) => launched.forEach(({ entry, taskId }) => this.#launchFailed(entry, taskId, err)),
    );
    return true;
  }

  #decline(offerIds: string[]): void {
    if (offerIds.length === 0) return;
    this.#declinedSinceRevive = true;
    this.#client.decline(offerIds, this.#refuseSeconds).catch((err: SchedulerCallError) => this.#log.debug?.({ offers: offerIds.length, code: err.code }, 'decline failed'));
  }

  /** Places the tasks waiting now on held offers (tasks added in one tick share a launch per offer). */
  #placeOnHeld(): void {
    this.#placing = false;
    const hold = this.#hold;
    if (hold) {
      for (const offer of hold.offers()) {
        if (this.#waiting.size === 0) break;
        if (this.#placeOn(offer)) hold.drop(offer.id);
      }
    }
    // What still waits needs new offers; a filter set since the last revive would hold them back.
    if (this.#declinedSinceRevive && this.#waiting.size > 0) this.#offersWanted = undefined;
    this.#askForOffers();
  }

  /** Gives back the held offers no longer worth keeping, until none is held and no work is expected. */
  #armSweep(): void {
    const hold = this.#hold;
    if (!hold || this.#sweepTimer || (hold.size === 0 && !hold.expecting)) return;
    const delayMs = Math.max(1, Math.min(hold.idleAtMs - Date.now(), MAX_SWEEP_MS));
    this.#sweepTimer = setTimeout(() => {
      this.#sweepTimer = undefined;
      this.#decline(hold.release());
      this.#askForOffers();
      this.#armSweep();
    }, delayMs);
    this.#sweepTimer.unref?.();
  }

  #launchAccepted(entry: Entry, taskId: string): void {
    if (entry.taskId !== taskId) return;
    entry.launchAccepted = true;
    if (entry.killWanted) this.#sendKill(entry);
  }

  #launchFailed(entry: Entry, taskId: string, err: SchedulerCallError): void {
    if (entry.taskId !== taskId || entry.phase !== 'launching') return;
    // The master may have launched it: reconciliation after the next subscription tells.
    if (err.mayHaveTakenEffect) return;
    this.#log.warn({ taskId, code: err.code, field: err.field }, 'launch refused; queueing the task again');
    if (entry.killWanted) this.#finish(entry, TaskState.TASK_KILLED, `killed; its launch was refused: ${err.message}`);
    else this.#requeue(entry, `launch refused: ${err.message}`);
  }

  /** Applies an update of a queued task; false when the task is not one of the queue's. */
  #update(status: StatusUpdate): boolean {
    const entry = this.#byTaskId.get(status.taskId);
    if (!entry) return false;
    const { state } = status;
    const ended = isTerminal(state) || state === TaskState.TASK_UNKNOWN;
    if (status.taskId !== entry.taskId || entry.phase === 'done' || (entry.phase === 'waiting' && ended)) {
      // An earlier attempt that turns out to run after all while a later one exists: one copy is enough.
      if (!isTerminal(state) && state !== TaskState.TASK_UNKNOWN) {
        this.#client.kill(status.taskId, status.agentId).catch((err: SchedulerCallError) => this.#log.debug?.({ code: err.code }, 'kill failed'));
      }
      return true;
    }
    entry.status = status;
    entry.state = state;
    if (status.agentId) entry.agentId = status.agentId;
    // Its first update; or its offer was rescinded, yet the launch went through: this copy stays.
    if (!ended && entry.phase !== 'active') {
      const wasWaiting = entry.phase === 'waiting';
      this.#transition(entry, 'active');
      if (wasWaiting) this.#askForOffers();
    }
    if (!ended && entry.killWanted) this.#sendKill(entry);
    this.#emit({ type: 'task', task: entry, status });
    if (!ended) return true;
    const why = `${stateName(state)}${status.message ? `: ${status.message}` : ''}`;
    if (REQUEUE_ON.has(state) && !entry.killWanted) this.#requeue(entry, why);
    else this.#finish(entry, state, why);
    return true;
  }

  #requeue(entry: Entry, reason: string): void {
    if (entry.attempt >= this.#maxAttempts) {
      return this.#finish(entry, entry.state === TaskState.TASK_STAGING ? TaskState.TASK_ERROR : entry.state, `gave up after ${entry.attempt} attempts; the last: ${reason}`);
    }
    this.#transition(entry, 'waiting');
    this.#emit({ type: 'requeued', task: entry, reason });
    this.#workArrived();
  }

  #finish(entry: Entry, state: TaskState, reason: string): void {
    entry.state = state;
    this.#transition(entry, 'done');
    if (state === TaskState.TASK_FINISHED) this.#finished++;
    const result: TaskResult = {
      id: entry.id, taskId: entry.taskId, attempts: entry.attempt, state, status: entry.status,
      finished: state === TaskState.TASK_FINISHED, reason,
    };
    entry.settle(result);
    this.#emit({ type: 'done', task: entry, result });
    this.#askForOffers();
  }

  #abandon(reason: string): void {
    for (const e of this.#entries.values()) if (e.phase !== 'done') this.#finish(e, e.state, reason);
  }

  #sendKill(entry: Entry, gracePeriodMs = 0): void {
    if (entry.killSent || (entry.phase === 'launching' && !entry.launchAccepted && !entry.status)) return;
    entry.killSent = true;
    this.#client.kill(entry.taskId, entry.agentId, gracePeriodMs).catch((err: SchedulerCallError) => {
      entry.killSent = false;
      this.#log.warn({ taskId: entry.taskId, code: err.code }, 'kill failed; it is sent again with the next update');
    });
  }

  #workArrived(): void {
    const hold = this.#hold;
    if (!hold) {
      if (this.#declinedSinceRevive) this.#offersWanted = undefined;
      return this.#askForOffers();
    }
    hold.workArrived();
    this.#armSweep();
    if (this.#placing) return;
    this.#placing = true;
    queueMicrotask(() => this.#placeOnHeld());
  }

  /** Revives offers while tasks wait (or, holding offers, while work is expected), suppresses them otherwise. */
  #askForOffers(): void {
    if (!this.#client.connected) return;
    const want = this.#inPhase.waiting > 0 || Boolean(this.#hold?.expecting);
    if (want === this.#offersWanted) return;
    this.#offersWanted = want;
    if (want) this.#declinedSinceRevive = false;
    (want ? this.#client.revive() : this.#client.suppress()).catch((err: SchedulerCallError) => {
      if (this.#offersWanted === want) this.#offersWanted = undefined;
      this.#log.debug?.({ code: err.code }, want ? 'revive failed' : 'suppress failed');
    });
  }

  #transition(entry: Entry, to: TaskPhase): void {
    if (!MOVES[entry.phase].includes(to)) throw new Error(`task ${entry.id}: no move from ${entry.phase} to ${to}`);
    this.#log.debug?.({ id: entry.id, taskId: entry.taskId, from: entry.phase, to }, 'task phase');
    this.#inPhase[entry.phase]--;
    this.#inPhase[to]++;
    if (to === 'waiting') this.#waiting.add(entry);
    else this.#waiting.delete(entry);
    entry.phase = to;
  }

  #emit(event: TaskQueueEvent): void {
    this.#outbox.push(event);
    this.#wake?.();
  }
}
