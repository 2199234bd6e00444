// The offers the scheduler holds. An offer that arrives while no task waits is kept for a while
// instead of declined, so work that arrives meanwhile (a stream of submitted jobs, a retry whose
// backoff ends) starts on it at once: no revive, no new round of offers of every agent from the
// master, no filter to clear. An offer held OFFER_HOLD_MS is declined, so idle capacity goes back
// to the pool for other frameworks; the master rescinds what it takes back meanwhile.
import type { BatchOffer } from './sdk-adapter.js';

/** How long an offer is held for work to come before it is declined. */
export const OFFER_HOLD_MS = 1_000;

export class HeldOffers {
  /** In arrival order, so the first is the oldest. */
  readonly #offers = new Map<string, { offer: BatchOffer; sinceMs: number }>();

  get size(): number {
    return this.#offers.size;
  }

  add(offers: readonly BatchOffer[], nowMs: number): void {
    for (const offer of offers) this.#offers.set(offer.id, { offer, sinceMs: nowMs });
  }

  all(): BatchOffer[] {
    return [...this.#offers.values()].map((h) => h.offer);
  }

  /** Forgets these offers (accepted, declined, rescinded); returns the ones that were held. */
  take(ids: readonly string[]): BatchOffer[] {
    const out: BatchOffer[] = [];
    for (const id of ids) {
      const h = this.#offers.get(id);
      if (!h) continue;
      this.#offers.delete(id);
      out.push(h.offer);
    }
    return out;
  }

  /** Forgets every offer (to decline them, or their connection is gone); returns them. */
  clear(): BatchOffer[] {
    const offers = this.all();
    this.#offers.clear();
    return offers;
  }

  /** Forgets and returns the offers held OFFER_HOLD_MS or longer, to decline. */
  expired(nowMs: number): BatchOffer[] {
    const out: string[] = [];
    for (const [id, h] of this.#offers) {
      if (nowMs - h.sinceMs < OFFER_HOLD_MS) break;
      out.push(id);
    }
    return this.take(out);
  }

  /** When the oldest offer is due to be declined; undefined when none is held. */
  nextExpiryMs(): number | undefined {
    const first = this.#offers.values().next();
    return first.done ? undefined : first.value.sinceMs + OFFER_HOLD_MS;
  }
}
