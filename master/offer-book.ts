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
  /** Bumped whenever an offer on the agent is added, removed, claimed or released. */
  #agentVersions = new Map<string, number>();
  /** Agents each framework holds outstanding offers on, with how many (offeredAgents()). */
  #frameworkAgents = new Map<string, { counts: Map<string, number>; agents: Set<string> }>();
  /** Agents whose offers changed since the allocation cycle took the set (with their versions bumped). */
  readonly changedAgents = new Set<string>();
  /** Outstanding offers that expire (expiresAtMs > 0): expired() scans nothing while there are none. */
  #expiring = 0;
  /** No outstanding offer expires before this (it may be earlier than the earliest left). */
  #nextExpiryMs = Infinity;
  /**
   * What each framework's outstanding offers hold, per role, kept as offers come and go. Scalars
   * only: the ports of offers on different agents overlap, so their sum would mean nothing.
   */
  #offeredByFramework = new Map<string, Map<string, Res>>();

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
    this.#bump(offer.agentId);
    this.#countAgent(offer, 1);
    this.#sum(offer, 1);
    if (offer.expiresAtMs > 0) {
      this.#expiring++;
      if (offer.expiresAtMs < this.#nextExpiryMs) this.#nextExpiryMs = offer.expiresAtMs;
    }
  }

  remove(id: string): OfferEntry | undefined {
    const offer = this.#byId.get(id);
    if (!offer) return undefined;
    this.#byId.delete(id);
    this.#byFramework.get(offer.frameworkId)?.delete(id);
    const onAgent = this.#byAgent.get(offer.agentId);
    onAgent?.delete(id);
    if (onAgent?.size === 0) this.#byAgent.delete(offer.agentId);
    this.#bump(offer.agentId);
    this.#countAgent(offer, -1);
    this.#sum(offer, -1);
    if (offer.expiresAtMs > 0) this.#expiring--;
    return offer;
  }

  /**
   * Changes whenever what holds resources on the agent (its outstanding and claimed offers)
   * changes, so a caller can keep what it computed from holdingOn() until then.
   */
  agentVersion(agentId: string): number {
    return this.#agentVersions.get(agentId) ?? 0;
  }

  /** The agents the framework holds outstanding offers on (a live set: read it, do not keep it). */
  offeredAgents(frameworkId: string): ReadonlySet<string> {
    return this.#frameworkAgents.get(frameworkId)?.agents ?? NO_AGENTS;
  }

  /** The offers holding resources on one agent: outstanding, then claimed. */
  holdingOn(agentId: string): OfferEntry[] {
    const out = this.ofAgent(agentId);
    if (this.#claimed.size > 0) for (const o of this.#claimed.values()) if (o.agentId === agentId) out.push(o);
    return out;
  }

  #bump(agentId: string): void {
    this.#agentVersions.set(agentId, (this.#agentVersions.get(agentId) ?? 0) + 1);
    this.changedAgents.add(agentId);
  }

  #countAgent(offer: OfferEntry, by: 1 | -1): void {
    let f = this.#frameworkAgents.get(offer.frameworkId);
    if (!f) this.#frameworkAgents.set(offer.frameworkId, (f = { counts: new Map(), agents: new Set() }));
    const n = (f.counts.get(offer.agentId) ?? 0) + by;
    if (n > 0) {
      f.counts.set(offer.agentId, n);
      f.agents.add(offer.agentId);
    } else {
      f.counts.delete(offer.agentId);
      f.agents.delete(offer.agentId);
      if (f.counts.size === 0) this.#frameworkAgents.delete(offer.frameworkId);
    }
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
      // remove() bumped the agent's version; the claimed offer still holds what it held.
      this.#claimed.set(id, offer);
      out.push(offer);
    }
    return out;
  }

  /** Lets claimed offers go: their resources are now held by tasks, or free again. */
  release(offers: readonly OfferEntry[]): void {
    for (const o of offers) if (this.#claimed.delete(o.id)) this.#bump(o.agentId);
  }

  /** How many outstanding offers the framework holds. */
  countOf(frameworkId: string): number {
    return this.#byFramework.get(frameworkId)?.size ?? 0;
  }

  ofFramework(frameworkId: string): OfferEntry[] {
    return this.#collect(this.#byFramework.get(frameworkId));
  }

  ofAgent(agentId: string): OfferEntry[] {
    return this.#collect(this.#byAgent.get(agentId));
  }

  /** Resources held in offers on one agent, claimed ones included. */
  heldOnAgent(agentId: string): Res {
    return this.holdingOn(agentId).reduce((s, o) => resources.add(s, o.resources), resources.empty());
  }

  /** Offers past their expiry at nowMs. */
  expired(nowMs: number): OfferEntry[] {
    if (this.#expiring === 0 || nowMs < this.#nextExpiryMs) return [];
    const out: OfferEntry[] = [];
    let next = Infinity;
    for (const o of this.#byId.values()) {
      if (o.expiresAtMs <= 0) continue;
      if (o.expiresAtMs <= nowMs) out.push(o);
      if (o.expiresAtMs < next) next = o.expiresAtMs;
    }
    // Counting the expired ones too: until the caller has rescinded them, the next call looks again.
    this.#nextExpiryMs = next;
    return out;
  }

  /** The scalars the framework's outstanding offers hold, per role (a live map: read it, do not keep it). */
  offeredByRole(frameworkId: string): ReadonlyMap<string, Res> {
    return this.#offeredByFramework.get(frameworkId) ?? NO_SUMS;
  }

  #sum(offer: OfferEntry, sign: 1 | -1): void {
    let byRole = this.#offeredByFramework.get(offer.frameworkId);
    if (!byRole) this.#offeredByFramework.set(offer.frameworkId, (byRole = new Map()));
    // At three decimals like every resource sum, so a sum kept this way equals one made afresh.
    const sum = resources.addScalars(byRole.get(offer.role) ?? resources.empty(), offer.resources, sign);
    if (sum.cpus === 0 && sum.memMb === 0 && sum.diskMb === 0 && sum.gpus === 0) {
      byRole.delete(offer.role);
      if (byRole.size === 0) this.#offeredByFramework.delete(offer.frameworkId);
    } else byRole.set(offer.role, sum);
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

const NO_AGENTS: ReadonlySet<string> = new Set();
const NO_SUMS: ReadonlyMap<string, Res> = new Map();

function index(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}
