// Whether the framework wants offers, as told to the master: suppressed while nothing waits,
// revived the moment work arrives. While offers are wanted already and some were declined,
// new work revives them again, but such revives are coalesced over a short window: a stream of
// submissions then costs one round of offers of every agent, not one per job.
import type { Timers } from './clock.js';

/** Work arriving within this long of the first shares one revive. */
export const REVIVE_COALESCE_MS = 50;

export interface InterestDriver {
  revive(): Promise<void>;
  suppress(): Promise<void>;
}

export class OfferInterest {
  readonly #timers: Timers;
  #wanted: boolean | undefined;
  #declined = false;
  #timer: unknown;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /** Offers were declined with a filter: new work will need a revive to see those agents again. */
  declined(): void {
    this.#declined = true;
  }

  /** The master's view is unknown again (a new subscription, a lost connection). */
  forget(): void {
    this.#wanted = undefined;
  }

  /**
   * `want`: tasks wait. `fresh`: new work arrived. `stillWanted` is asked again when a coalesced
   * revive falls due.
   */
  update(driver: InterestDriver, want: boolean, fresh: boolean, stillWanted: () => boolean): void {
    if (want && this.#wanted !== true) return this.#revive(driver);
    if (want && fresh && this.#declined && this.#timer === undefined) {
      this.#timer = this.#timers.setTimeout(() => {
        this.#timer = undefined;
        if (this.#declined && this.#wanted === true && stillWanted()) this.#revive(driver);
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
    this.#declined = false;
    driver.revive().catch(() => (this.#wanted = undefined));
  }

  #cancel(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
