// The allocation cycle: turns the registry into a snapshot for the pure allocator, and its
// decisions into offers sent to frameworks and preemptions carried out on agents. Runs on the
// master's interval over every agent and, spaced out, on triggers (an accept, a freed task, a new
// agent) over the agents that changed since the run before, as Mesos allocates a changed agent
// alone: at a steady launch rate a trigger comes every allocationMinGapMs, and an agent nobody
// could take anything from last run still offers nothing to the same frameworks. The agents'
// slots, kept between runs, are ./agent-slots.ts.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { BerthError, ErrorCode, TaskReason, TaskState, isTerminal, newId, resources } from '../protocol/index.js';
import type {
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
import { AgentSlots } from './agent-slots.js';
import type { OfferBook, OfferEntry } from './offer-book.js';
import { killTask, type Outbox } from './outbox.js';
import type { AgentEntry, FrameworkEntry, Registry } from './registry.js';

/** What a framework's part of the snapshot was built from, as the last run saw it. */
interface FrameworkSource {
  record: FrameworkEntry['record'];
  channel: FrameworkEntry['channel'];
  filters: RefusalFilter[];
}

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
  #agents: AgentSlots;
  #frameworkSources = new WeakMap<FrameworkEntry, FrameworkSource>();
  /** Agents where a refusal filter ran out since the last run: a framework may take them again. */
  #filtersEndedOn = new Set<string>();
  /** For metrics and benches: runs over every agent, and runs over the changed agents only. */
  readonly stats = { fullRuns: 0, changedRuns: 0, agentsVisited: 0 };
  #filters = new WeakMap<FrameworkEntry, { list: RefusalFilter[]; indexed: number; firstEndMs: number; byAgent: Map<string, RefusalFilter[]> }>();

  constructor(deps: AllocationCycleDeps) {
    this.#d = deps;
    this.#agents = new AgentSlots(deps.registry, deps.offers);
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
      this.#agents.reset();
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
    this.#agents.settleOffered();
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
        ...(f.record.info.maxOffers ? { offerRoom: Math.max(0, f.record.info.maxOffers - this.#d.offers.countOf(f.record.id)) } : {}),
      });
    }
    const { slots: agents, changed, sums } = this.#agents.take(forRun, changedOnly, this.#filtersEndedOn);
    if (forRun) this.#filtersEndedOn.clear();
    const snapshot: AllocationSnapshot = { nowMs, agents, frameworks, roles: this.#d.roles, minOffer: this.#d.settings.minOffer, tasks: this.#preemptionCandidates(), sums };
    if (changedOnly && !frameworksChanged && changed.length < agents.length && this.#changedSuffice(frameworks)) snapshot.candidates = changed;
    return snapshot;
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
