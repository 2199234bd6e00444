// The allocation cycle: turns the registry into a snapshot for the pure allocator, and its
// decisions into offers sent to frameworks and preemptions carried out on agents. Runs on the
// master's interval over every agent and, spaced out, on triggers (an accept, a freed task, a new
// agent) over the agents that changed since the run before, as Mesos allocates a changed agent
// alone: at a steady launch rate a trigger comes every allocationMinGapMs, and an agent nobody
// could take anything from last run still offers nothing to the same frameworks. Each agent's
// slot is kept from the run before and rebuilt only when what it was computed from changed.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { BerthError, ErrorCode, TaskReason, TaskState, isTerminal, newId, resources, type Res } from '../protocol/index.js';
import type {
  AgentSlot,
  Allocator,
  AllocationSnapshot,
  ExplainSubject,
  ExplainingAllocator,
  Explanation,
  FrameworkSlot,
  PreemptionDecision,
  RefusalFilter,
  RoleConfig,
  RunningTaskSlot,
} from './allocator/types.js';
import { availability } from './availability.js';
import type { OfferBook, OfferEntry } from './offer-book.js';
import { killTask, type Outbox } from './outbox.js';
import type { AgentEntry, FrameworkEntry, Registry } from './registry.js';
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

/** What a framework's part of the snapshot was built from, as the last run saw it. */
interface FrameworkSource {
  record: FrameworkEntry['record'];
  channel: FrameworkEntry['channel'];
  filters: RefusalFilter[];
}

const NO_OFFERS: readonly OfferEntry[] = [];

export interface AllocationCycleDeps {
  registry: Registry;
  offers: OfferBook;
  allocator: Allocator;
  /** The master's live role configuration (it changes through the roles API). */
  roles: ReadonlyMap<string, RoleConfig>;
  settings: { minOffer: { cpus: number; memMb: number }; offerTimeoutMs: number; allocationMinGapMs: number };
  counters: { allocationRuns: number; allocationMs: number; offersMade: number; preemptions: number };
  log: Logger;
  outbox: Outbox;
  isLeading(): boolean;
  rescind(offer: OfferEntry): void;
}

export class AllocationCycle {
  #d: AllocationCycleDeps;
  #queued = false;
  #lastRunAt = 0;
  /** Tasks the allocator named for preemption, being killed. */
  #preempting = new Set<string>();
  #slots = new WeakMap<AgentEntry, SlotSource>();
  #frameworkSources = new WeakMap<FrameworkEntry, FrameworkSource>();
  #view: AgentsView | undefined;
  /** Agents where a refusal filter ran out since the last run: a framework may take them again. */
  #filtersEndedOn = new Set<string>();
  /** For metrics and benches: runs over every agent, and runs over the changed agents only. */
  readonly stats = { fullRuns: 0, changedRuns: 0, agentsVisited: 0 };
  #filters = new WeakMap<FrameworkEntry, { list: RefusalFilter[]; indexed: number; firstEndMs: number; byAgent: Map<string, RefusalFilter[]> }>();

  constructor(deps: AllocationCycleDeps) {
    this.#d = deps;
  }

