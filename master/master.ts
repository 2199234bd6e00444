// The master: leadership (lease + epoch) decides whether it acts at all; the components it wires
// serve the agent and scheduler channels, run the allocator and persist every change that matters
// before it is acknowledged. Each component gets the few functions it needs, not the master.
import type { Logger } from 'pino';
import {
  BerthError,
  CloseCode,
  ErrorCode,
  HelloKind,
  type Channel,
  type HandshakeAnswer,
  type Res,
  type Route,
} from '../protocol/index.js';
import type { Authenticator } from '../protocol/auth/index.js';
import type { ExplainSubject, Explanation } from './allocator/types.js';
import { Accepts } from './accept.js';
import { AgentCalls } from './agent-calls.js';
import { AgentLiveness } from './agent-liveness.js';
import { AllocationCycle } from './allocation-cycle.js';
import { AuditLog } from './audit-log.js';
import { FrameworkSessions } from './framework-sessions.js';
import { LeaderLease, type Leadership } from './leader-lease.js';
import { LogRelay, type LogSink } from './log-relay.js';
import { Maintenance } from './maintenance.js';
import { OfferBook, type OfferEntry } from './offer-book.js';
import { compileMasterOptions, type CompiledMasterOptions, type MasterOptions } from './options.js';
import { OperatorCalls, type FrameworkDetail, type KillAnswer } from './operator-calls.js';
import { Outbox } from './outbox.js';
import { MAX_BATCH_CHANGES, Persister } from './persister.js';
import { StoreWrites } from './store-writes.js';
import { REGISTER_TASKS_PER_FRAME } from './registration-parts.js';
import { Registry } from './registry.js';
import { Roles } from './roles.js';
import { SchedulerCalls } from './scheduler-calls.js';
import { metricsView, stateView, summary, type FrameworkView, type MasterState, type MetricsView } from './state-view.js';
import type { LeaderInfo } from './store/cluster-store.js';
import type { RoleRecord, StateChange } from './store/records.js';
import { TaskEndings } from './task-endings.js';
import { WarmState } from './warm-state.js';

export type { Leadership } from './leader-lease.js';
export type { MasterOptions, CompiledMasterOptions } from './options.js';
export type { MasterState, TaskView } from './state-view.js';

/** How long a master taking over holds a Hello unanswered; well under the clients' 5 s handshake timeout. */
const HOLD_HELLO_MS = 2_000;

export class Master {
  readonly id: string;
  readonly url: string;
  /** Streams of task logs from agents to operators. */
  readonly logs: LogRelay;
  /** Operator changes, recorded with who made them (GET /api/v1/audit). */
  readonly audit: AuditLog;
  /** Who calls and what they may do (off without an auth config); the HTTP edge authenticates with it. */
  readonly auth: Authenticator;
  readonly counters = {
    allocationRuns: 0, offersMade: 0, offersDeclined: 0, offersRescinded: 0, launches: 0, statusUpdates: 0, duplicateUpdates: 0, allocationMs: 0, preemptions: 0,
  };
  /** Told how long each applied status update took, from its arrival to its forwarding (ms). */
  readonly statusUpdateObservers = new Set<(ms: number) => void>();
  #o: CompiledMasterOptions;
  #log: Logger;
  /** The state a standby loads while it takes over (./warm-state.ts). */
  #warm: WarmState;
  #reg: Registry;
  #offers = new OfferBook();
  #lease: LeaderLease;
  #persister: Persister;
  #outbox: Outbox;
  #cycle: AllocationCycle;
  #maintenance: Maintenance;
  #liveness: AgentLiveness;
  #sessions: FrameworkSessions;
  #agents: AgentCalls;
  #schedulers: SchedulerCalls;
  #roles: Roles;
  #operator: OperatorCalls;
  #timers = new Set<NodeJS.Timeout>();
  #onStepDown: ((reason: string) => void)[] = [];
  #channels = new Set<Channel>();

