// Outstanding offers, indexed by id, framework and agent. An offer holds its resources until it
// is accepted, declined, rescinded or expires.
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

  ofFramework(frameworkId: string): OfferEntry[] {
    return this.#collect(this.#byFramework.get(frameworkId));
  }

  ofAgent(agentId: string): OfferEntry[] {
    return this.#collect(this.#byAgent.get(agentId));
  }

  /** Resources held in offers on one agent. */
  heldOnAgent(agentId: string): Res {
    return this.ofAgent(agentId).reduce((sum, o) => resources.add(sum, o.resources), resources.empty());
  }

  /** Offers past their expiry at nowMs. */
  expired(nowMs: number): OfferEntry[] {
    return [...this.#byId.values()].filter((o) => o.expiresAtMs > 0 && o.expiresAtMs <= nowMs);
  }

  all(): IterableIterator<OfferEntry> {
    return this.#byId.values();
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
