// The services scheduler loop: it keeps what it observes (instances from updates and
// reconciliation, agents from the cluster poll, notices and offers, the offers it holds), plans
// every service with the pure planner on any change or at the plan's wake time, persists the
// planner's states and the records of instances before launching them, then carries out the
// steps: launches against held offers, kills (drained first: stopper.ts), revive or suppress.
// docs/services-deployments.md.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServicesChange, ServicesControl, ServicesView } from './control.js';
import { isTerminal, planServices, plannerOptions, specOf, type PlannerOptions, type PlanResult, type ServiceState } from './deploy/index.js';
import { HeldOffers } from './held-offers.js';
import { planLaunches, type LaunchWant } from './launcher.js';
import { Observed } from './observed.js';
import { ReadinessProber } from './readiness.js';
import { InstanceStopper } from './stopper.js';
import type { ClusterAgentView, ServicesDriver, ServicesEvent, ServicesStatus } from './sdk-adapter.js';
import type { ReadinessCheckSpec, ServiceSpec } from './spec/index.js';
import type { InstanceRecord, ServicesStore, ServicesStoreChange } from './store/index.js';
import { buildView, checkChange } from './view.js';

/** pino's shape. */
export interface ServicesLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface SchedulerDeps {
  store: ServicesStore;
  /** Makes the driver once the stored framework id is known. */
  connect: (frameworkId: string | undefined) => ServicesDriver;
  /** The cluster's agents (the master's HTTP API), polled every clusterPollMs. */
  readCluster: () => Promise<ClusterAgentView[]>;
  now: () => number;
  log: ServicesLog;
  roles: readonly string[];
  clusterPollMs: number;
  /** The host a readiness probe of an instance on this agent goes to. */
  readinessHost: (agent: { agentId: string; hostname: string; address?: string }) => string;
  planner?: Partial<PlannerOptions>;
}

/** The loop looks at least this often, whatever the plans say. */
const MAX_SLEEP_MS = 5_000;
/** After (re)starting, planning waits this long at most for reconciliation to answer. */
const SETTLE_MS = 10_000;