  /** Throws a BerthError listing every bad option (see compileMasterOptions). */
  constructor(options: MasterOptions) {
    const o = (this.#o = compileMasterOptions(options));
    this.id = o.masterId;
    this.url = o.url;
    this.auth = o.auth;
    const log = (this.#log = o.log.child({ component: 'master' }));
    const registry = (this.#reg = new Registry(o.completedTasksKept));
    const offers = this.#offers;
    const isLeading = (): boolean => this.#lease.holds();
    const persist = (...changes: StateChange[]): Promise<void> => this.#persister.persist(...changes);
    const triggerAllocation = (): void => this.#cycle.trigger();
    const rescindOffersOn = (agentId: string): void => {
      for (const offer of offers.ofAgent(agentId)) this.#rescind(offer);
    };
    const outbox = (this.#outbox = new Outbox({ registry, epoch: () => this.#lease.epoch }));
    const base = { registry, outbox, log, isLeading, persist, triggerAllocation, auth: o.auth, failpoints: o.failpoints };
    const writes = new StoreWrites();
    this.#persister = new Persister(o.store, () => this.#lease.epoch, (err) => this.#onStoreError(err), MAX_BATCH_CHANGES, writes);
    this.#roles = new Roles(base, o.roles);
    this.#cycle = new AllocationCycle({
      registry, offers, outbox, log, isLeading, settings: o, counters: this.counters,
      allocator: o.allocator,
      roles: this.#roles.config,
      rescind: (offer) => this.#rescind(offer),
    });
    this.#maintenance = new Maintenance({ ...base, rescindOffersOn });
    const endings = new TaskEndings(base);
    this.#liveness = new AgentLiveness({ ...base, endings, settings: o, rescindOffersOn });
    this.logs = new LogRelay((agentId, event) => outbox.toAgent(agentId, event));
    this.#agents = new AgentCalls({
      ...base, endings, observeStatusUpdate: (ms) => this.statusUpdateObservers.forEach((observe) => observe(ms)), liveness: this.#liveness, maintenance: this.#maintenance, logs: this.logs, counters: this.counters, settings: o,
    });
    this.#sessions = new FrameworkSessions({ ...base, offers, endings, settings: o });
    const accepts = new Accepts({ ...base, offers, endings, counters: this.counters });
    this.#schedulers = new SchedulerCalls({ ...base, offers, endings, sessions: this.#sessions, accepts, settings: o, counters: this.counters });
    this.#operator = new OperatorCalls({ ...base, offers, endings, sessions: this.#sessions, accepts });
    this.audit = new AuditLog(o.store, log.child({ component: 'audit' }));
    this.#warm = new WarmState(o.store);
    this.#lease = new LeaderLease(o.store, {
      masterId: this.id,
      url: this.url,
      leaseMs: o.leaseMs,
      presence: o.presence,
      log,
      failpoints: o.failpoints,
      writes,
      elected: (epoch) => this.#becomeLeader(epoch),
      lost: (reason) => this.#stepDown(reason),
      // A standby about to take over loads the state meanwhile; one that stops (the leader came back) lets it go.
      takingOver: (on) => (on ? this.#warm.prepare() : this.#warm.drop()),
    });
  }

  get epoch(): number {
    return this.#lease.epoch;
  }

  get leadership(): Leadership {
    return this.#lease.state;
  }

  /** The allocation cycle's runs by kind and the agents they visited (for metrics). */
  get allocationStats(): { readonly fullRuns: number; readonly changedRuns: number; readonly agentsVisited: number } {
    return this.#cycle.stats;
  }

  get leader(): LeaderInfo | null {
    return this.#lease.leader;
  }

  /** Whether the store takes this master's writes: false from the first failed write or renewal until one of either succeeds. */
  storeHealth(): { writable: boolean; failingSinceMs: number | null } {
    const since = this.#persister.writes.failingSinceMs;
    return { writable: since === null, failingSinceMs: since };
  }

  /** Called once when this master stops leading (fenced or lease lost). */
  onStepDown(handler: (reason: string) => void): void {
    this.#onStepDown.push(handler);
  }

  // ---------------------------------------------------------------------------------------------
  // Leadership

  /** Campaigns for the lease; leads at once when elected, else waits as a standby. */
  async start(): Promise<void> {
    await this.#lease.start();
    const t = setInterval(() => this.#cycle.run(), this.#o.allocationIntervalMs);
    t.unref();
    this.#timers.add(t);
  }

  async stop(): Promise<void> {
    this.#clearTimers();
    for (const c of this.#channels) c.close(CloseCode.SHUTDOWN, 'master is shutting down');
    await this.#lease.stop();
  }

  async #becomeLeader(epoch: number): Promise<void> {
    const { state, early } = await this.#warm.take();
    this.#reg.load(state);
    this.#roles.load(state.roles);
    const windowMs = this.#o.failoverReregisterTimeoutMs;
    for (const agent of this.#reg.agents.values()) {
      if (agent.record.state === 'unreachable') this.#liveness.armGone(agent);
      else this.#liveness.awaitReregistration(agent, windowMs, this.#o.agentReregisterTimeoutMs);
      if (agent.record.draining) this.#maintenance.armDrainDeadline(agent);
    }
    // A master failover never counts against a framework's own failover timeout: every loaded
    // framework gets at least the window agents get to find the new leader.
    for (const framework of this.#reg.frameworks.values()) {
      this.#sessions.armFailover(framework, Math.max(framework.record.info.failoverTimeoutMs, windowMs));
    }
    this.#log.info({ epoch, agents: state.agents.length, frameworks: state.frameworks.length, tasks: state.tasks.length, loadedAhead: early }, 'leading');
  }

  #stepDown(reason: string): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers.clear();
    for (const c of this.#channels) c.close(CloseCode.NOT_LEADER, 'this master stepped down; reconnect to find the leader');
    for (const h of this.#onStepDown) h(reason);
  }

  #clearTimers(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers.clear();
    this.#liveness.stop();
    this.#sessions.stop();
  }

  #onStoreError(err: unknown): void {
    if (err instanceof BerthError && err.code === ErrorCode.FENCED) this.#lease.stepDown(`fenced: ${err.message}`);
    else this.#log.error({ err }, 'store write failed');
  }

  #rescind(offer: OfferEntry): void {
    this.counters.offersRescinded++;
    this.#offers.remove(offer.id);
    this.#outbox.rescind(offer.frameworkId, offer.id);
    this.#cycle.trigger();
  }

  // ---------------------------------------------------------------------------------------------
  // Channel routes

  /**
   * While leadership is passing to this master (./leader-lease.ts, takingOver) a Hello is held
   * until it leads, for at most HOLD_HELLO_MS, rather than refused: agents and frameworks are
   * welcomed the moment it can serve them instead of after their next backoff step.
   */
  #handshake(): HandshakeAnswer | Promise<HandshakeAnswer> {
    if (!this.#lease.takingOver) return this.#answerHello();
    return (async () => {
      const until = performance.now() + HOLD_HELLO_MS;
      for (let left = HOLD_HELLO_MS; this.#lease.takingOver && left > 0; left = until - performance.now()) await this.#lease.changed(left);
      return this.#answerHello();
    })();
  }

  #answerHello(): HandshakeAnswer {
    if (this.#lease.state !== 'leading') {
      const current = this.#lease.leader;
      // Elected and still loading the registry: it names itself, so clients ask it again shortly.
      if (current?.masterId === this.id && this.#lease.state === 'starting') return { refuse: { code: CloseCode.NOT_LEADER, reason: 'taking over as leader; retry shortly', leaderUrl: this.url } };
      const leader = current && current.masterId !== this.id ? current.url : '';
      return { refuse: { code: CloseCode.NOT_LEADER, reason: leader ? `leader is ${leader}` : 'no leader elected yet; retry', ...(leader ? { leaderUrl: leader } : {}) } };
    }
    return { welcome: { masterId: this.id, epoch: this.#lease.epoch, heartbeatIntervalMs: this.#o.heartbeatIntervalMs } };
  }

  agentRoute(): Route {
    // Agents with more tasks than one frame holds send them in parts of this many.
    const parts = (answer: HandshakeAnswer): HandshakeAnswer => ('welcome' in answer ? { welcome: { ...answer.welcome, registerTasksPerFrame: REGISTER_TASKS_PER_FRAME } } : answer);
    const handshake = (): HandshakeAnswer | Promise<HandshakeAnswer> => {
      const answer = this.#handshake();
      return answer instanceof Promise ? answer.then(parts) : parts(answer);
    };
    return { kind: HelloKind.AGENT, handshake, opened: (channel, _hello, principal) => this.#track(channel, () => this.#agents.serve(channel, principal)) };
  }

  schedulerRoute(): Route {
    return { kind: HelloKind.SCHEDULER, handshake: () => this.#handshake(), opened: (channel, _hello, principal) => this.#track(channel, () => this.#schedulers.serve(channel, principal)) };
  }

  #track(channel: Channel, serve: () => void): void {
    this.#channels.add(channel);
    channel.onClose(() => this.#channels.delete(channel));
    serve();
  }

  // ---------------------------------------------------------------------------------------------
  // Operator API

  drain(agentId: string, deadlineMs: number): Promise<{ agentId: string; deadlineMs: number }> {
    return this.#maintenance.drain(agentId, deadlineMs);
  }

  undrain(agentId: string): Promise<{ agentId: string }> {
    return this.#maintenance.undrain(agentId);
  }

  /** Streams a task's logs (live or recently ended) from its agent into sink; returns a cancel function. */
  taskLogs(taskId: string, options: { follow: boolean; tail: number }, sink: LogSink): () => void {
    const task = this.#reg.tasks.get(taskId) ?? this.#reg.completed.get(taskId);
    if (!task) throw new BerthError(ErrorCode.TASK_UNKNOWN, `task ${taskId} is unknown to this master; see berth state`, { field: 'task' });
    return this.logs.start(task.agentId, taskId, options, sink);
  }

  /** An operator's kill (reason KILLED_BY_OPERATOR); durable before it is sent, idempotent. */
  killTask(taskId: string): Promise<KillAnswer> {
    return this.#operator.kill(taskId);
  }

  frameworks(): FrameworkView[] {
    return this.#operator.frameworks();
  }

  framework(id: string): FrameworkDetail {
    return this.#operator.framework(id);
  }

  /** An operator's teardown (reason TEARDOWN_BY_OPERATOR): its tasks are killed and forgotten. */
  teardownFramework(id: string): Promise<{ frameworkId: string; tasksKilled: number }> {
    return this.#operator.teardown(id);
  }

  /** The roles of a framework, or the role of a task (live or recently ended); undefined when unknown. */
  rolesOf(subject: { frameworkId: string } | { taskId: string }): readonly string[] | undefined {
    if ('frameworkId' in subject) return this.#reg.frameworks.get(subject.frameworkId)?.record.info.roles;
    const task = this.#reg.tasks.get(subject.taskId) ?? this.#reg.completed.get(subject.taskId);
    return task ? [task.role] : undefined;
  }

  /** Every configured role with its weight, quota and what its frameworks hold now. */
  roles(): { name: string; weight: number; quotaGuarantee?: Res | undefined; quotaLimit?: Res | undefined; allocated: Res }[] {
    return this.#roles.view();
  }

  /** Sets a role's weight and quota; persisted before it takes effect. */
  setRole(name: string, body: unknown): Promise<RoleRecord> {
    return this.#roles.set(name, body);
  }

  deleteRole(name: string): Promise<{ deleted: string }> {
    return this.#roles.delete(name);
  }

  /** Why a framework or role gets what it gets, from the allocator's point of view, now. */
  explain(subject: ExplainSubject): Explanation {
    if ('frameworkId' in subject && !this.#reg.frameworks.has(subject.frameworkId)) {
      throw new BerthError(ErrorCode.FRAMEWORK_UNKNOWN, `framework ${subject.frameworkId} is unknown`, { field: 'framework' });
    }
    return this.#cycle.explain(subject);
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  /** What the metrics need, counted from the registry without building the state view. */
  metricsView(): MetricsView {
    return metricsView(this.#reg);
  }

  /** Cheap counts for health checks (no per-task work). */
  summary(): { agents: number; agentsConnected: number; frameworks: number; tasks: number } {
    return summary(this.#reg);
  }

  /** The whole state as plain JSON for the operator API. */
  state(): MasterState {
    return stateView({
      masterId: this.id,
      url: this.url,
      leadership: this.#lease.state,
      epoch: this.#lease.epoch,
      leader: this.#lease.leader,
      registry: this.#reg,
      offers: this.#offers,
      counters: { ...this.counters, persistBatches: this.#persister.stats.batches, persistedChanges: this.#persister.stats.changes },
    });
  }
}
