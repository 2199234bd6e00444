// The agent channel: registration (with the tasks an agent reports, in one frame or in parts),
// status updates, usage and log lines. Everything is persisted before it is acknowledged.
import type { Logger } from 'pino';
import {
  CloseCode,
  ErrorCode,
  StatusSource,
  TaskReason,
  TaskState,
  canTransition,
  checkId,
  isTerminal,
  newId,
  pb,
  stateName,
  type Channel,
  type TaskStatus,
} from '../protocol/index.js';
import type { AgentLiveness } from './agent-liveness.js';
import { Action, checkOwner, ownerOf, type Authorizer, type Principal } from './authorizer.js';
import { decodeAgentInfo, type StatusUpdate } from '../protocol/domain/index.js';
import { taskReport, taskStatus } from './decode.js';
import { asBerthError } from './internal-error.js';
import type { LogRelay } from './log-relay.js';
import type { Maintenance } from './maintenance.js';
import { RegistrationParts, type PartsOutcome } from './registration-parts.js';
import { killTask, registered, type AgentEventBody, type Outbox } from './outbox.js';
import { agentEntry, type AgentEntry, type Registry } from './registry.js';
import { statusChange, type AgentRecord, type StateChange, type TaskRecord } from './store/records.js';
import type { TaskEndings } from './task-endings.js';
import { FailpointName, type Failpoints } from './failpoints.js';

export interface AgentCallsDeps {
  registry: Registry;
  auth: Authorizer;
  outbox: Outbox;
  endings: TaskEndings;
  liveness: AgentLiveness;
  maintenance: Pick<Maintenance, 'usage'>;
  logs: Pick<LogRelay, 'receive' | 'agentGone'>;
  log: Logger;
  counters: { statusUpdates: number; duplicateUpdates: number };
  /** Told how long an applied update took from its arrival to being durable, acknowledged and forwarded (ms). */
  observeStatusUpdate(ms: number): void;
  settings: { agentReregisterTimeoutMs: number };
  isLeading(): boolean;
  persist(...changes: StateChange[]): Promise<void>;
  triggerAllocation(): void;
  failpoints: Failpoints;
}

/** What folding an agent's registration into the registry changed, sent once it is durable. */
interface Folded {
  changes: StateChange[];
  statuses: StatusUpdate[];
  kills: AgentEventBody[];
}

export class AgentCalls {
  #d: AgentCallsDeps;
  /** Updates applied in memory whose write failed, by uuid: forwarded when a re-send is written. */
  #unwritten = new Map<string, StatusUpdate>();

  constructor(deps: AgentCallsDeps) {
    this.#d = deps;
  }