export class ServicesScheduler implements ServicesControl {
  readonly #d: SchedulerDeps;
  readonly #log: ServicesLog;
  readonly #options: PlannerOptions;
  readonly #states = new Map<string, ServiceState>();
  /** Removed services whose instances have not all ended yet: their specs say how to kill them. */
  readonly #removed = new Map<string, ServiceState>();
  readonly #plans = new Map<string, PlanResult>();
  readonly #observed = new Observed();
  readonly #offers = new HeldOffers();
  readonly #inside = new AsyncLocalStorage<boolean>();
  readonly #readiness: ReadinessProber;
  readonly #stopper: InstanceStopper;
  #driver: ServicesDriver | undefined;
  #loop: Promise<void> | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #frameworkId: string | undefined;
  #subscribed = false;
  #settleBy: number | undefined;
  #acks: (() => void)[] = [];
  #passQueued = false;
  #wakeTimer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(deps: SchedulerDeps) {
    this.#d = deps;
    this.#log = deps.log;
    this.#options = plannerOptions(deps.planner);
    this.#readiness = new ReadinessProber({
      host: deps.readinessHost,
      onResult: (taskId, ready) => {
        const t = this.#observed.instances.get(taskId);
        if (!t || t.ready === ready || t.state !== 'running') return;
        t.ready = ready;
        this.#requestPass();
      },
    });
    this.#stopper = new InstanceStopper({
      instance: (taskId) => this.#observed.instances.get(taskId),
      instances: () => this.#observed.instances.values(),
      specOf: (t) => this.#specOf(t.record),
      agentUnreachable: (agentId) => this.#observed.flagsOf(agentId).unreachable,
      driver: () => this.#driver,
      log: this.#log,
    });
  }

  get frameworkId(): string | undefined {
    return this.#frameworkId;
  }

  /** Loads the store, reads the cluster once, connects and subscribes (in the background). */
  async start(): Promise<void> {
    const store = this.#d.store;
    this.#frameworkId = (await store.frameworkId()) || undefined;
    for (const s of await store.listServices()) this.#states.set(s.id, s);
    const records = await store.listInstances();
    for (const r of records) this.#observed.track(r, false);
    this.#log.info({ services: this.#states.size, instances: records.length, frameworkId: this.#frameworkId }, 'services state loaded');
    await this.#poll();
    this.#driver = this.#d.connect(this.#frameworkId);
    this.#loop = this.#consume(this.#driver);
  }

  /** Disconnects without killing anything: the instances keep running for a successor. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#wakeTimer);
    clearTimeout(this.#pollTimer);
    this.#readiness.stop();
    await this.#driver?.close();
    await this.#loop;
    await this.#chain.catch(() => undefined);
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    // A command inside exclusive may commit: that runs in place instead of queueing behind itself.
    if (this.#inside.getStore()) return fn();
    return this.#enqueue(fn);
  }

  /**
   * Queues fn behind everything queued before, always: the scheduler's own work (events, passes)
   * never takes exclusive's shortcut, since timers and callbacks started inside a queued task
   * inherit its context and would otherwise run beside the queue.
   */
  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(() => this.#inside.run(true, fn));
    this.#chain = p.catch(() => undefined);
    return p;
  }

  view(): ServicesView {
    return buildView({ states: this.#states, instances: this.#observed.forPlanner(), agents: this.#observed.agents(), plans: this.#plans, roles: this.#d.roles, nowMs: this.#d.now() });
  }

  commit(change: ServicesChange): Promise<void> {
    return this.exclusive(async () => {
      checkChange(change);
      await this.#d.store.apply({ services: change.put, removeServices: change.remove });
      for (const s of change.put) this.#states.set(s.id, s);
      for (const id of change.remove) {
        const gone = this.#states.get(id);
        if (gone) this.#removed.set(id, gone);
        this.#states.delete(id);
        this.#plans.delete(id);
      }
      this.#log.info({ put: change.put.map((s) => `${s.id}@${s.targetVersion}`), remove: change.remove }, 'services changed');
      await this.#pass();
    });
  }

  async #consume(driver: ServicesDriver): Promise<void> {
    for await (const e of driver.events()) {
      if (this.#stopped) break;
      await this.#enqueue(() => this.#handle(e)).catch((err: unknown) => this.#log.error({ err, event: e.type }, 'services event failed'));
    }
    if (!this.#stopped) this.#log.error({}, 'the connection to the master ended for good (torn down, or refused); services wait');
  }

  async #handle(e: ServicesEvent): Promise<void> {
    const now = this.#d.now();
    switch (e.type) {
      case 'subscribed':
        return this.#onSubscribed(e.frameworkId);
      case 'forgotten':
        return this.#onForgotten(e.frameworkId);
      case 'offers':
        this.#offers.add(e.offers, now);
        for (const o of e.offers) this.#observed.sawOffer(o);
        return this.#requestPass();
      case 'rescind':
        this.#offers.remove([e.offerId]);
        return;
      case 'update':
        return this.#onUpdate(e.status);
      case 'agent-notice': {
        const flags = e.notice === 'draining' ? { draining: true } : e.notice === 'undrained' ? { draining: false } : { underPressure: e.notice === 'pressure' };
        this.#log.info({ agentId: e.agentId, notice: e.notice }, 'agent notice');
        this.#observed.notice(e.agentId, flags, now);
        return this.#requestPass();
      }
      case 'agent-lost':
        this.#observed.notice(e.agentId, { unreachable: true }, now);
        return this.#requestPass();
      case 'disconnected':
        this.#log.warn({ reason: e.reason }, 'disconnected from the master');
        this.#subscribed = false;
        this.#offers.reset();
    }
  }

  async #onSubscribed(frameworkId: string): Promise<void> {
    if (frameworkId !== this.#frameworkId) {
      await this.#d.store.apply({ frameworkId });
      this.#frameworkId = frameworkId;
    }
    this.#subscribed = true;
    this.#offers.reset();
    const tasks = [...this.#observed.instances.values()].filter((t) => !isTerminal(t.state)).map((t) => ({ taskId: t.record.taskId, agentId: t.record.agentId }));
    this.#log.info({ frameworkId, reconciling: tasks.length }, 'subscribed');
    // Explicit reconciliation: every instance we may have launched gets its state from the master
    // (a launch it never took comes back unknown, and is replaced). Planning waits for the answers.
    if (tasks.length > 0) {
      this.#settleBy ??= this.#d.now() + SETTLE_MS;
      this.#driver?.reconcile(tasks).catch((err: unknown) => this.#log.warn({ err }, 'reconciliation failed'));
    }
    for (const t of this.#observed.instances.values()) if (t.killSentAtMs !== undefined) t.killSentAtMs = 0;
    await this.#pass();
  }

  /**
   * The master forgot the stored framework id, and killed its instances: the id is cleared, so a
   * restart now subscribes afresh too. The new subscription's reconciliation finds every instance
   * lost (unknown to the new framework), and the planner relaunches them to the declared counts.
   */
  async #onForgotten(frameworkId: string): Promise<void> {
    const instances = [...this.#observed.instances.values()].filter((t) => !isTerminal(t.state)).length;
    this.#log.warn({ frameworkId, instances }, 'the master forgot this framework (away longer than its failover timeout) and killed its instances: subscribing afresh, then relaunching them');
    await this.#d.store.apply({ frameworkId: '' });
    this.#frameworkId = undefined;
  }

  async #onUpdate(s: ServicesStatus): Promise<void> {
    if (!this.#observed.update(s, this.#d.now())) {
      // Not ours (any more): a task of a removed service whose record is gone. It should not run.
      if (!isTerminal(s.state)) this.#driver?.kill(s.taskId, s.agentId, 0).catch(() => undefined);
      return s.acknowledge();
    }
    this.#log.debug({ taskId: s.taskId, state: s.describe, healthy: s.healthy }, 'instance update');
    // An ending is acknowledged once the pass that saw it has written its effects (backoff, the
    // record's removal); anything else changes nothing stored.
    if (isTerminal(s.state)) this.#acks.push(() => s.acknowledge());
    else s.acknowledge();
    this.#requestPass();
  }

  /** Queues one planning pass behind whatever runs now; several requests make one pass. */
  #requestPass(): void {
    if (this.#passQueued || this.#stopped) return;
    this.#passQueued = true;
    void this.#enqueue(async () => {
      this.#passQueued = false;
      await this.#pass();
    }).catch((err: unknown) => this.#log.error({ err }, 'services planning failed'));
  }

  #settled(now: number): boolean {
    if (this.#settleBy === undefined) return true;
    // Also the first readiness answer of running instances: until then they would look unready,
    // and an upgrade would take serving instances of the old version for idle ones.
    const waiting = [...this.#observed.instances.values()].filter((t) => !isTerminal(t.state) && (!t.reported || (t.state === 'running' && t.ready === undefined && this.#readinessOf(t.record) !== undefined)));
    if (waiting.length === 0 || now >= this.#settleBy) {
      if (waiting.length > 0) this.#log.warn({ instances: waiting.map((t) => t.record.taskId) }, 'reconciliation did not answer for every instance; planning anyway');
      this.#settleBy = undefined;
      return true;
    }
    return false;
  }

  async #pass(): Promise<void> {
    if (this.#stopped) return;
    const now = this.#d.now();
    this.#syncReadiness();
    if (!this.#subscribed || !this.#settled(now)) return this.#arm(now, []);
    const instances = this.#observed.forPlanner();
    const results = planServices({ states: [...this.#states.values()], instances, agents: this.#observed.agents(), nowMs: now, options: this.#options });

    const wants: LaunchWant[] = [];
    const kills: { taskId: string; reason: string }[] = [];
    const changed: ServiceState[] = [];
    for (const { id, result } of results) {
      if (JSON.stringify(result.state) !== JSON.stringify(this.#states.get(id))) changed.push(result.state);
      for (const step of result.steps) {
        if (step.kind === 'launch') wants.push({ spec: specOf(result.state, step.version).spec, version: step.version, count: step.count });
        else if (step.kind === 'kill') kills.push(...step.instanceIds.map((taskId) => ({ taskId, reason: step.reason })));
        else if (step.kind === 'rollback') this.#log.warn({ serviceId: id, toVersion: step.toVersion, why: step.why }, 'rolling back');
      }
    }
    // Instances of services that no longer exist are killed, and so are those whose health
    // checks failed (as Marathon does; the agent only reports them).
    for (const i of instances) if (!this.#states.has(i.serviceId) && !isTerminal(i.state)) kills.push({ taskId: i.id, reason: 'service removed' });
    for (const u of this.#observed.unhealthy()) kills.push({ taskId: u.record.taskId, reason: 'failed its health checks' });
    const held = this.#offers.list();
    const plan = planLaunches(wants, held, instances, (id) => this.#observed.flagsOf(id), now);
    const ended = this.#observed.ended().map((t) => t.record.taskId);

    const change: ServicesStoreChange = { services: changed, instances: plan.records, removeInstances: ended };
    if (changed.length + plan.records.length + ended.length > 0) {
      try {
        await this.#d.store.apply(change);
      } catch (err) {
        this.#log.warn({ err }, 'could not write the plan; nothing launched, trying again');
        return this.#arm(now, results.map((r) => r.result), 1_000);
      }
    }
    for (const s of changed) this.#states.set(s.id, s);
    for (const { id, result } of results) this.#plans.set(id, result);
    this.#observed.forget(ended);
    for (const id of this.#removed.keys()) if (!instances.some((i) => i.serviceId === id && !ended.includes(i.id))) this.#removed.delete(id);
    for (const r of plan.records) this.#observed.track(r, true);
    for (const ack of this.#acks.splice(0)) ack();

    for (const l of plan.launches) {
      this.#offers.remove(l.offerIds);
      this.#log.info({ agentId: l.agentId, tasks: l.tasks.map((t) => t.taskId) }, 'launching');
      this.#driver?.launch(l.offerIds, l.tasks).catch((err: unknown) => {
        if (!this.#driver?.refused(err)) return;
        this.#log.warn({ tasks: l.tasks.map((t) => t.taskId), err: (err as Error).message }, 'launch refused; the instances are replaced');
        for (const t of l.tasks) this.#observed.end(t.taskId, 'dropped', this.#d.now());
        this.#requestPass();
      });
    }
    this.#stopper.stop(kills, now);
    if (this.#driver) {
      const deploying = results.some(({ result: r }) => r.deployment.deployment?.phase === 'running' || r.steps.some((st) => st.kind === 'launch'));
      this.#offers.answer(this.#driver, deploying, plan.unplaced, now);
    }
    this.#syncReadiness();
    this.#arm(now, results.map((r) => r.result));
  }

  #syncReadiness(): void {
    const targets = [];
    const address = new Map(this.#observed.agents().map((a) => [a.id, a.address]));
    for (const t of this.#observed.instances.values()) {
      if (t.state !== 'running' || t.ready === true) continue;
      const check = this.#readinessOf(t.record);
      const at = address.get(t.record.agentId);
      if (check) targets.push({ taskId: t.record.taskId, agentId: t.record.agentId, hostname: t.record.hostname, ...(at ? { address: at } : {}), ports: t.record.ports, check });
    }
    this.#readiness.sync(targets);
  }

  #specOf(r: InstanceRecord): ServiceSpec | undefined {
    const state = this.#states.get(r.serviceId) ?? this.#removed.get(r.serviceId);
    return state?.versions.find((v) => v.version === r.version)?.spec;
  }

  #readinessOf(r: InstanceRecord): ReadinessCheckSpec | undefined {
    return this.#specOf(r)?.readinessCheck;
  }

  /** Sets the timer for the earliest wake time the plans gave, held offers and kill re-sends. */
  #arm(now: number, results: PlanResult[], soonMs?: number): void {
    if (this.#stopped) return;
    const times = [now + (soonMs ?? MAX_SLEEP_MS)];
    for (const r of results) if (r.wakeAtMs !== undefined) times.push(r.wakeAtMs);
    times.push(...this.#offers.wakeTimes());
    times.push(...this.#stopper.wakeTimes());
    if (this.#settleBy !== undefined) times.push(this.#settleBy);
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = setTimeout(() => this.#requestPass(), Math.max(0, Math.min(...times) - now) + 1);
  }

  async #poll(): Promise<void> {
    if (this.#stopped) return;
    const startedAtMs = this.#d.now();
    try {
      this.#observed.setCluster(await this.#d.readCluster(), startedAtMs);
      this.#requestPass();
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'could not read the cluster state');
    }
    if (!this.#stopped) this.#pollTimer = setTimeout(() => void this.#poll(), this.#d.clusterPollMs);
  }
}
