// The agents' side of an allocation snapshot, kept between runs (./allocation-cycle.ts): each
// agent's slot, rebuilt only when what it was computed from changed, and the connected agents'
// slots in the registry's order with their sums. A triggered run takes up only the agents the
// registry and the offer book noted as changed; any other run, or any change to which agents are
// connected, walks the registry again.
import { resources, type Res } from '../protocol/index.js';
import type { AgentSlot } from './allocator/types.js';
import { availability } from './availability.js';
import type { OfferBook, OfferEntry } from './offer-book.js';
import type { AgentEntry, Registry } from './registry.js';
import type { AgentRecord } from './store/records.js';

/**
 * What an agent's slot was computed from. The registry replaces (never mutates) an agent's
 * record, total, reservations and each role's use, and the offer book counts every change of
 * the agent's offers, so the same objects and the same count mean the same slot.
 */
interface SlotSource {
  record: AgentRecord;
  total: Res;
  reserved: ReadonlyMap<string, Res>;
  used: Res[];
  /** The offer book's version of the agent (its outstanding and claimed offers) the slot saw. */
  offersVersion: number;
  slot: AgentSlot;
  /** True until a run has taken this slot into account (built since, so the agent changed). */
  fresh: boolean;
}

/**
 * The connected agents as the last run saw them, in the registry's order, kept between runs: a
 * triggered run updates only the agents the registry and the offer book say changed, and every
 * other run, or any change to which agents are connected, builds it again from the registry.
 */
interface AgentsView {
  entries: AgentEntry[];
  slots: AgentSlot[];
  index: Map<string, number>;
  /** The registry's agentMembership it was built at. */
  membership: number;
  /** The slots' totals, and the free resources of those not draining, summed (AllocationSnapshot.sums). */
  total: Res;
  free: Res;
}

const NO_OFFERS: readonly OfferEntry[] = [];

export class AgentSlots {
  #registry: Registry;
  #offers: OfferBook;
  #slots = new WeakMap<AgentEntry, SlotSource>();
  #view: AgentsView | undefined;

  constructor(registry: Registry, offers: OfferBook) {
    this.#registry = registry;
    this.#offers = offers;
  }

  /**
   * The connected agents' slots and sums, and which of them changed since the last run (indices,
   * ascending). `forRun` false (an explanation) changes nothing kept. A run with `changedOnly`
   * updates the kept view while the same agents are connected; `ended`: agents where a refusal
   * filter ran out since the last run, which count as changed.
   */
  take(forRun: boolean, changedOnly: boolean, ended: ReadonlySet<string>): { slots: AgentSlot[]; changed: number[]; sums: { total: Res; free: Res } } {
    const kept = this.#view;
    const { view, changed } = forRun && changedOnly && kept?.membership === this.#registry.agentMembership ? this.#update(kept, ended) : this.#build(forRun, ended);
    if (forRun) {
      this.#registry.changedAgents.clear();
      this.#offers.changedAgents.clear();
    }
    return { slots: view.slots, changed, sums: { total: view.total, free: view.free } };
  }

  /**
   * After a run's offers are in the book: an agent the run offered from was visited with
   * everything it had, so what is left on it is what nobody could take, and its new slot counts as
   * taken into account, not changed.
   */
  settleOffered(): void {
    const view = this.#view;
    for (const id of this.#offers.changedAgents) {
      const i = view?.index.get(id);
      if (view === undefined || i === undefined) continue;
      const source = this.#slot(view.entries[i] as AgentEntry);
      source.fresh = false;
      replaceSlot(view, i, source.slot);
    }
    this.#offers.changedAgents.clear();
  }

  /** Forgets the view and what was noted (a standby's first run as leader walks every agent). */
  reset(): void {
    this.#view = undefined;
    this.#registry.changedAgents.clear();
    this.#offers.changedAgents.clear();
  }