  /** Serves one agent connection; `principal` is who its upgrade authenticated as. */
  serve(channel: Channel, principal: Principal): void {
    // The agent this connection speaks for; set the moment its registration is recorded.
    let agent: AgentEntry | undefined;
    const mine = (): AgentEntry | undefined => (agent && agent.channel === channel ? agent : undefined);
    const parts = new RegistrationParts();
    const registration = (outcome: PartsOutcome): void => {
      if (outcome.kind === 'waiting') return;
      if (outcome.kind === 'refused') {
        this.#d.outbox.agentError(channel, ErrorCode.INVALID_CALL, outcome.message, outcome.field);
        channel.close(CloseCode.POLICY, 'invalid registration');
        return;
      }
      void this.#register(channel, outcome.register, principal, (entry) => (agent = entry)).catch((err: unknown) => this.#failure(channel, err));
    };
    channel.onMessage((envelope) => {
      const call = envelope.agentCall;
      if (!call) return this.#d.outbox.agentError(channel, ErrorCode.INVALID_CALL, 'expected an AgentCall', 'body');
      if (!this.#d.isLeading()) return;
      if (call.register) return registration(parts.start(call.register));
      if (call.registerTasks) return registration(parts.add(call.registerTasks.tasks ?? []));
      const entry = mine();
      if (call.update) {
        if (!entry) return this.#d.outbox.agentError(channel, ErrorCode.NOT_SUBSCRIBED, 'register before sending updates', 'update');
        void this.#update(channel, entry, call.update.status ?? {}).catch((err: unknown) => this.#failure(channel, err));
      } else if (call.usage) {
        if (entry) this.#d.maintenance.usage(entry, call.usage);
      } else if (call.logLines) {
        if (entry) this.#d.logs.receive(entry.record.id, call.logLines);
      } else {
        this.#d.outbox.agentError(channel, ErrorCode.INVALID_CALL, 'unknown agent call', 'call');
      }
    });
    channel.onClose((code, reason) => {
      const entry = mine();
      if (!entry) return;
      this.#d.logs.agentGone(entry.record.id);
      this.#d.liveness.disconnected(entry, `${code} ${reason}`, this.#d.settings.agentReregisterTimeoutMs);
    });
  }

  #failure(channel: Channel, err: unknown): void {
    const e = asBerthError(err, this.#d.log, 'agent call');
    this.#d.outbox.agentError(channel, e.code, e.message, e.field);
  }

  async #register(channel: Channel, register: pb.AgentCall.Register.$Properties, principal: Principal, bind: (entry: AgentEntry) => void): Promise<void> {
    // The shared decoder checks hostname, resources and reservations; its problems are this call's.
    const decoded = decodeAgentInfo(register.agent, 'register.agent');
    const info = decoded.value;
    const problems = decoded.problems.map((p) => p.message);
    if (register.agentId) {
      const idProblem = checkId(register.agentId, 'register.agent_id');
      if (idProblem) problems.push(idProblem);
    }
    if (problems.length > 0) {
      this.#d.outbox.agentError(channel, ErrorCode.INVALID_RESOURCES, problems.join('; '), 'register.agent');
      channel.close(CloseCode.POLICY, 'invalid registration');
      return;
    }
    const reg = this.#d.registry;
    const known = register.agentId ? reg.agents.get(register.agentId) : undefined;
    const refusal = this.#refusal(register.agentId ?? '', known, principal);
    if (refusal) {
      this.#d.outbox.agentError(channel, refusal.code, refusal.message, 'register.agent_id');
      channel.close(refusal.close, refusal.message);
      return;
    }
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
      principal: ownerOf(this.#d.auth, principal, known?.record.principal),
    };
    const entry = known ?? agentEntry(record);
    reg.setAgentRecord(entry, record);
    reg.setAgentChannel(entry, channel);
    // From here on this connection speaks for the agent: its first updates may come before the
    // rest of the registration (removing a rebooted host's previous agent) is done.
    bind(entry);
    this.#d.liveness.back(entry);
    if (!known) reg.addAgent(entry);

    const folded = this.#fold(entry, register.tasks ?? []);
    const persisted = this.#d.persist({ type: 'agent.put', agent: record }, ...folded.changes);
    // registered first, then the kills this registration decided, then anything decided later.
    const sent = this.#d.outbox.toAgentAfter(id, persisted, () => [registered(id), ...folded.kills, ...this.#killsAsked(entry)]);
    await persisted;
    await sent;
    // The host rebooted: whatever its previous agent ran is gone, no need to wait for it.
    const previous = register.previousAgentId ? reg.agents.get(register.previousAgentId) : undefined;
    if (previous && previous !== entry && !previous.channel) await this.#d.liveness.gone(previous, TaskReason.AGENT_REMOVED);
    for (const status of folded.statuses) this.#d.outbox.update(status);
    this.#d.log.info({ agentId: id, hostname: info.hostname, reregistered: Boolean(known), tasks: register.tasks?.length ?? 0 }, 'agent registered');
    this.#d.triggerAllocation();
  }

  /**
   * Why this registration is refused, if it is: the principal may not register agents, the id is
   * one this master never issued (or has removed: AGENT_REMOVED tells the agent to register
   * afresh), or another principal registered it.
   */
  #refusal(agentId: string, known: AgentEntry | undefined, principal: Principal): { code: ErrorCode; message: string; close: number } | undefined {
    try {
      this.#d.auth.authorize(principal, Action.REGISTER_AGENT, { describe: agentId ? `as agent ${agentId}` : 'an agent' });
      if (known) checkOwner(this.#d.auth, known.record.principal, principal, `agent ${agentId}`);
    } catch (err) {
      const e = err as { code: ErrorCode; message: string };
      return { code: e.code, message: e.message, close: CloseCode.POLICY };
    }
    if (agentId && !known) {
      return { code: ErrorCode.AGENT_UNKNOWN, message: `agent id ${agentId} is unknown to this master (never issued, or removed); register without an id`, close: CloseCode.AGENT_REMOVED };
    }
    return undefined;
  }

