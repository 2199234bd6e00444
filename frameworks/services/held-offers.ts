// The offers the services scheduler holds between planning passes, and how it answers them: what a
// pass did not use is declined (at once when nothing deploys, after a while when a deployment may
// launch soon), and offers are revived while launches wait and suppressed when none will.
import type { ServicesDriver, ServicesOffer } from './sdk-adapter.js';

/** Offers are held this long at most while a deployment may want them soon. */
export const HOLD_OFFERS_MS = 5_000;
const REFUSE_WAITING_S = 1;
const REFUSE_IDLE_S = 5;

export class HeldOffers {
  readonly #offers = new Map<string, { offer: ServicesOffer; atMs: number }>();
  #wanted: boolean | undefined;
  #declined = false;
  #lastUnplaced = 0;

  add(offers: readonly ServicesOffer[], nowMs: number): void {
    for (const o of offers) this.#offers.set(o.id, { offer: o, atMs: nowMs });
  }

  remove(offerIds: readonly string[]): void {
    for (const id of offerIds) this.#offers.delete(id);
  }

  /** After a disconnection: the offers are void, and revive or suppress must be said again. */
  reset(): void {
    this.#offers.clear();
    this.#wanted = undefined;
  }

  list(): ServicesOffer[] {
    return [...this.#offers.values()].map((h) => h.offer);
  }

  /** When held offers must be looked at again (their holding time ends). */
  wakeTimes(): number[] {
    return [...this.#offers.values()].map((h) => h.atMs + HOLD_OFFERS_MS);
  }

  /**
   * Answers what a pass left: `deploying` (a deployment runs or launches are asked for) holds the
   * offers for up to HOLD_OFFERS_MS unless some launches found no room on them (`unplaced`), in
   * which case they are declined for a second; with nothing deploying they are declined for 5 s.
   */
  answer(driver: ServicesDriver, deploying: boolean, unplaced: number, nowMs: number): void {
    const decline: string[] = [];
    for (const [id, h] of this.#offers) {
      if (deploying && unplaced === 0 && nowMs - h.atMs < HOLD_OFFERS_MS) continue;
      decline.push(id);
      this.#offers.delete(id);
    }
    if (decline.length > 0) {
      this.#declined = true;
      driver.decline(decline, deploying ? REFUSE_WAITING_S : REFUSE_IDLE_S).catch(() => undefined);
    }
    const want = unplaced > 0 || deploying;
    // More launches waiting than before: offers declined meanwhile are wanted again at once.
    const fresh = unplaced > this.#lastUnplaced;
    this.#lastUnplaced = unplaced;
    if (want && (this.#wanted !== true || (fresh && this.#declined))) {
      this.#wanted = true;
      this.#declined = false;
      driver.revive().catch(() => (this.#wanted = undefined));
    } else if (!want && this.#wanted !== false) {
      this.#wanted = false;
      driver.suppress().catch(() => (this.#wanted = undefined));
    }
  }
}
