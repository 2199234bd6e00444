// Whether the framework wants offers, as told to the master: suppressed while nothing waits,
// revived the moment work arrives. While offers are wanted already and some were declined,
// new work revives them again, but such revives are coalesced over a short window: a stream of
// submissions then costs one round of offers of every agent, not one per job. And none at all
// when no waiting task would fit what was declined (an agent's memory left without cpus).
import type { Timers } from './clock.js';
import type { Shape3 } from './sdk-adapter.js';

/** Work arriving within this long of the first shares one revive. */
export const REVIVE_COALESCE_MS = 50;

export interface InterestDriver {
  revive(): Promise<void>;
  suppress(): Promise<void>;
}

export class OfferInterest {
  readonly #timers: Timers;
  #wanted: boolean | undefined;
  /** The largest of each resource declined since the last revive; undefined: nothing declined. */
  #declinedMax: Shape3 | undefined;
  #timer: unknown;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /**
   * Offers were declined with a filter: new work will need a revive to see those agents again.
   * `free`: what they held (omitted: anything).
   */
  declined(free: readonly Shape3[] = [{ cpus: Infinity, memMb: Infinity, diskMb: Infinity }]): void {
    const max = (this.#declinedMax ??= { cpus: 0, memMb: 0, diskMb: 0 });
    for (const f of free) {
      max.cpus = Math.max(max.cpus, f.cpus);
      max.memMb = Math.max(max.memMb, f.memMb);
      max.diskMb = Math.max(max.diskMb, f.diskMb);
    }
  }

  /** The master's view is unknown again (a new subscription, a lost connection). */
  forget(): void {
    this.#wanted = undefined;
  }

  /**
   * `want`: tasks wait. `fresh`: new work arrived. `stillWanted` is asked when a coalesced revive
   * falls due, with the largest of each resource declined: whether a waiting task fits in it.
   */
  update(driver: InterestDriver, want: boolean, fresh: boolean, stillWanted: (declined: Shape3) => boolean): void {
    if (want && this.#wanted !== true) return this.#revive(driver);
    if (want && fresh && this.#declinedMax && this.#timer === undefined) {
      this.#timer = this.#timers.setTimeout(() => {
        this.#timer = undefined;
        if (this.#declinedMax && this.#wanted === true && stillWanted(this.#declinedMax)) this.#revive(driver);
      }, REVIVE_COALESCE_MS);
    } else if (!want && this.#wanted !== false) {
      this.#cancel();
      this.#wanted = false;
      driver.suppress().catch(() => (this.#wanted = undefined));
    }
  }

  stop(): void {
    this.#cancel();
  }

  #revive(driver: InterestDriver): void {
    this.#cancel();
    this.#wanted = true;
    this.#declinedMax = undefined;
    driver.revive().catch(() => (this.#wanted = undefined));
  }

  #cancel(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