  /** Runs soon, at least allocationMinGapMs after the previous run (triggers in a burst share one run). */
  trigger(): void {
    if (this.#queued) return;
    this.#queued = true;
    const waitMs = this.#lastRunAt + this.#d.settings.allocationMinGapMs - performance.now();
    if (waitMs <= 0) setImmediate(() => this.run(true));
    else setTimeout(() => this.run(true), waitMs).unref();
  }

  /**
   * One allocation run: expire offers, ask the allocator, send the offers, carry out preemptions.
   * `changedOnly` (a triggered run) visits only the agents that changed since the last run when
   * that gives the same offers as a full run (see #changedSuffice); the interval's runs visit all.
   */
  run(changedOnly = false): void {
    this.#queued = false;
    this.#lastRunAt = performance.now();
    if (!this.#d.isLeading()) {
      // Nothing noted while standing by is needed: the first run as leader walks every agent.
      this.#view = undefined;
      this.#d.registry.changedAgents.clear();
      this.#d.offers.changedAgents.clear();
      return;
    }
    const now = Date.now();
    for (const offer of this.#d.offers.expired(now)) this.#d.rescind(offer);
    const started = performance.now();
    const snapshot = this.#snapshot(now, true, changedOnly);
    if (snapshot.candidates) this.stats.changedRuns++;
    else this.stats.fullRuns++;
    this.stats.agentsVisited += snapshot.candidates?.length ?? snapshot.agents.length;
    const result = this.#d.allocator.allocate(snapshot);
    this.#d.counters.allocationRuns++;
    this.#d.counters.allocationMs += performance.now() - started;
    const byFramework = new Map<string, OfferEntry[]>();
    for (const decision of result.offers) {
      const framework = this.#d.registry.frameworks.get(decision.frameworkId);
      const agent = this.#d.registry.agents.get(decision.agentId);
      if (!framework?.channel || !agent?.channel) continue;
      const offer: OfferEntry = {
        id: newId('offer'),
        frameworkId: decision.frameworkId,
        agentId: decision.agentId,
        role: decision.role,
        resources: decision.resources,
        reserved: decision.reserved ?? resources.empty(),
        gangId: decision.gangId ?? '',
        createdAtMs: now,
        expiresAtMs: this.#d.settings.offerTimeoutMs > 0 ? now + this.#d.settings.offerTimeoutMs : 0,
      };
      // A gang is served once: its bundle is on its way.
      if (offer.gangId) framework.gangs.delete(offer.gangId);
      this.#d.offers.add(offer);
      const list = byFramework.get(offer.frameworkId) ?? [];
      list.push(offer);
      byFramework.set(offer.frameworkId, list);
    }
    // An agent this run offered from was visited with everything it had: what is left on it
    // now is what nobody could take, so its new slot counts as taken into account, not changed.
    const view = this.#view;
    for (const id of this.#d.offers.changedAgents) {
      const i = view?.index.get(id);
      if (view === undefined || i === undefined) continue;
      const source = this.#slot(view.entries[i] as AgentEntry);
      source.fresh = false;
      replaceSlot(view, i, source.slot);
    }
    this.#d.offers.changedAgents.clear();
    for (const [frameworkId, list] of byFramework) {
      this.#d.counters.offersMade += list.length;
      const offers = list.map((o) => {
        const agent = this.#d.registry.agents.get(o.agentId) as AgentEntry;
        return {
          id: o.id,
          frameworkId,
          agentId: o.agentId,
          hostname: agent.record.info.hostname,
          resources: o.resources,
          role: o.role,
          attributes: agent.record.info.attributes,
          expiresAtMs: o.expiresAtMs,
          gangId: o.gangId,
          reserved: o.reserved,
        };
      });
      this.#d.outbox.offers(frameworkId, offers);
    }
    for (const p of result.preemptions ?? []) this.#preempt(p);
  }

  /** Kills a preemptible task so a role below its guarantee can be served; its framework sees why. */
  #preempt(p: PreemptionDecision): void {
    const task = this.#d.registry.tasks.get(p.taskId);
    if (!task || this.#preempting.has(p.taskId) || isTerminal(task.status.state)) return;
    this.#preempting.add(p.taskId);
    this.#d.counters.preemptions++;
    this.#d.log.info({ taskId: p.taskId, role: p.role, forRole: p.forRole }, 'preempting task');
    this.#d.outbox.toAgent(task.agentId, killTask(task.frameworkId, task.taskId, task.info.killGracePeriodMs, TaskReason.PREEMPTED));
  }

  /**
   * The allocator's view of now. `forRun` is false for an explanation, which changes nothing a run
   * keeps; with `changedOnly`, the snapshot names the agents that changed as its candidates when
   * nothing else could change what the others are offered.
   */
  #snapshot(nowMs: number, forRun = false, changedOnly = false): AllocationSnapshot {
    // Any framework subscribed, re-subscribed or revived (its filters cleared) since: every agent.
    let frameworksChanged = false;
    const frameworks: FrameworkSlot[] = [];
    for (const f of this.#d.registry.frameworks.values()) {
      if (!f.channel) continue;
      const seen = this.#frameworkSources.get(f);
      if (!seen || seen.record !== f.record || seen.channel !== f.channel || seen.filters !== f.filters) frameworksChanged = true;
      const filtersByAgent = this.#filterIndex(f, nowMs);
      if (forRun) this.#frameworkSources.set(f, { record: f.record, channel: f.channel, filters: f.filters });
      const allocated = new Map(f.allocated);
      for (const [role, r] of this.#d.offers.offeredByRole(f.record.id)) allocated.set(role, resources.add(allocated.get(role) ?? resources.empty(), r));
      // The book's live set: no offer is added or removed while the allocator reads the snapshot.
      const offeredAgents = this.#d.offers.offeredAgents(f.record.id);
      frameworks.push({
        id: f.record.id,
        roles: f.record.info.roles ?? ['*'],
        suppressedRoles: f.suppressed,
        allocated,
        filters: f.filters,
        filtersByAgent,
        offeredAgents,
        gangs: [...f.gangs.values()],
      });
    }
    const reg = this.#d.registry;
    const kept = this.#view;
    const { view, changed } = forRun && changedOnly && kept?.membership === reg.agentMembership ? this.#updateView(kept) : this.#buildView(forRun);
    const agents = view.slots;
    if (forRun) {
      reg.changedAgents.clear();
      this.#d.offers.changedAgents.clear();
      this.#filtersEndedOn.clear();
    }
    const snapshot: AllocationSnapshot = {
      nowMs, agents, frameworks, roles: this.#d.roles, minOffer: this.#d.settings.minOffer, tasks: this.#preemptionCandidates(), sums: { total: view.total, free: view.free },
    };
    if (changedOnly && !frameworksChanged && changed.length < agents.length && this.#changedSuffice(frameworks)) snapshot.candidates = changed;
    return snapshot;
  }

  /**
   * Every connected agent from the registry. An agent changed when its slot was built since a run
   * took it into account, when the last run did not have it (new, or back), or when a filter on it
   * ran out (the frameworks' filters are indexed before the agents are walked). For a run, the
   * result is kept as the view the next triggered run starts from.
   */
  #buildView(forRun: boolean): { view: AgentsView; changed: number[] } {
    const reg = this.#d.registry;
    const before = this.#view?.index;
    const ended = this.#filtersEndedOn;
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
  #updateView(view: AgentsView): { view: AgentsView; changed: number[] } {
    const changed: number[] = [];
    const take = (id: string, endedHere: boolean): void => {
      const i = view.index.get(id);
      if (i === undefined) return;
      const source = this.#slot(view.entries[i] as AgentEntry);
      if (source.fresh || endedHere) changed.push(i);
      source.fresh = false;
      replaceSlot(view, i, source.slot);
    };
    for (const id of this.#d.registry.changedAgents) take(id, false);
    for (const id of this.#d.offers.changedAgents) take(id, false);
    for (const id of this.#filtersEndedOn) take(id, true);
    // In the registry's order, each once (an agent may be in more than one of the sets).
    changed.sort((x, y) => x - y);
    let n = 0;
    for (let i = 0; i < changed.length; i++) if (i === 0 || changed[i] !== changed[i - 1]) changed[n++] = changed[i] as number;
    changed.length = n;
    return { view, changed };
  }

  /**
   * Whether a run over the changed agents makes the offers a full run would. An unchanged agent
   * had what it has now when the last run visited it, and every framework that could take it was
   * then already offered it, filtered on it, suppressed, or short of the minimum offer: none of
   * that changes without the agent's slot, a filter on it ending, or the framework changing.
   * Quotas break this (a role's limit or another's guarantee opens up as use elsewhere falls),
   * and so do gangs (a bundle spans agents); then every run is a full one.
   */
  #changedSuffice(frameworks: readonly FrameworkSlot[]): boolean {
    for (const r of this.#d.roles.values()) if (r.quotaGuarantee || r.quotaLimit) return false;
    for (const f of frameworks) if ((f.gangs?.length ?? 0) > 0) return false;
    return true;
  }

  /**
   * The framework's active filters by agent, kept between runs: expired ones are dropped (and the
   * index rebuilt) only once the earliest has expired; filters added since (declines push onto
   * the list, master/refusal-filters.ts) are indexed on top.
   */
  #filterIndex(f: FrameworkEntry, nowMs: number): ReadonlyMap<string, readonly RefusalFilter[]> {
    let kept = this.#filters.get(f);
    if (!kept || kept.list !== f.filters || nowMs >= kept.firstEndMs) {
      for (const x of f.filters) if (x.untilMs <= nowMs) this.#filtersEndedOn.add(x.agentId);
      f.filters = f.filters.filter((x) => x.untilMs > nowMs);
      kept = { list: f.filters, indexed: 0, firstEndMs: Infinity, byAgent: new Map() };
      this.#filters.set(f, kept);
    }
    for (; kept.indexed < f.filters.length; kept.indexed++) {
      const filter = f.filters[kept.indexed] as RefusalFilter;
      const list = kept.byAgent.get(filter.agentId);
      if (list) list.push(filter);
      else kept.byAgent.set(filter.agentId, [filter]);
      if (filter.untilMs < kept.firstEndMs) kept.firstEndMs = filter.untilMs;
    }
    return kept.byAgent;
  }

  /** The agent's slot: the last run's while nothing it was computed from changed. */
  #slot(a: AgentEntry): SlotSource {
    const was = this.#slots.get(a);
    const offersVersion = this.#d.offers.agentVersion(a.record.id);
    if (was && was.record === a.record && was.total === a.total && was.reserved === a.reserved && was.offersVersion === offersVersion && sameItems(was.used, a.usedByRole.values())) {
      return was;
    }
    const offers = offersVersion === 0 ? NO_OFFERS : this.#d.offers.holdingOn(a.record.id);
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

  /** Live tasks for preemption; only built when some role has a guarantee to defend. */
  #preemptionCandidates(): RunningTaskSlot[] | undefined {
    if (![...this.#d.roles.values()].some((r) => r.quotaGuarantee)) return undefined;
    const out: RunningTaskSlot[] = [];
    for (const t of this.#d.registry.tasks.values()) {
      if (isTerminal(t.status.state)) continue;
      out.push({
        taskId: t.taskId,
        frameworkId: t.frameworkId,
        agentId: t.agentId,
        role: t.role,
        resources: resources.normalize(t.info.resources),
        preemptible: Boolean(t.info.preemptible),
        startedAtMs: t.launchedAtMs,
        killing: this.#preempting.has(t.taskId) || t.status.state === TaskState.TASK_KILLING,
      });
    }
    return out;
  }

  /** Why a framework or role gets what it gets, from the allocator's point of view, now. */
  explain(subject: ExplainSubject): Explanation {
    const allocator = this.#d.allocator as Partial<ExplainingAllocator>;
    if (!allocator.explain) throw new BerthError(ErrorCode.INVALID_CALL, 'this allocator cannot explain its decisions');
    return allocator.explain(this.#snapshot(Date.now()), subject);
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
  view.total = scalarSum(view.total, slot.total, sign);
  if (!slot.draining) view.free = scalarSum(view.free, slot.free, sign);
}

function scalarSum(a: Res, b: Res, sign: 1 | -1): Res {
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return { cpus: round(a.cpus + sign * b.cpus), memMb: round(a.memMb + sign * b.memMb), diskMb: round(a.diskMb + sign * b.diskMb), gpus: round(a.gpus + sign * b.gpus), ports: [] };
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