  /**
   * Every connected agent from the registry. An agent changed when its slot was built since a run
   * took it into account, when the last run did not have it (new, or back), or when a filter on it
   * ran out (the frameworks' filters are indexed before the agents are walked). For a run, the
   * result is kept as the view the next triggered run starts from.
   */
  #build(forRun: boolean, ended: ReadonlySet<string>): { view: AgentsView; changed: number[] } {
    const reg = this.#registry;
    const before = this.#view?.index;
    const view: AgentsView = { entries: [], slots: [], index: new Map(), membership: reg.agentMembership, total: resources.empty(), free: resources.empty() };
    const changed: number[] = [];
    for (const a of reg.agents.values()) {
      if (!a.channel) continue;
      const source = this.#slot(a);
      const id = a.record.id;
      if (forRun) {
        if (source.fresh || !before?.has(id) || (ended.size > 0 && ended.has(id))) changed.push(view.slots.length);
        source.fresh = false;
      }
      view.index.set(id, view.slots.length);
      view.entries.push(a);
      view.slots.push(source.slot);
      count(view, source.slot, 1);
    }
    if (forRun) this.#view = view;
    return { view, changed };
  }

  /**
   * The kept view with only the agents the registry and the offer book noted as changed, and
   * those where a filter ran out, taken again: what a full walk would find, at the cost of the
   * changes (the same agents, since none connected or went away).
   */
  #update(view: AgentsView, ended: ReadonlySet<string>): { view: AgentsView; changed: number[] } {
    const changed: number[] = [];
    const take = (id: string, endedHere: boolean): void => {
      const i = view.index.get(id);
      if (i === undefined) return;
      const source = this.#slot(view.entries[i] as AgentEntry);
      if (source.fresh || endedHere) changed.push(i);
      source.fresh = false;
      replaceSlot(view, i, source.slot);
    };
    for (const id of this.#registry.changedAgents) take(id, false);
    for (const id of this.#offers.changedAgents) take(id, false);
    for (const id of ended) take(id, true);
    // In the registry's order, each once (an agent may be in more than one of the sets).
    changed.sort((x, y) => x - y);
    let n = 0;
    for (let i = 0; i < changed.length; i++) if (i === 0 || changed[i] !== changed[i - 1]) changed[n++] = changed[i] as number;
    changed.length = n;
    return { view, changed };
  }

  /** The agent's slot: the last run's while nothing it was computed from changed. */
  #slot(a: AgentEntry): SlotSource {
    const was = this.#slots.get(a);
    const offersVersion = this.#offers.agentVersion(a.record.id);
    if (was && was.record === a.record && was.total === a.total && was.reserved === a.reserved && was.offersVersion === offersVersion && sameItems(was.used, a.usedByRole.values())) {
      return was;
    }
    const offers = offersVersion === 0 ? NO_OFFERS : this.#offers.holdingOn(a.record.id);
    const use = new Map(a.usedByRole);
    for (const [role, r] of sumByRole(offers)) use.set(role, resources.add(use.get(role) ?? resources.empty(), r));
    const { free, reservedFree } = availability(a.total, a.reserved, use);
    const slot: AgentSlot = {
      id: a.record.id,
      hostname: a.record.info.hostname,
      attributes: a.record.info.attributes,
      total: a.total,
      free,
      reservedFree,
      draining: Boolean(a.record.draining),
    };
    const source: SlotSource = { record: a.record, total: a.total, reserved: a.reserved, used: [...a.usedByRole.values()], offersVersion, slot, fresh: true };
    this.#slots.set(a, source);
    return source;
  }
}

/** Puts an agent's new slot in the view, its sums following. */
function replaceSlot(view: AgentsView, i: number, slot: AgentSlot): void {
  const was = view.slots[i] as AgentSlot;
  if (was === slot) return;
  count(view, was, -1);
  count(view, slot, 1);
  view.slots[i] = slot;
}

/**
 * Adds a slot to the view's sums (sign 1) or takes it out (-1), scalars at three decimals like
 * every resource, so sums kept this way equal sums built afresh.
 */
function count(view: AgentsView, slot: AgentSlot, sign: 1 | -1): void {
  view.total = resources.addScalars(view.total, slot.total, sign);
  if (!slot.draining) view.free = resources.addScalars(view.free, slot.free, sign);
}

/** True when both hold the same objects in the same order. */
function sameItems<T>(kept: readonly T[], now: Iterable<T>): boolean {
  let i = 0;
  for (const x of now) if (kept[i++] !== x) return false;
  return i === kept.length;
}

/** Offers' resources summed per role: scalars added in place, port ranges merged once. */
function sumByRole(offers: readonly OfferEntry[]): Map<string, Res> {
  const out = new Map<string, Res>();
  if (offers.length === 1) {
    const only = offers[0] as OfferEntry;
    out.set(only.role, only.resources);
    return out;
  }
  const acc = new Map<string, { cpus: number; memMb: number; diskMb: number; gpus: number; ports: Res['ports'][number][] }>();
  for (const o of offers) {
    const r = o.resources;
    const sum = acc.get(o.role) ?? { cpus: 0, memMb: 0, diskMb: 0, gpus: 0, ports: [] };
    sum.cpus += r.cpus;
    sum.memMb += r.memMb;
    sum.diskMb += r.diskMb;
    sum.gpus += r.gpus;
    for (const p of r.ports) sum.ports.push(p);
    acc.set(o.role, sum);
  }
  for (const [role, sum] of acc) out.set(role, resources.add(resources.empty(), { ...sum, ports: resources.mergeRanges(sum.ports) }));
  return out;
}
