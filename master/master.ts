// The master: holds the registry of agents, frameworks, offers and tasks; serves the agent and
// scheduler channels; runs the allocator; persists every change that matters before it is
// acknowledged. Leadership (lease + epoch) decides whether it acts at all.
import type { Logger } from 'pino';
import {
  BerthError,
  CloseCode,
  ErrorCode,
  HelloKind,
  StatusSource,
  TaskReason,
  TaskState,
  canTransition,
  checkId,
  isTerminal,
  newId,
  newUuid,
  pb,
  resources,
  stateName,
  type AgentInfo,
  type Channel,
  type FrameworkInfo,
  type HandshakeAnswer,
  type Hello,
  type Res,
  type Route,
  type TaskInfo,
  type TaskStatus,
} from '../protocol/index.js';
import type { Allocator, ExplainSubject, Explanation, RoleConfig } from './allocator/types.js';
import { AllocationCycle } from './allocation-cycle.js';
import { Maintenance } from './maintenance.js';
import { byRole } from './availability.js';
import { ROLE_RULE, parseRole, roleConfig } from './role-config.js';
import { DrfAllocator } from './allocator/drf-allocator.js';
import { compact } from './compact.js';
import { LogRelay, type LogSink } from './log-relay.js';
import { MarkLimiter } from './mark-limiter.js';
import { OfferBook, type OfferEntry } from './offer-book.js';
import { Persister } from './persister.js';
import { LeaderLease, type Leadership } from './leader-lease.js';
import { Registry, agentEntry, frameworkEntry, refreshAgent, type AgentEntry, type FrameworkEntry } from './registry.js';
import { stateView, type MasterState } from './state-view.js';
import type { ClusterStore, LeaderInfo } from './store/cluster-store.js';
import type { AgentRecord, FrameworkRecord, RoleRecord, StateChange, TaskRecord } from './store/records.js';
import { planAccept, type ReservationChange } from './validate-accept.js';

export type { Leadership } from './leader-lease.js';
export type { MasterState, TaskView } from './state-view.js';

export interface MasterOptions {
  masterId: string;
  /** The URL agents and frameworks use to reach this master (ws://host:port). */
  url: string;
  store: ClusterStore;
  log: Logger;
  allocator?: Allocator;
  roles?: ReadonlyMap<string, RoleConfig>;
  allocationIntervalMs?: number;
  /**
   * Triggered runs (an accept, a freed task) wait until at least this long after the previous run,
   * so a burst of triggers costs a few runs, not one run over every agent per trigger.
   */
  allocationMinGapMs?: number;
  /** Offers not answered in this time are rescinded (0 = never). */
  offerTimeoutMs?: number;
  /** refuseSeconds used by a DECLINE that gives none (Mesos' default is 5 s). */
  defaultRefuseSeconds?: number;
  minOffer?: { cpus: number; memMb: number };
  /** How long a disconnected agent has to come back before it is marked unreachable. */
  agentReregisterTimeoutMs?: number;
  /** The same after a failover, for every agent the new leader loaded (they all reconnect at once). */
  failoverReregisterTimeoutMs?: number;
  /** How long an unreachable agent may stay away before it is removed and its tasks are GONE. */
  agentGoneTimeoutMs?: number;
  /** At most this fraction of the agents (at least one) is marked unreachable per window. */
  unreachableRateFraction?: number;
  unreachableRateWindowMs?: number;
  /** Heartbeat interval the master announces in Welcome. */
  heartbeatIntervalMs?: number;
  leaseMs?: number;
  /** Terminal tasks kept after acknowledgement, for reconciliation answers. */
  completedTasksKept?: number;
}

type Settings = Required<Omit<MasterOptions, 'allocator' | 'roles' | 'store' | 'log' | 'masterId' | 'url'>>;

const DEFAULTS: Settings = {
  allocationIntervalMs: 1_000,
  allocationMinGapMs: 20,
  offerTimeoutMs: 60_000,
  defaultRefuseSeconds: 5,
  minOffer: { cpus: 0.01, memMb: 32 },
  agentReregisterTimeoutMs: 5_000,
  failoverReregisterTimeoutMs: 15_000,
  agentGoneTimeoutMs: 600_000,
  unreachableRateFraction: 0.1,
  unreachableRateWindowMs: 60_000,
  heartbeatIntervalMs: 5_000,
  leaseMs: 10_000,
  completedTasksKept: 10_000,
};


export class Master {
  readonly id: string;
  readonly url: string;
  #o: Settings;
  #store: ClusterStore;
  #log: Logger;
  #cycle: AllocationCycle;
  #maintenance: Maintenance;
  #roles: Map<string, RoleConfig>;
  #persister: Persister;
  #reg: Registry;
  #lease: LeaderLease;
  #offers = new OfferBook();
  #timers = new Set<NodeJS.Timeout>();
  #onStepDown: ((reason: string) => void)[] = [];
  #channels = new Set<Channel>();
  #markLimiter: MarkLimiter;
  /** Streams of task logs from agents to operators. */
  readonly logs: LogRelay;
  /** Agents whose grace ran out, waiting for the rate limiter to mark them unreachable. */
  #markQueue = new Set<string>();
  #markTimer: NodeJS.Timeout | undefined;
  readonly counters = { allocationRuns: 0, offersMade: 0, launches: 0, statusUpdates: 0, duplicateUpdates: 0, allocationMs: 0, preemptions: 0 };

