// Outstanding offers, indexed by id, framework and agent. An offer holds its resources until it
// is declined, rescinded or expires, or until the ACCEPT that claimed it is persisted and applied.
import { resources, type Res } from '../protocol/index.js';

export interface OfferEntry {
  id: string;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Res;
  /** The part of resources taken from the role's reservation (empty when none). */
  reserved: Res;
  /** Set when the offer is one part of a gang bundle. */
  gangId: string;
  createdAtMs: number;
  /** 0 = never. */
  expiresAtMs: number;
}

export class OfferBook {
  #byId = new Map<string, OfferEntry>();
  #byFramework = new Map<string, Set<string>>();
  #byAgent = new Map<string, Set<string>>();
  /** Offers taken by an ACCEPT being persisted: no longer usable, still holding their resources. */
  #claimed = new Map<string, OfferEntry>();

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): OfferEntry | undefined {
    return this.#byId.get(id);
  }

  add(offer: OfferEntry): void {
    this.#byId.set(offer.id, offer);
    index(this.#byFramework, offer.frameworkId).add(offer.id);
    index(this.#byAgent, offer.agentId).add(offer.id);
  }

  remove(id: string): OfferEntry | undefined {
    const offer = this.#byId.get(id);
    if (!offer) return undefined;
    this.#byId.delete(id);
    this.#byFramework.get(offer.frameworkId)?.delete(id);
    this.#byAgent.get(offer.agentId)?.delete(id);
    return offer;
  }

  /**
   * Takes outstanding offers for an ACCEPT: nobody can use, decline or rescind them any more, but
   * their resources stay held (the allocator does not offer them again) until release().
   */
  claim(ids: readonly string[]): OfferEntry[] {
    const out: OfferEntry[] = [];
    for (const id of ids) {
      const offer = this.remove(id);
      if (!offer) continue;
      this.#claimed.set(id, offer);
      out.push(offer);
    }
    return out;
  }

  /** Lets claimed offers go: their resources are now held by tasks, or free again. */
  release(offers: readonly OfferEntry[]): void {
    for (const o of offers) this.#claimed.delete(o.id);
  }

  ofFramework(frameworkId: string): OfferEntry[] {
    return this.#collect(this.#byFramework.get(frameworkId));
  }

  ofAgent(agentId: string): OfferEntry[] {
    return this.#collect(this.#byAgent.get(agentId));
  }

  /** Resources held in offers on one agent, claimed ones included. */
  heldOnAgent(agentId: string): Res {
    let sum = this.ofAgent(agentId).reduce((s, o) => resources.add(s, o.resources), resources.empty());
    for (const o of this.#claimed.values()) if (o.agentId === agentId) sum = resources.add(sum, o.resources);
    return sum;
  }

  /** Offers past their expiry at nowMs. */
  expired(nowMs: number): OfferEntry[] {
    return [...this.#byId.values()].filter((o) => o.expiresAtMs > 0 && o.expiresAtMs <= nowMs);
  }

  /** Every offer that holds resources: the outstanding ones and the claimed ones. */
  *holding(): IterableIterator<OfferEntry> {
    yield* this.#byId.values();
    yield* this.#claimed.values();
  }

  #collect(ids: Set<string> | undefined): OfferEntry[] {
    if (!ids) return [];
    const out: OfferEntry[] = [];
    for (const id of ids) {
      const o = this.#byId.get(id);
      if (o) out.push(o);
    }
    return out;
  }
}

function index(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}
