// The offers a TaskQueue keeps while work is expected, so a task added a moment later launches at
// once instead of waiting for a revive and the next allocation run. It knows nothing of tasks: the
// queue asks it to keep an offer, to give its offers up in turn, and what to let go of (every offer
// once no work came for idleMs; those about to expire at any time).
import type { ResourceOffer } from '../../protocol/domain/index.js';

/** How the queue holds offers; see `TaskQueueOptions.holdOffers`. */
export interface OfferHoldOptions {
  maxOffers: number;
  idleMs: number;
}

/** An offer this close to its expiry is given back rather than used: the master would refuse it. */
const EXPIRY_MARGIN_MS = 2_000;

export class OfferHold {
  readonly options: OfferHoldOptions;
  #now: () => number;
  #held = new Map<string, ResourceOffer>();
  #lastWorkAtMs = -Infinity;

  constructor(options: OfferHoldOptions, now: () => number = Date.now) {
    this.options = options;
    this.#now = now;
  }

  get size(): number {
    return this.#held.size;
  }

  /** Work arrived (a task was added or queued again): offers are worth keeping for idleMs. */
  workArrived(): void {
    this.#lastWorkAtMs = this.#now();
  }

  /** True while work came within idleMs. */
  get expecting(): boolean {
    return this.#now() - this.#lastWorkAtMs < this.options.idleMs;
  }

  /** When the current wait for work runs out (epoch ms). */
  get idleAtMs(): number {
    return this.#lastWorkAtMs + this.options.idleMs;
  }

  /** Keeps the offer if work is expected and there is room; false when it should be declined. */
  keep(offer: ResourceOffer): boolean {
    if (!this.expecting || this.#held.size >= this.options.maxOffers || this.#expiring(offer, this.#now())) return false;
    this.#held.set(offer.id, offer);
    return true;
  }

  /** The held offers, oldest first; an offer used while iterating must be dropped with `drop`. */
  offers(): IterableIterator<ResourceOffer> {
    return this.#held.values();
  }

  /** Forgets an offer (used, rescinded). True if it was held. */
  drop(offerId: string): boolean {
    return this.#held.delete(offerId);
  }

  /** Forgets every offer without declining it (the session they belonged to is gone). */
  clear(): void {
    this.#held.clear();
  }

  /**
   * The offers to give back now, removed from the hold: all of them once no work is expected,
   * else those about to expire.
   */
  release(): string[] {
    const now = this.#now();
    const idle = !this.expecting;
    const out: string[] = [];
    for (const offer of this.#held.values()) if (idle || this.#expiring(offer, now)) out.push(offer.id);
    for (const id of out) this.#held.delete(id);
    return out;
  }

  #expiring(offer: ResourceOffer, now: number): boolean {
    return offer.expiresAtMs > 0 && offer.expiresAtMs - now < EXPIRY_MARGIN_MS;
  }
}