  constructor(options: MasterOptions) {
    this.id = options.masterId;
    this.url = options.url;
    this.#store = options.store;
    this.#log = options.log.child({ component: 'master' });
    this.#roles = new Map(options.roles ?? []);
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.#o = { ...DEFAULTS, ...given } as Settings;
    this.#reg = new Registry(this.#o.completedTasksKept);
    this.#cycle = new AllocationCycle({
      registry: this.#reg,
      offers: this.#offers,
      allocator: options.allocator ?? new DrfAllocator(),
      roles: this.#roles,
      settings: this.#o,
      counters: this.counters,
      log: this.#log,
      epoch: () => this.#lease.epoch,
      isLeading: () => this.#isLeading(),
      rescind: (offer) => this.#rescind(offer),
    });
    this.#maintenance = new Maintenance({
      registry: this.#reg,
      log: this.#log,
      epoch: () => this.#lease.epoch,
      isLeading: () => this.#isLeading(),
      persist: (...changes) => this.#persister.persist(...changes),
      rescindOffersOn: (agentId) => {
        for (const offer of this.#offers.ofAgent(agentId)) this.#rescind(offer);
      },
      triggerAllocation: () => this.#cycle.trigger(),
    });
    this.#markLimiter = new MarkLimiter(this.#o.unreachableRateFraction, this.#o.unreachableRateWindowMs);
    this.logs = new LogRelay((agentId, event) =>
      this.#reg.agents.get(agentId)?.channel?.send({ agentEvent: { ...event, epoch: this.#lease.epoch } }) ?? false);
    this.#persister = new Persister(this.#store, () => this.#lease.epoch, (err) => this.#onStoreError(err));
    this.#lease = new LeaderLease(this.#store, {
      masterId: this.id,
      url: this.url,
      leaseMs: this.#o.leaseMs,
      log: this.#log,
      elected: (epoch) => this.#becomeLeader(epoch),
      lost: (reason) => this.#stepDown(reason),
    });
  }

  get epoch(): number {
    return this.#lease.epoch;
  }

  get leadership(): Leadership {
    return this.#lease.state;
  }

  get leader(): LeaderInfo | null {
    return this.#lease.leader;
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
    this.#every(this.#o.allocationIntervalMs, () => this.#cycle.run());
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers.clear();
    for (const a of this.#reg.agents.values()) {
      clearTimeout(a.lostTimer);
      clearTimeout(a.drainTimer);
    }
    clearTimeout(this.#markTimer);
    for (const f of this.#reg.frameworks.values()) clearTimeout(f.failoverTimer);
    for (const c of this.#channels) c.close(CloseCode.SHUTDOWN, 'master is shutting down');
    await this.#lease.stop();
  }

  async #becomeLeader(epoch: number): Promise<void> {
    const state = await this.#store.load();
    this.#reg.load(state);
    // Roles set through the API were persisted and win over the ones given as flags.
    for (const r of state.roles) this.#roles.set(r.name, roleConfig(r));
    for (const agent of this.#reg.agents.values()) {
      if (agent.record.state === 'unreachable') this.#armAgentGone(agent);
      else this.#armAgentLost(agent, this.#o.failoverReregisterTimeoutMs);
      if (agent.record.draining) this.#maintenance.armDrainDeadline(agent);
    }
    for (const framework of this.#reg.frameworks.values()) this.#armFailover(framework);
    this.#log.info({ epoch, agents: state.agents.length, frameworks: state.frameworks.length, tasks: state.tasks.length }, 'leading');
  }

  #isLeading(): boolean {
    return this.#lease.holds();
  }

  #stepDown(reason: string): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers.clear();
    for (const c of this.#channels) c.close(CloseCode.NOT_LEADER, 'this master stepped down; reconnect to find the leader');
    for (const h of this.#onStepDown) h(reason);
  }

  #onStoreError(err: unknown): void {
    if (err instanceof BerthError && err.code === ErrorCode.FENCED) this.#lease.stepDown(`fenced: ${err.message}`);
    else this.#log.error({ err }, 'store write failed');
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#timers.add(t);
  }

  // ---------------------------------------------------------------------------------------------
  // Channel routes

  #handshake(hello: Hello): HandshakeAnswer {
    if (this.#lease.state !== 'leading') {
      const current = this.#lease.leader;
      const leader = current && current.masterId !== this.id ? current.url : '';
      return { refuse: { code: CloseCode.NOT_LEADER, reason: leader ? `leader is ${leader}` : 'no leader elected yet; retry' } };
    }
    void hello;
    return { welcome: { masterId: this.id, epoch: this.#lease.epoch, heartbeatIntervalMs: this.#o.heartbeatIntervalMs } };
  }

  agentRoute(): Route {
    return {
      kind: HelloKind.AGENT,
      handshake: (hello) => this.#handshake(hello),
      opened: (channel) => this.#track(channel, () => this.#serveAgent(channel)),
    };
  }

  schedulerRoute(): Route {
    return {
      kind: HelloKind.SCHEDULER,
      handshake: (hello) => this.#handshake(hello),
      opened: (channel) => this.#track(channel, () => this.#serveScheduler(channel)),
    };
  }

  #track(channel: Channel, serve: () => void): void {
    this.#channels.add(channel);
    channel.onClose(() => this.#channels.delete(channel));
    serve();
  }

  // ---------------------------------------------------------------------------------------------
  // Agents

  #serveAgent(channel: Channel): void {
    let agent: AgentEntry | undefined;
    channel.onMessage((envelope) => {
      const call = envelope.agentCall;
      if (!call) return this.#agentError(channel, ErrorCode.INVALID_CALL, 'expected an AgentCall', 'body');
      if (!this.#isLeading()) return;
      if (call.register) {
        void this.#registerAgent(channel, call.register).then(
          (entry) => (agent = entry),
          (err: unknown) => this.#agentFailure(channel, err),
        );
      } else if (call.update) {
        if (!agent || agent.channel !== channel) {
          return this.#agentError(channel, ErrorCode.NOT_SUBSCRIBED, 'register before sending updates', 'update');
        }
        const entry = agent;
        void this.#agentUpdate(entry, call.update.status ?? {}).catch((err: unknown) => this.#agentFailure(channel, err));
      } else if (call.usage) {
        if (agent && agent.channel === channel) this.#maintenance.usage(agent, call.usage);
      } else if (call.logLines) {
        if (agent && agent.channel === channel) this.logs.receive(agent.record.id, call.logLines);
      } else {
        this.#agentError(channel, ErrorCode.INVALID_CALL, 'unknown agent call', 'call');
      }
    });
    channel.onClose((code, reason) => {
      if (agent && agent.channel === channel) this.#agentDisconnected(agent, `${code} ${reason}`);
    });
  }

  #agentError(channel: Channel, code: ErrorCode, message: string, field: string): void {
    channel.send({ agentEvent: { epoch: this.#lease.epoch, error: { code, message, field } } });
  }

  #agentFailure(channel: Channel, err: unknown): void {
    const e = err instanceof BerthError ? err : new BerthError(ErrorCode.INTERNAL, 'internal error', { cause: err });
    if (e.code === ErrorCode.INTERNAL) this.#log.error({ err }, 'agent call failed');
    this.#agentError(channel, e.code, e.message, e.field);
  }

  async #registerAgent(channel: Channel, register: pb.AgentCall.Register.$Properties): Promise<AgentEntry> {
    const info = pb.AgentInfo.toObject(pb.AgentInfo.fromObject(register.agent ?? {})) as AgentInfo;
    const problems = resources.validate(info.resources, 'register.agent.resources');
    if (!info.hostname) problems.push('register.agent.hostname must not be empty');
    if (register.agentId) {
      const idProblem = checkId(register.agentId, 'register.agent_id');
      if (idProblem) problems.push(idProblem);
    }
    if (problems.length > 0) {
      this.#agentError(channel, ErrorCode.INVALID_RESOURCES, problems.join('; '), 'register.agent');
      channel.close(CloseCode.POLICY, 'invalid registration');
      throw new BerthError(ErrorCode.INVALID_RESOURCES, problems.join('; '));
    }
    const known = register.agentId ? this.#reg.agents.get(register.agentId) : undefined;
    const id = register.agentId || newId('agent');
    if (known?.channel && known.channel !== channel) known.channel.close(CloseCode.REPLACED, 'the agent registered again on another connection');
    const record: AgentRecord = {
      id,
      info,
      registeredAtMs: known?.record.registeredAtMs ?? Date.now(),
      state: 'active',
      unreachableSinceMs: undefined,
      draining: known?.record.draining,
      dynamicReservations: known?.record.dynamicReservations,
    };
    const entry = known ?? agentEntry(record);
    entry.record = record;
    refreshAgent(entry);
    entry.channel = channel;
    clearTimeout(entry.lostTimer);
    entry.lostTimer = undefined;
    this.#markQueue.delete(id);
    this.#reg.agents.set(id, entry);

    const changes: StateChange[] = [{ type: 'agent.put', agent: record }];
    const deliveries: TaskStatus[] = [];
    const reported = new Set<string>();
    for (const report of register.tasks ?? []) {
      const taskId = report.task?.taskId;
      if (!taskId) continue;
      reported.add(taskId);
      const change = this.#reconcileReported(entry, report, deliveries);
      if (change) changes.push(change);
    }
    for (const taskId of [...entry.tasks]) {
      const task = this.#reg.tasks.get(taskId);
      if (!task || reported.has(taskId) || isTerminal(task.status.state ?? 0)) continue;
      const state = task.status.state === TaskState.TASK_STAGING ? TaskState.TASK_DROPPED : TaskState.TASK_LOST;
      const status = this.#masterStatus(task, state, 'TASK_NOT_REPORTED_BY_AGENT', 'the agent re-registered without this task');
      this.#applyStatus(task, status);
      changes.push({ type: 'task.put', task });
      deliveries.push(status);
    }
    await this.#persister.persist(...changes);
    channel.send({ agentEvent: { epoch: this.#lease.epoch, registered: { agentId: id } } });
    // The host rebooted: whatever its previous agent ran is gone, no need to wait for it.
    const previous = register.previousAgentId ? this.#reg.agents.get(register.previousAgentId) : undefined;
    if (previous && previous !== entry && !previous.channel) await this.#agentGone(previous, TaskReason.AGENT_REMOVED);
    for (const status of deliveries) this.#deliver(status);
    this.#log.info({ agentId: id, hostname: info.hostname, reregistered: Boolean(known), tasks: reported.size }, 'agent registered');
    this.#cycle.trigger();
    return entry;
  }

  /** Folds one task an agent reported at registration into the registry. */
  #reconcileReported(agent: AgentEntry, report: pb.TaskReport.$Properties, deliveries: TaskStatus[]): StateChange | undefined {
    const info = compact(pb.TaskInfo.toObject(pb.TaskInfo.fromObject(report.task ?? {})) as TaskInfo);
    const taskId = info.taskId as string;
    const status = compact(pb.TaskStatus.toObject(pb.TaskStatus.fromObject(report.status ?? {})) as TaskStatus);
    const known = this.#reg.tasks.get(taskId);
    if (!known) {
      const completed = this.#reg.completed.get(taskId);
      if (completed || !this.#reg.frameworks.has(report.frameworkId ?? '')) {
        // The master already ended this task, or its framework is gone: the agent must stop it.
        agent.channel?.send({
          agentEvent: { epoch: this.#lease.epoch, killTask: { frameworkId: report.frameworkId ?? '', taskId, reason: 'TASK_UNKNOWN_TO_MASTER' } },
        });
        return undefined;
      }
      const framework = this.#reg.frameworks.get(report.frameworkId ?? '') as FrameworkEntry;
      const task: TaskRecord = {
        taskId,
        frameworkId: framework.record.id,
        agentId: agent.record.id,
        info,
        status: { ...status, taskId, agentId: agent.record.id, frameworkId: framework.record.id },
        appliedUuids: status.uuid ? [status.uuid] : [],
        launchedAtMs: Date.now(),
        role: framework.record.info.roles?.[0] ?? '*',
      };
      this.#reg.index(task);
      return { type: 'task.put', task };
    }
    const state = status.state ?? 0;
    if (isTerminal(known.status.state ?? 0) && !isTerminal(state)) {
      // Ended here (LOST while its agent was away, say) but still running there: stop it.
      agent.channel?.send({
        agentEvent: { epoch: this.#lease.epoch, killTask: { frameworkId: known.frameworkId, taskId, reason: TaskReason.TASK_UNKNOWN_TO_MASTER } },
      });
      return undefined;
    }
    if (state === known.status.state) return undefined;
    // An update seen before is not applied twice, except to bring a task back from UNREACHABLE
    // (the master made that state up; the agent's own latest word wins).
    const seen = Boolean(status.uuid && known.appliedUuids.includes(status.uuid));
    if (seen && known.status.state !== TaskState.TASK_UNREACHABLE) return undefined;
    if (canTransition(known.status.state ?? 0, state)) {
      const next = { ...status, taskId, agentId: agent.record.id, frameworkId: known.frameworkId, source: StatusSource.AGENT };
      this.#applyStatus(known, next);
      deliveries.push(next);
      return { type: 'task.put', task: known };
    }
    return undefined;
  }

  async #agentUpdate(agent: AgentEntry, raw: TaskStatus): Promise<void> {
    const status = compact(pb.TaskStatus.toObject(pb.TaskStatus.fromObject(raw)) as TaskStatus);
    const taskId = status.taskId ?? '';
    const uuid = status.uuid ?? '';
    const ack = (): void => {
      agent.channel?.send({ agentEvent: { epoch: this.#lease.epoch, acknowledge: { taskId, uuid } } });
    };
    if (!taskId || !uuid) {
      return this.#agentError(agent.channel as Channel, ErrorCode.INVALID_CALL, 'update.status needs task_id and uuid', 'update.status');
    }
    this.counters.statusUpdates++;
    const task = this.#reg.tasks.get(taskId);
    if (!task || task.agentId !== agent.record.id) {
      // Ended and acknowledged already, or never ours: acknowledge so the agent stops re-sending.
      this.#log.debug({ taskId, agentId: agent.record.id }, 'update for a task not live on this agent');
      return ack();
    }
    if (task.appliedUuids.includes(uuid)) {
      // Seen before, so not applied again; but its first write may have failed (the store was
      // down), so the record is written again before the acknowledgement: an ack always means durable.
      this.counters.duplicateUpdates++;
      await this.#persister.persist({ type: 'task.put', task });
      return ack();
    }
    const from = task.status.state ?? 0;
    const to = status.state ?? 0;
    if (!canTransition(from, to)) {
      this.#log.warn({ taskId, from: stateName(from), to: stateName(to) }, 'illegal task transition ignored');
      return ack();
    }
    const next: TaskStatus = { ...status, agentId: agent.record.id, frameworkId: task.frameworkId, source: StatusSource.AGENT };
    this.#applyStatus(task, next);
    await this.#persister.persist({ type: 'task.put', task });
    ack();
    this.#deliver(next);
  }

  #agentDisconnected(agent: AgentEntry, why: string): void {
    agent.channel = undefined;
    this.logs.agentGone(agent.record.id);
    this.#log.warn({ agentId: agent.record.id, why }, 'agent disconnected');
    for (const offer of this.#offers.ofAgent(agent.record.id)) this.#rescind(offer);
    this.#armAgentLost(agent, this.#o.agentReregisterTimeoutMs);
  }

  /** After a disconnect: the agent has graceMs to come back before it is queued for marking. */
  #armAgentLost(agent: AgentEntry, graceMs: number): void {
    clearTimeout(agent.lostTimer);
    agent.lostTimer = setTimeout(() => {
      if (agent.channel || !this.#isLeading()) return;
      this.#markQueue.add(agent.record.id);
      this.#markUnreachableQueued();
    }, graceMs);
    agent.lostTimer.unref();
  }

  /** Marks queued agents unreachable as fast as the limiter allows; the rest wait their turn. */
  #markUnreachableQueued(): void {
    clearTimeout(this.#markTimer);
    for (const agentId of this.#markQueue) {
      const agent = this.#reg.agents.get(agentId);
      if (!agent || agent.channel) {
        this.#markQueue.delete(agentId);
        continue;
      }
      if (!this.#markLimiter.tryTake(this.#reg.agents.size, Date.now())) {
        this.#log.warn({ waiting: this.#markQueue.size }, 'many agents lost at once; marking them unreachable slowly');
        this.#markTimer = setTimeout(() => this.#markUnreachableQueued(), Math.max(10, this.#markLimiter.nextFreeAtMs() - Date.now()));
        this.#markTimer.unref();
        return;
      }
      this.#markQueue.delete(agentId);
      void this.#markUnreachable(agent).catch((err: unknown) => this.#log.error({ err }, 'marking an agent unreachable failed'));
    }
  }

  /**
   * The agent did not come back: its tasks become UNREACHABLE for partition-aware frameworks (they
   * may come back with it) and LOST for the others; their resources leave the allocation.
   */
  async #markUnreachable(agent: AgentEntry): Promise<void> {
    if (agent.channel || !this.#isLeading()) return;
    const now = Date.now();
    agent.record = { ...agent.record, state: 'unreachable', unreachableSinceMs: now };
    const changes: StateChange[] = [{ type: 'agent.put', agent: agent.record }];
    const deliveries: TaskStatus[] = [];
    for (const taskId of [...agent.tasks]) {
      const task = this.#reg.tasks.get(taskId);
      if (!task || isTerminal(task.status.state ?? 0) || task.status.state === TaskState.TASK_UNREACHABLE) continue;
      const aware = Boolean(this.#reg.frameworks.get(task.frameworkId)?.record.info.partitionAware);
      const status = this.#masterStatus(task, aware ? TaskState.TASK_UNREACHABLE : TaskState.TASK_LOST, TaskReason.AGENT_UNREACHABLE,
        `agent ${agent.record.id} did not come back within its grace period`);
      this.#applyStatus(task, status);
      changes.push({ type: 'task.put', task });
      deliveries.push(status);
    }
    await this.#persister.persist(...changes);
    for (const s of deliveries) this.#deliver(s);
    this.#log.warn({ agentId: agent.record.id, tasks: deliveries.length }, 'agent unreachable');
    this.#armAgentGone(agent);
  }

  /** An unreachable agent that stays away is removed; its unreachable tasks are GONE. */
  #armAgentGone(agent: AgentEntry): void {
    clearTimeout(agent.lostTimer);
    const since = agent.record.unreachableSinceMs ?? Date.now();
    agent.lostTimer = setTimeout(() => void this.#agentGone(agent).catch((err: unknown) => this.#log.error({ err }, 'agent removal failed')),
      Math.max(0, since + this.#o.agentGoneTimeoutMs - Date.now()));
    agent.lostTimer.unref();
  }

  async #agentGone(agent: AgentEntry, reason: string = TaskReason.AGENT_REMOVED): Promise<void> {
    if (agent.channel || !this.#isLeading()) return;
    const changes: StateChange[] = [{ type: 'agent.delete', agentId: agent.record.id }];
    const deliveries: TaskStatus[] = [];
    for (const taskId of [...agent.tasks]) {
      const task = this.#reg.tasks.get(taskId);
      if (!task || isTerminal(task.status.state ?? 0)) continue;
      const aware = Boolean(this.#reg.frameworks.get(task.frameworkId)?.record.info.partitionAware);
      const status = this.#masterStatus(task, aware ? TaskState.TASK_GONE : TaskState.TASK_LOST, reason, `agent ${agent.record.id} was removed`);
      this.#applyStatus(task, status);
      changes.push({ type: 'task.put', task });
      deliveries.push(status);
    }
    clearTimeout(agent.lostTimer);
    clearTimeout(agent.drainTimer);
    this.#reg.agents.delete(agent.record.id);
    await this.#persister.persist(...changes);
    for (const s of deliveries) this.#deliver(s);
    for (const f of this.#reg.frameworks.values()) f.channel?.send({ schedulerEvent: { agentLost: { agentId: agent.record.id } } });
    this.#log.warn({ agentId: agent.record.id, tasks: deliveries.length, reason }, 'agent removed');
  }

  // ---------------------------------------------------------------------------------------------
  // Maintenance and logs

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

  // ---------------------------------------------------------------------------------------------
  // Tasks

  /** Moves a task to a new status in memory; when it ends, the allocator runs for its resources. */
  #applyStatus(task: TaskRecord, status: TaskStatus): void {
    if (this.#reg.applyStatus(task, status)) this.#cycle.trigger();
  }

  #masterStatus(task: TaskRecord, state: TaskState, reason: string, message: string): TaskStatus {
    return {
      taskId: task.taskId,
      state,
      reason,
      message,
      agentId: task.agentId,
      frameworkId: task.frameworkId,
      uuid: newUuid(),
      timestampMs: Date.now(),
      source: StatusSource.MASTER,
      exitCode: -1,
      containerId: task.status.containerId ?? '',
    };
  }

  /** Sends a status to its framework; updates with a uuid are re-sent until acknowledged. */
  #deliver(status: TaskStatus): void {
    const framework = this.#reg.frameworks.get(status.frameworkId ?? '');
    if (!framework) return;
    if (status.uuid) framework.unacked.set(status.taskId ?? '', status);
    framework.channel?.send({ schedulerEvent: { update: { status } } });
  }

  /** Drops a terminal, acknowledged task from the live registry, keeping it for reconciliation. */
  #retire(task: TaskRecord): void {
    this.#reg.retire(task);
    void this.#persister.persist({ type: 'task.delete', taskId: task.taskId }).catch(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------
  // Frameworks

  #serveScheduler(channel: Channel): void {
    let framework: FrameworkEntry | undefined;
    channel.onMessage((envelope) => {
      const call = envelope.schedulerCall;
      const requestId = call?.requestId ?? '';
      const reply = (e: BerthError): void => {
        channel.send({ schedulerEvent: { error: e.toWire(requestId) } });
      };
      if (!call) return reply(new BerthError(ErrorCode.INVALID_CALL, 'expected a SchedulerCall', { field: 'body' }));
      if (!this.#isLeading()) return;
      if (call.subscribe) {
        void this.#subscribe(channel, call.subscribe).then(
          (entry) => (framework = entry),
          (err: unknown) => reply(this.#asBerthError(err)),
        );
        return;
      }
      if (!framework || framework.channel !== channel) {
        return reply(new BerthError(ErrorCode.NOT_SUBSCRIBED, 'subscribe before making other calls', { field: 'call' }));
      }
      const fw = framework;
      void this.#schedulerCall(fw, call).catch((err: unknown) => reply(this.#asBerthError(err)));
    });
    channel.onClose((code, reason) => {
      if (framework && framework.channel === channel) this.#frameworkDisconnected(framework, `${code} ${reason}`);
    });
  }

  #asBerthError(err: unknown): BerthError {
    if (err instanceof BerthError) return err;
    this.#log.error({ err }, 'scheduler call failed');
    return new BerthError(ErrorCode.INTERNAL, 'internal error; see the master log', { cause: err });
  }

  async #subscribe(channel: Channel, subscribe: pb.SchedulerCall.Subscribe.$Properties): Promise<FrameworkEntry> {
    const info = pb.FrameworkInfo.toObject(pb.FrameworkInfo.fromObject(subscribe.framework ?? {})) as FrameworkInfo;
    if (!info.roles || info.roles.length === 0) info.roles = ['*'];
    const problems: string[] = [];
    if (!info.name) problems.push('subscribe.framework.name must not be empty');
    info.roles.forEach((role, i) => {
      if (!ROLE_RULE.test(role)) problems.push(`subscribe.framework.roles[${i}] "${role}" must be "*" or lower-case path segments like eng/ml`);
    });
    const failover = info.failoverTimeoutMs ?? 0;
    if (!Number.isFinite(failover) || failover < 0) problems.push('subscribe.framework.failover_timeout_ms must be a finite number >= 0');
    if (subscribe.frameworkId) {
      const idProblem = checkId(subscribe.frameworkId, 'subscribe.framework_id');
      if (idProblem) problems.push(idProblem);
    }
    if (problems.length > 0) throw new BerthError(ErrorCode.INVALID_CALL, problems.join('; '), { field: 'subscribe' });

    const known = subscribe.frameworkId ? this.#reg.frameworks.get(subscribe.frameworkId) : undefined;
    const id = subscribe.frameworkId || newId('fw');
    const record: FrameworkRecord = { id, info, registeredAtMs: known?.record.registeredAtMs ?? Date.now() };
    const entry = known ?? frameworkEntry(record);
    if (known?.channel && known.channel !== channel) {
      known.channel.close(CloseCode.REPLACED, 'the framework subscribed again on another connection');
    }
    clearTimeout(entry.failoverTimer);
    entry.failoverTimer = undefined;
    entry.record = record;
    entry.channel = channel;
    this.#reg.frameworks.set(id, entry);
    await this.#persister.persist({ type: 'framework.put', framework: record });
    channel.send({ schedulerEvent: { subscribed: { frameworkId: id, heartbeatIntervalMs: this.#o.heartbeatIntervalMs, masterId: this.id } } });
    for (const status of entry.unacked.values()) channel.send({ schedulerEvent: { update: { status } } });
    this.#log.info({ frameworkId: id, name: info.name, roles: info.roles, resubscribed: Boolean(known) }, 'framework subscribed');
    this.#cycle.trigger();
    return entry;
  }

  #frameworkDisconnected(framework: FrameworkEntry, why: string): void {
    framework.channel = undefined;
    this.#log.warn({ frameworkId: framework.record.id, why }, 'framework disconnected');
    for (const offer of this.#offers.ofFramework(framework.record.id)) this.#offers.remove(offer.id);
    this.#armFailover(framework);
    this.#cycle.trigger();
  }

  #armFailover(framework: FrameworkEntry): void {
    clearTimeout(framework.failoverTimer);
    const timeoutMs = framework.record.info.failoverTimeoutMs ?? 0;
    framework.failoverTimer = setTimeout(() => {
      if (framework.channel || !this.#isLeading()) return;
      this.#log.warn({ frameworkId: framework.record.id, timeoutMs }, 'framework failover timeout passed; tearing down');
      void this.#teardown(framework, 'FRAMEWORK_FAILOVER_TIMEOUT').catch((err: unknown) => this.#log.error({ err }, 'teardown failed'));
    }, timeoutMs);
    framework.failoverTimer.unref();
  }

  async #schedulerCall(fw: FrameworkEntry, call: pb.SchedulerCall.$Properties): Promise<void> {
    if (call.accept) return this.#accept(fw, call.accept);
    if (call.decline) return this.#decline(fw, call.decline);
    if (call.kill) return this.#kill(fw, call.kill);
    if (call.acknowledge) return this.#acknowledge(fw, call.acknowledge);
    if (call.reconcile) return this.#reconcile(fw, call.reconcile);
    if (call.revive) return this.#revive(fw, call.revive.roles ?? []);
    if (call.suppress) return this.#suppress(fw, call.suppress.roles ?? []);
    if (call.teardown) return this.#teardown(fw, 'TEARDOWN_BY_FRAMEWORK');
    if (call.requestGang) return this.#requestGang(fw, call.requestGang);
    if (call.cancelGang) {
      fw.gangs.delete(call.cancelGang.gangId ?? '');
      return;
    }
    throw new BerthError(ErrorCode.INVALID_CALL, 'unknown scheduler call', { field: 'call' });
  }

  async #accept(fw: FrameworkEntry, accept: pb.SchedulerCall.Accept.$Properties): Promise<void> {
    const plan = planAccept(accept, {
      frameworkId: fw.record.id,
      frameworkRoles: fw.record.info.roles ?? ['*'],
      dynamicReservations: (agentId) => byRole(this.#reg.agents.get(agentId)?.record.dynamicReservations ?? []),
      offer: (id) => this.#offers.get(id),
      taskExists: (taskId) => this.#reg.tasks.has(taskId) || this.#reg.completed.has(taskId),
      agentExists: (agentId) => this.#reg.agents.has(agentId),
    });
    if (!plan.ok) throw plan.error;
    const agent = this.#reg.agents.get(plan.agentId);
    for (const offer of plan.offers) this.#offers.remove(offer.id);
    if (!agent) throw new BerthError(ErrorCode.AGENT_UNKNOWN, `agent ${plan.agentId} is gone`, { field: 'accept.offer_ids' });
    const now = Date.now();
    const created: TaskRecord[] = [];
    for (const launch of plan.launches) {
      const info = compact(pb.TaskInfo.toObject(pb.TaskInfo.fromObject(launch.task)) as TaskInfo);
      const task: TaskRecord = {
        taskId: info.taskId as string,
        frameworkId: fw.record.id,
        agentId: agent.record.id,
        info: { ...info, resources: launch.resources },
        status: { taskId: info.taskId as string, state: TaskState.TASK_STAGING, agentId: agent.record.id, frameworkId: fw.record.id, timestampMs: now, source: StatusSource.MASTER },
        appliedUuids: [],
        launchedAtMs: now,
        role: plan.role,
      };
      this.#reg.index(task);
      created.push(task);
    }
    const refuseSeconds = accept.filters?.refuseSeconds ?? 0;
    if (refuseSeconds > 0 && !resources.isEmpty(plan.unused)) this.#addFilter(fw, agent.record.id, plan.unused, refuseSeconds, plan.role);
    const changes: StateChange[] = created.map((task): StateChange => ({ type: 'task.put', task }));
    const recordBefore = agent.record;
    if (plan.reserve.length > 0 || plan.unreserve.length > 0) {
      changes.push({ type: 'agent.put', agent: this.#changeReservations(agent, plan.reserve, plan.unreserve) });
    }
    // The launch intent (and any reservation change) is durable before any agent hears of it.
    try {
      await this.#persister.persist(...changes);
    } catch (err) {
      // Nothing was launched or reserved: forget the tasks (the framework can retry with the same ids).
      agent.record = recordBefore;
      refreshAgent(agent);
      for (const task of created) {
        this.#applyStatus(task, { ...task.status, state: TaskState.TASK_DROPPED });
        this.#reg.remove(task.taskId);
      }
      throw err instanceof BerthError ? err : new BerthError(ErrorCode.STORE_UNAVAILABLE, 'the launch could not be persisted; nothing was launched, retry', { cause: err });
    }
    this.counters.launches += created.length;
    for (const task of created) {
      if (task.status.state !== TaskState.TASK_STAGING) continue;
      agent.channel?.send({ agentEvent: { epoch: this.#lease.epoch, runTask: { frameworkId: fw.record.id, task: task.info } } });
    }
    this.#cycle.trigger();
  }

  async #decline(fw: FrameworkEntry, decline: pb.SchedulerCall.Decline.$Properties): Promise<void> {
    const ids = decline.offerIds ?? [];
    if (ids.length === 0) throw new BerthError(ErrorCode.INVALID_CALL, 'decline.offer_ids must name at least one offer', { field: 'decline.offer_ids' });
    const refuseSeconds = decline.filters?.refuseSeconds ?? this.#o.defaultRefuseSeconds;
    if (!Number.isFinite(refuseSeconds) || refuseSeconds < 0) {
      throw new BerthError(ErrorCode.INVALID_CALL, 'decline.filters.refuse_seconds must be a finite number >= 0', { field: 'decline.filters.refuse_seconds' });
    }
    for (const [i, id] of ids.entries()) {
      const offer = this.#offers.get(id);
      if (!offer) throw new BerthError(ErrorCode.OFFER_UNKNOWN, `offer ${id} is unknown`, { field: `decline.offer_ids[${i}]` });
      if (offer.frameworkId !== fw.record.id) throw new BerthError(ErrorCode.OFFER_NOT_OWNED, `offer ${id} belongs to another framework`, { field: `decline.offer_ids[${i}]` });
    }
    for (const id of ids) {
      const offer = this.#offers.remove(id) as OfferEntry;
      if (refuseSeconds > 0) this.#addFilter(fw, offer.agentId, offer.resources, refuseSeconds, offer.role);
    }
    this.#cycle.trigger();
  }

  #addFilter(fw: FrameworkEntry, agentId: string, r: Res, refuseSeconds: number, role: string): void {
    fw.filters.push({ agentId, resources: r, untilMs: Date.now() + refuseSeconds * 1000, role });
    // Wake the allocator when the filter lapses, so the resources are offered again promptly.
    const t = setTimeout(() => this.#cycle.trigger(), refuseSeconds * 1000 + 1);
    t.unref();
  }

  /** Applies RESERVE and UNRESERVE to an agent's dynamic reservations; returns the record to persist. */
  #changeReservations(agent: AgentEntry, reserve: ReservationChange[], unreserve: ReservationChange[]): AgentRecord {
    const held = byRole(agent.record.dynamicReservations ?? []);
    for (const r of reserve) held.set(r.role, resources.add(held.get(r.role) ?? resources.empty(), r.resources));
    for (const r of unreserve) held.set(r.role, resources.subtract(held.get(r.role) ?? resources.empty(), r.resources));
    agent.record = {
      ...agent.record,
      dynamicReservations: [...held].filter(([, r]) => !resources.isEmpty(r)).map(([role, r]) => ({ role, resources: r })),
    };
    refreshAgent(agent);
    this.#log.info({ agentId: agent.record.id, reserved: agent.record.dynamicReservations }, 'reservations changed');
    return agent.record;
  }

  #requestGang(fw: FrameworkEntry, request: pb.SchedulerCall.RequestGang.$Properties): void {
    const id = request.gangId ?? '';
    const idProblem = checkId(id, 'request_gang.gang_id');
    if (idProblem) throw new BerthError(ErrorCode.INVALID_CALL, idProblem, { field: 'request_gang.gang_id' });
    const role = request.role || (fw.record.info.roles?.[0] ?? '*');
    if (!(fw.record.info.roles ?? []).includes(role)) {
      throw new BerthError(ErrorCode.ROLE_NOT_SUBSCRIBED, `role "${role}" is not one of this framework's roles`, { field: 'request_gang.role' });
    }
    const shapes = request.tasks ?? [];
    if (shapes.length === 0) throw new BerthError(ErrorCode.INVALID_CALL, 'request_gang.tasks must name at least one task shape', { field: 'request_gang.tasks' });
    const problems = shapes.flatMap((r, i) => resources.validate(r, `request_gang.tasks[${i}]`));
    if (problems.length > 0) throw new BerthError(ErrorCode.INVALID_RESOURCES, problems.join('; '), { field: 'request_gang.tasks' });
    fw.gangs.set(id, { id, role, tasks: shapes.map((r) => resources.normalize(r)), sinceMs: fw.gangs.get(id)?.sinceMs ?? Date.now() });
    this.#cycle.trigger();
  }

  async #kill(fw: FrameworkEntry, kill: pb.SchedulerCall.Kill.$Properties): Promise<void> {
    const taskId = kill.taskId ?? '';
    if (kill.agentId && !this.#reg.agents.has(kill.agentId)) {
      throw new BerthError(ErrorCode.AGENT_UNKNOWN, `agent ${kill.agentId} is unknown`, { field: 'kill.agent_id' });
    }
    const task = this.#reg.tasks.get(taskId);
    if (!task || task.frameworkId !== fw.record.id) {
      const done = this.#reg.completed.get(taskId);
      if (done && done.frameworkId === fw.record.id) return void fw.channel?.send({ schedulerEvent: { update: { status: done.status } } });
      throw new BerthError(ErrorCode.TASK_UNKNOWN, `task ${taskId} is unknown to this master`, { field: 'kill.task_id' });
    }
    if (isTerminal(task.status.state ?? 0)) return this.#deliver(task.status);
    const agent = this.#reg.agents.get(task.agentId);
    const grace = kill.gracePeriodMs || task.info.killGracePeriodMs || 0;
    if (!agent?.channel && task.status.state === TaskState.TASK_STAGING) {
      const status = this.#masterStatus(task, TaskState.TASK_KILLED, 'KILLED_BY_FRAMEWORK', 'killed before it reached its agent');
      this.#applyStatus(task, status);
      await this.#persister.persist({ type: 'task.put', task });
      return this.#deliver(status);
    }
    agent?.channel?.send({ agentEvent: { epoch: this.#lease.epoch, killTask: { frameworkId: fw.record.id, taskId, gracePeriodMs: grace, reason: 'KILLED_BY_FRAMEWORK' } } });
  }

  async #acknowledge(fw: FrameworkEntry, ack: pb.SchedulerCall.Acknowledge.$Properties): Promise<void> {
    const taskId = ack.taskId ?? '';
    if (ack.agentId && !this.#reg.agents.has(ack.agentId) && !this.#reg.tasks.has(taskId) && !this.#reg.completed.has(taskId)) {
      throw new BerthError(ErrorCode.AGENT_UNKNOWN, `agent ${ack.agentId} is unknown`, { field: 'acknowledge.agent_id' });
    }
    if (!ack.uuid) throw new BerthError(ErrorCode.INVALID_CALL, 'acknowledge.uuid must not be empty', { field: 'acknowledge.uuid' });
    const task = this.#reg.tasks.get(taskId);
    if (!task || task.frameworkId !== fw.record.id) {
      if (this.#reg.completed.has(taskId)) return;
      throw new BerthError(ErrorCode.TASK_UNKNOWN, `task ${taskId} is unknown to this master`, { field: 'acknowledge.task_id' });
    }
    if (fw.unacked.get(taskId)?.uuid === ack.uuid) fw.unacked.delete(taskId);
    if (isTerminal(task.status.state ?? 0) && !fw.unacked.has(taskId)) this.#retire(task);
  }

  async #reconcile(fw: FrameworkEntry, reconcile: pb.SchedulerCall.Reconcile.$Properties): Promise<void> {
    const asked = reconcile.tasks ?? [];
    const answer = (status: TaskStatus): void => {
      fw.channel?.send({ schedulerEvent: { update: { status: { ...status, uuid: '', reason: status.reason || 'RECONCILIATION' } } } });
    };
    if (asked.length === 0) {
      for (const taskId of fw.tasks) {
        const task = this.#reg.tasks.get(taskId);
        if (task) answer(task.status);
      }
      return;
    }
    for (const item of asked) {
      const taskId = item.taskId ?? '';
      const agentId = item.agentId ?? '';
      const task = this.#reg.tasks.get(taskId) ?? this.#reg.completed.get(taskId);
      if (task && task.frameworkId === fw.record.id) answer(task.status);
      else {
        answer({
          taskId,
          agentId,
          frameworkId: fw.record.id,
          // As Mesos: only partition-aware frameworks understand UNKNOWN; the others hear LOST.
          state: fw.record.info.partitionAware ? TaskState.TASK_UNKNOWN : TaskState.TASK_LOST,
          reason: 'RECONCILIATION',
          message: agentId && !this.#reg.agents.has(agentId) ? `agent ${agentId} is unknown` : 'task is unknown to this master',
          source: StatusSource.MASTER,
          timestampMs: Date.now(),
        });
      }
    }
  }

  #revive(fw: FrameworkEntry, roles: string[]): void {
    const which = roles.length > 0 ? roles : (fw.record.info.roles ?? []);
    for (const role of which) fw.suppressed.delete(role);
    fw.filters = [];
    this.#cycle.trigger();
  }

  #suppress(fw: FrameworkEntry, roles: string[]): void {
    const which = roles.length > 0 ? roles : (fw.record.info.roles ?? []);
    for (const role of which) fw.suppressed.add(role);
  }

  async #teardown(fw: FrameworkEntry, reason: string): Promise<void> {
    const id = fw.record.id;
    for (const offer of this.#offers.ofFramework(id)) this.#offers.remove(offer.id);
    const changes: StateChange[] = [{ type: 'framework.delete', frameworkId: id }];
    for (const taskId of [...fw.tasks]) {
      const task = this.#reg.tasks.get(taskId);
      if (!task) continue;
      if (!isTerminal(task.status.state ?? 0)) {
        this.#reg.agents.get(task.agentId)?.channel?.send({ agentEvent: { epoch: this.#lease.epoch, killTask: { frameworkId: id, taskId, reason } } });
        this.#applyStatus(task, this.#masterStatus(task, TaskState.TASK_KILLED, reason, 'framework was torn down'));
      }
      this.#reg.remove(taskId);
      changes.push({ type: 'task.delete', taskId });
    }
    clearTimeout(fw.failoverTimer);
    this.#reg.frameworks.delete(id);
    const channel = fw.channel;
    fw.channel = undefined;
    await this.#persister.persist(...changes);
    channel?.close(CloseCode.TORN_DOWN, `framework ${id} was torn down`);
    this.#log.info({ frameworkId: id, reason }, 'framework removed');
    this.#cycle.trigger();
  }

  // ---------------------------------------------------------------------------------------------
  // Allocation

  /** What the metrics need, counted from the registry without building the state view. */
  metricsView(): {
    tasksByState: Map<string, number>;
    agentsConnected: number;
    agentsDisconnected: number;
    usage: { agentId: string; cpuPercent: number; memBytes: number; underPressure: boolean }[];
  } {
    const tasksByState = new Map<string, number>();
    for (const t of this.#reg.tasks.values()) {
      const name = stateName(t.status.state);
      tasksByState.set(name, (tasksByState.get(name) ?? 0) + 1);
    }
    let agentsConnected = 0;
    const usage = [];
    for (const a of this.#reg.agents.values()) {
      if (a.channel) agentsConnected++;
      if (a.usage) usage.push({ agentId: a.record.id, cpuPercent: a.usage.cpuPercent, memBytes: a.usage.memBytes, underPressure: a.usage.underPressure });
    }
    return { tasksByState, agentsConnected, agentsDisconnected: this.#reg.agents.size - agentsConnected, usage };
  }

  /** Cheap counts for health checks (no per-task work). */
  summary(): { agents: number; agentsConnected: number; frameworks: number; tasks: number } {
    let agentsConnected = 0;
    for (const a of this.#reg.agents.values()) if (a.channel) agentsConnected++;
    return { agents: this.#reg.agents.size, agentsConnected, frameworks: this.#reg.frameworks.size, tasks: this.#reg.tasks.size };
  }

  /** Every configured role with its weight, quota and what its frameworks hold now. */
  roles(): { name: string; weight: number; quotaGuarantee?: Res | undefined; quotaLimit?: Res | undefined; allocated: Res }[] {
    const held = new Map<string, Res>();
    for (const f of this.#reg.frameworks.values()) {
      for (const [role, r] of f.allocated) held.set(role, resources.add(held.get(role) ?? resources.empty(), r));
    }
    const names = new Set([...this.#roles.keys(), ...held.keys()]);
    return [...names].sort().map((name) => ({ name, weight: 1, ...this.#roles.get(name), allocated: held.get(name) ?? resources.empty() }));
  }

  /** Sets a role's weight and quota; persisted before it takes effect. */
  async setRole(name: string, body: unknown): Promise<RoleRecord> {
    if (!this.#isLeading()) throw new BerthError(ErrorCode.NOT_LEADER, 'this master is not the leader');
    const record = parseRole(name, body);
    await this.#persister.persist({ type: 'role.put', role: record });
    this.#roles.set(name, roleConfig(record));
    this.#log.info({ role: record }, 'role configured');
    this.#cycle.trigger();
    return record;
  }

  async deleteRole(name: string): Promise<{ deleted: string }> {
    if (!this.#isLeading()) throw new BerthError(ErrorCode.NOT_LEADER, 'this master is not the leader');
    if (!this.#roles.has(name)) throw new BerthError(ErrorCode.NOT_FOUND, `role ${name} has no configuration`, { field: 'name' });
    await this.#persister.persist({ type: 'role.delete', name });
    this.#roles.delete(name);
    this.#cycle.trigger();
    return { deleted: name };
  }

  /** Why a framework or role gets what it gets, from the allocator's point of view, now. */
  explain(subject: ExplainSubject): Explanation {
    if ('frameworkId' in subject && !this.#reg.frameworks.has(subject.frameworkId)) {
      throw new BerthError(ErrorCode.FRAMEWORK_UNKNOWN, `framework ${subject.frameworkId} is unknown`, { field: 'framework' });
    }
    return this.#cycle.explain(subject);
  }

  #rescind(offer: OfferEntry): void {
    this.#offers.remove(offer.id);
    this.#reg.frameworks.get(offer.frameworkId)?.channel?.send({ schedulerEvent: { rescind: { offerId: offer.id } } });
    this.#cycle.trigger();
  }

  // ---------------------------------------------------------------------------------------------
  // Views

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
