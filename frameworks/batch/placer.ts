// What the scheduler does with offers: it holds them (held-offers.ts), places due tasks on them
// when offers arrive and as soon as new work is written, writes the launches, then sends them;
// it declines what no waiting task could use, and what it held for work to come once it is too old.
import type { Clock } from './clock.js';
import { HeldOffers } from './held-offers.js';
import { launchesOf } from './launches.js';
import type { LiveRun } from './live-run.js';
import { planPlacement } from './placement.js';
import { fits } from './queue.js';
import type { BatchDriver, BatchLaunch, BatchOffer, Shape3 } from './sdk-adapter.js';
import type { BatchLog } from './scheduler.js';
import type { BatchChange } from './store/index.js';

/** How long declined offers stay away while work waits for room, and while none waits. */
export const REFUSE_WAITING_S = 1;
export const REFUSE_IDLE_S = 5;

/** The few parts of the scheduler the placer needs. */
export interface PlacerDeps {
  live: ReadonlyMap<string, LiveRun>;
  clock: Clock;
  log: BatchLog;
  counters: { launches: number; declinedOffers: number };
  driver(): BatchDriver | undefined;
  commit(change: BatchChange, touched: readonly LiveRun[]): Promise<void>;
  /** Runs fn in the scheduler's exclusive section. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** True when some run has a task due now. */
  hasWork(nowMs: number): boolean;
  /** Offers holding `free` were declined with a filter: new work will need a revive to see them again. */
  declined(free: Shape3[]): void;
  /** After each placement: ask for offers (`fresh`: new work arrived) and set the timer. */
  placed(fresh: boolean): void;
  /** The master refused a launch: the tasks never ran. */
  launchRefused(tasks: BatchLaunch[], err: unknown): Promise<void>;
}

export class OfferPlacer {
  readonly #d: PlacerDeps;
  readonly #held = new HeldOffers();
  /** A placement is queued in the exclusive section; and new work arrived for it. */
  #queued = false;
  #fresh = false;

  constructor(deps: PlacerDeps) {
    this.#d = deps;
  }

  /** How many offers are held. */
  get held(): number {
    return this.#held.size;
  }

  /** When a held offer is due to be declined, for the scheduler's timer. */
  nextExpiryMs(): number | undefined {
    return this.#held.nextExpiryMs();
  }

  /** The master took an offer back. */
  rescinded(offerId: string): void {
    this.#held.take([offerId]);
  }

  /** The offers held belong to a connection that is gone. */
  forget(): void {
    this.#held.clear();
  }

  /** New offers: held, then placed on with the rest. Call in the exclusive section. */
  offers(offers: readonly BatchOffer[], nowMs: number): Promise<void> {
    this.#held.add(offers, nowMs);
    return this.place(nowMs, false);
  }

  /** Places new work on the held offers soon: once for a burst of runs written. */
  soon(): void {
    this.#fresh = true;
    if (this.#queued) return;
    this.#queued = true;
    void this.#d.exclusive(() => {
      this.#queued = false;
      return this.place(this.#d.clock.now(), true);
    }).catch((err: unknown) => this.#d.log.error({ err }, 'batch placement failed'));
  }

  /**
   * Places due tasks on the offers held, writes their launches, then sends them; declines the
   * offers held too long. Call in the exclusive section.
   */
  async place(nowMs: number, fresh: boolean): Promise<void> {
    const wasFresh = fresh || this.#fresh;
    this.#fresh = false;
    if (this.#held.size > 0 && this.#d.hasWork(nowMs)) await this.#launch(nowMs);
    // An offer left while tasks wait fits none of them, and it keeps its agent from us (the master
    // makes one offer per framework and agent): declined at once. With none waiting, it is held
    // for the work to come.
    if (this.#d.hasWork(nowMs)) this.#declineLeft(this.#held.clear(), nowMs);
    else this.#decline(this.#held.expired(nowMs), REFUSE_IDLE_S);
    this.#d.placed(wasFresh);
  }

  async #launch(nowMs: number): Promise<void> {
    const runs = [...this.#d.live.values()].filter((r) => !r.finished);
    const plan = planPlacement(this.#held.all(), runs, nowMs);
    const { launches, change, touched, unused } = launchesOf(plan, this.#d.live, nowMs);
    const used = launches.flatMap((l) => l.offerIds);
    if (touched.length > 0) {
      try {
        await this.#d.commit(change, touched);
      } catch (err) {
        this.#d.log.warn({ err }, 'could not record launches; declining the offers');
        this.#decline(this.#held.take(used), REFUSE_WAITING_S);
        return;
      }
    }
    this.#held.take(used);
    for (const run of touched) if (run.job.gang) run.gangId = undefined;
    const driver = this.#d.driver();
    for (const l of launches) {
      this.#d.counters.launches += l.tasks.length;
      this.#d.log.debug({ tasks: l.tasks.map((t) => t.taskId) }, 'launching');
      driver?.launch(l.offerIds, l.tasks).catch((err: unknown) => {
        if (driver.refused(err)) void this.#d.exclusive(() => this.#d.launchRefused(l.tasks, err)).catch(() => undefined);
      });
    }
    for (const h of plan.held) this.#d.log.debug(h, 'held');
    this.#decline(this.#held.take(unused), REFUSE_WAITING_S);
    // Without a filter, so the master can bundle them for the gang at once.
    this.#decline(this.#held.take(plan.declineForGang), 0);
  }

  /**
   * Declines what is left while tasks wait. An offer too small for any of them (an agent's memory
   * without cpus, mostly) stays away for longer: the filter only holds back offers no larger, and
   * new work revives offers anyway. One that some waiting task would fit (kept for a gang's
   * reservation) comes back soon.
   */
  #declineLeft(offers: readonly BatchOffer[], nowMs: number): void {
    if (offers.length === 0) return;
    const shapes: Shape3[] = [];
    for (const run of this.#d.live.values()) if (run.tracker.hasDue(nowMs)) shapes.push(run.job.resources);
    const fitsOne = (o: BatchOffer) => shapes.some((s) => fits(s, o.free));
    this.#decline(offers.filter(fitsOne), REFUSE_WAITING_S);
    this.#decline(offers.filter((o) => !fitsOne(o)), REFUSE_IDLE_S);
  }

  /** Declines offers that are no longer held. */
  #decline(offers: readonly BatchOffer[], refuseSeconds: number): void {
    if (offers.length === 0) return;
    this.#d.counters.declinedOffers += offers.length;
    if (refuseSeconds > 0) this.#d.declined(offers.map((o) => o.free));
    this.#d.driver()?.decline(offers.map((o) => o.id), refuseSeconds).catch(() => undefined);
  }
}