  /** Folds the tasks an agent reported into the registry; the ones it did not report have ended. */
  #fold(agent: AgentEntry, reports: pb.TaskReport.$Properties[]): Folded {
    const folded: Folded = { changes: [], statuses: [], kills: [] };
    const reported = new Set<string>();
    for (const report of reports) {
      const taskId = report.task?.taskId;
      if (!taskId) continue;
      reported.add(taskId);
      const change = this.#reconcileReported(agent, report, folded);
      if (change) folded.changes.push(change);
    }
    const unreported = [...agent.tasks].filter((taskId) => !reported.has(taskId));
    const ending = this.#d.endings.end(unreported, (task) => (task.status.state === TaskState.TASK_STAGING ? TaskState.TASK_DROPPED : TaskState.TASK_LOST),
      TaskReason.TASK_NOT_REPORTED_BY_AGENT, 'the agent re-registered without this task');
    folded.changes.push(...ending.changes);
    folded.statuses.push(...ending.statuses);
    return folded;
  }

  /** Kills asked while the agent was away (or before a failover), for tasks it still runs. */
  #killsAsked(agent: AgentEntry): AgentEventBody[] {
    const out: AgentEventBody[] = [];
    for (const taskId of agent.tasks) {
      const task = this.#d.registry.tasks.get(taskId);
      if (task?.killAsked && !isTerminal(task.status.state)) out.push(killTask(task.frameworkId, taskId, task.killAsked.gracePeriodMs, task.killAsked.reason));
    }
    return out;
  }

  /** Folds one task an agent reported at registration into the registry. */
  #reconcileReported(agent: AgentEntry, report: pb.TaskReport.$Properties, folded: Folded): StateChange | undefined {
    const reg = this.#d.registry;
    const { task: info, frameworkId, status } = taskReport(report);
    const taskId = info.taskId;
    const known = reg.tasks.get(taskId);
    if (!known) {
      const framework = reg.frameworks.get(frameworkId);
      if (reg.completed.has(taskId) || !framework) {
        // The master already ended this task, or its framework is gone: the agent must stop it.
        folded.kills.push(killTask(frameworkId, taskId, 0, TaskReason.TASK_UNKNOWN_TO_MASTER));
        return undefined;
      }
      const task: TaskRecord = {
        taskId,
        frameworkId: framework.record.id,
        agentId: agent.record.id,
        info,
        status: { ...status, taskId, agentId: agent.record.id, frameworkId: framework.record.id },
        appliedUuids: status.uuid ? [status.uuid] : [],
        launchedAtMs: Date.now(),
        role: framework.record.info.roles[0] ?? '*',
      };
      reg.index(reg.launched(task));
      return { type: 'task.put', task };
    }
    const { state } = status;
    if (isTerminal(known.status.state) && !isTerminal(state)) {
      // Ended here (LOST while its agent was away, say) but still running there: stop it.
      folded.kills.push(killTask(known.frameworkId, taskId, 0, TaskReason.TASK_UNKNOWN_TO_MASTER));
      return undefined;
    }
    if (state === known.status.state) return undefined;
    // An update seen before is not applied twice, except to bring a task back from UNREACHABLE
    // (the master made that state up; the agent's own latest word wins).
    const seen = Boolean(status.uuid && known.appliedUuids.includes(status.uuid));
    if (seen && known.status.state !== TaskState.TASK_UNREACHABLE) return undefined;
    if (!canTransition(known.status.state, state)) return undefined;
    const next: StatusUpdate = { ...status, taskId: known.taskId, agentId: agent.record.id, frameworkId: known.frameworkId, source: StatusSource.AGENT };
    this.#d.endings.apply(known, next);
    folded.statuses.push(next);
    return statusChange(known);
  }

  async #update(channel: Channel, agent: AgentEntry, raw: TaskStatus): Promise<void> {
    const arrivedMs = performance.now();
    const status = taskStatus(raw);
    const { taskId, uuid } = status;
    const agentId = agent.record.id;
    const ack = (): void => this.#d.outbox.acknowledge(agentId, taskId, uuid);
    if (!taskId || !uuid) return this.#d.outbox.agentError(channel, ErrorCode.INVALID_CALL, 'update.status needs task_id and uuid', 'update.status');
    this.#d.counters.statusUpdates++;
    const task = this.#d.registry.tasks.get(taskId);
    if (!task || task.agentId !== agentId) {
      // Ended and acknowledged already, or never ours: acknowledge so the agent stops re-sending.
      this.#d.log.debug({ taskId, agentId }, 'update for a task not live on this agent');
      this.#unwritten.delete(uuid);
      return ack();
    }
    if (task.appliedUuids.includes(uuid)) {
      // Seen before, so not applied again; but its first write may have failed (the store was
      // down), so the record is written again before the acknowledgement: an ack always means durable.
      this.#d.counters.duplicateUpdates++;
      await this.#d.persist(statusChange(task));
      ack();
      // The framework hears of an update once it is durable; the first try never got that far.
      const held = this.#unwritten.get(uuid);
      if (held) {
        this.#unwritten.delete(uuid);
        this.#d.outbox.update(held);
        this.#d.observeStatusUpdate(performance.now() - arrivedMs);
      }
      return;
    }
    const from = task.status.state;
    const to = status.state;
    if (!canTransition(from, to)) {
      this.#d.log.warn({ taskId, from: stateName(from), to: stateName(to) }, 'illegal task transition ignored');
      return ack();
    }
    // The record's own id strings, so the kept status holds no copies of them.
    const next: StatusUpdate = { ...status, taskId: task.taskId, agentId, frameworkId: task.frameworkId, source: StatusSource.AGENT };
    this.#d.endings.apply(task, next);
    try {
      await this.#d.persist(statusChange(task));
      const failpoint = this.#d.failpoints.hit(FailpointName.STATUS_AFTER_PERSIST);
      if (failpoint) await failpoint;
    } catch (err) {
      // Applied in memory but not acknowledged: the agent re-sends it, and that re-send forwards it.
      this.#unwritten.set(uuid, next);
      throw err;
    }
    ack();
    this.#d.outbox.update(next);
    this.#d.observeStatusUpdate(performance.now() - arrivedMs);
  }
}
