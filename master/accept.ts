// Carrying out an ACCEPT, as Nomad's plan applier does: validate, build a plan of every record
// the call writes, persist the plan, and only then apply it to memory and tell the agent. A write
// that fails leaves memory as it was, so there is nothing to undo.
import type { Logger } from 'pino';
import {
  BerthError,
  ErrorCode,
  TaskReason,
  TaskState,
  pb,
  resources,
} from '../protocol/index.js';
import type { StatusUpdate } from '../protocol/domain/index.js';
import { Action, type Authorizer, type Principal } from './authorizer.js';
import { byRole } from './availability.js';
import { FailpointName, type Failpoints } from './failpoints.js';
import { masterStatus } from './decode.js';
import type { OfferBook } from './offer-book.js';
import { runTask, type Outbox } from './outbox.js';
import { refuse } from './refusal-filters.js';
import type { AgentEntry, FrameworkEntry, Registry } from './registry.js';
import type { AgentRecord, StateChange, TaskRecord } from './store/records.js';
import type { TaskEndings } from './task-endings.js';
import { planAccept, type AcceptPlan, type ReservationChange } from './validate-accept.js';

export type ValidAccept = Extract<AcceptPlan, { ok: true }>;

/** Everything an ACCEPT writes, built before anything in memory changes. */
export interface LaunchPlan {
  /** The new tasks, STAGING. */
  tasks: TaskRecord[];
  /** The agent's record with its reservations changed, when the call RESERVEs or UNRESERVEs. */
  agent: AgentRecord | undefined;
  /** TASK_ERROR for each task refused on its own. */
  errors: StatusUpdate[];
  changes: StateChange[];
}

/** Builds the plan of a valid ACCEPT from the records it starts from (pure). */
export function buildLaunchPlan(valid: ValidAccept, frameworkId: string, agent: AgentRecord, nowMs: number): LaunchPlan {
  const tasks = valid.launches.map((launch): TaskRecord => {
    const info = launch.task;
    const taskId = info.taskId;
    return {
      taskId,
      frameworkId,
      agentId: agent.id,
      // The decoded resources: rounded and checked, the port ranges in the order the framework
      // gave them ($PORT0 is the first), which every sum and check here normalizes anyway.
      info,
      status: masterStatus({ taskId, state: TaskState.TASK_STAGING, agentId: agent.id, frameworkId, timestampMs: nowMs }),
      appliedUuids: [],
      launchedAtMs: nowMs,
      role: valid.role,
    };
  });
  const changedAgent = valid.reserve.length > 0 || valid.unreserve.length > 0 ? withReservations(agent, valid.reserve, valid.unreserve) : undefined;
  // No uuid: nothing was stored for a refused task, so there is nothing to acknowledge.
  const errors = valid.rejected.map((r): StatusUpdate => masterStatus({
    taskId: typeof r.task.taskId === 'string' ? r.task.taskId : '',
    state: TaskState.TASK_ERROR,
    reason: TaskReason.INVALID_TASK,
    message: `${r.code}: ${r.message}`,
    agentId: agent.id,
    frameworkId,
    timestampMs: nowMs,
  }));
  const changes: StateChange[] = tasks.map((task) => ({ type: 'task.put', task }));
  if (changedAgent) changes.push({ type: 'agent.put', agent: changedAgent });
  return { tasks, agent: changedAgent, errors, changes };
}

/** An agent's record after RESERVE and UNRESERVE of dynamic reservations (pure). */
export function withReservations(record: AgentRecord, reserve: ReservationChange[], unreserve: ReservationChange[]): AgentRecord {
  const held = byRole(record.dynamicReservations ?? []);
  for (const r of reserve) held.set(r.role, resources.add(held.get(r.role) ?? resources.empty(), r.resources));
  for (const r of unreserve) held.set(r.role, resources.subtract(held.get(r.role) ?? resources.empty(), r.resources));
  return {
    ...record,
    dynamicReservations: [...held].filter(([, r]) => !resources.isEmpty(r)).map(([role, r]) => ({ role, resources: r })),
  };
}

export interface InFlight {
  task: TaskRecord;
  /** Settles once the launch is persisted and applied (rejects when it could not be). */
  applied: Promise<void>;
}

export interface AcceptsDeps {
  registry: Registry;
  auth: Authorizer;
  endings: Pick<TaskEndings, 'end' | 'deliver'>;
  offers: OfferBook;
  outbox: Outbox;
  log: Logger;
  counters: { launches: number };
  persist(...changes: StateChange[]): Promise<void>;
  triggerAllocation(): void;
  failpoints: Failpoints;
}

export class Accepts {
  #d: AcceptsDeps;
  /** Tasks whose launch is being persisted, by id: their ids are taken, and a kill can wait for them. */
  #inFlight = new Map<string, InFlight>();

  constructor(deps: AcceptsDeps) {
    this.#d = deps;
  }

  /** A task whose launch is being persisted (not yet in the registry), and when that is done. */
  inFlight(taskId: string): InFlight | undefined {
    return this.#inFlight.get(taskId);
  }

  /** Carries out an ACCEPT of `principal`'s framework; refused whole, with nothing changed, when it may not launch one of the tasks. */
  async accept(fw: FrameworkEntry, accept: pb.SchedulerCall.Accept.$Properties, principal: Principal): Promise<void> {
    const reg = this.#d.registry;
    const valid = planAccept(accept, {
      frameworkId: fw.record.id,
      frameworkRoles: fw.record.info.roles ?? ['*'],
      dynamicReservations: (agentId) => byRole(reg.agents.get(agentId)?.record.dynamicReservations ?? []),
      offer: (id) => this.#d.offers.get(id),
      taskExists: (taskId) => reg.taskIdTaken(taskId) || this.#inFlight.has(taskId),
      agentExists: (agentId) => reg.agents.has(agentId),
    });
    if (!valid.ok) throw valid.error;
    for (const { task } of valid.launches) {
      // A container's user, else the framework's; '' runs as the image's or the agent's own user.
      const user = task.container.user || fw.record.info.user;
      this.#d.auth.authorize(principal, Action.LAUNCH, { role: valid.role, user, describe: `task ${task.taskId} in role ${valid.role} as user ${user || '(the default)'}` });
    }
    // The offers are used up whatever happens next (as in Mesos); their resources stay held until
    // the tasks hold them instead, so the allocator cannot offer them twice meanwhile.
    const claimed = this.#d.offers.claim(valid.offers.map((o) => o.id));
    const agent = reg.agents.get(valid.agentId);
    if (!agent) {
      this.#d.offers.release(claimed);
      throw new BerthError(ErrorCode.AGENT_UNKNOWN, `agent ${valid.agentId} is gone`, { field: 'accept.offer_ids' });
    }
    const plan = buildLaunchPlan(valid, fw.record.id, agent.record, Date.now());
    const applied = this.#d.persist(...plan.changes)
      .then(() => this.#d.failpoints.hit(FailpointName.LAUNCH_AFTER_INTENT))
      .then(() => this.#apply(fw, agent, valid, plan, accept.filters?.refuseSeconds ?? 0));
    for (const task of plan.tasks) this.#inFlight.set(task.taskId, { task, applied });
    // A kill decided meanwhile waits behind these on the agent's line. A task killed before its
    // agent heard of it (it was away) is no longer STAGING and is not sent.
    const sent = this.#d.outbox.toAgentAfter(agent.record.id, applied, () => {
      const events = plan.tasks.filter((t) => t.status.state === TaskState.TASK_STAGING).map(runTask);
      // The specs went out whole (and are stored whole as the launch intent); memory keeps less.
      for (const task of plan.tasks) reg.launched(task);
      return events;
    });
    try {
      await applied;
    } catch (err) {
      throw err instanceof BerthError ? err : new BerthError(ErrorCode.STORE_UNAVAILABLE, 'the launch could not be persisted; nothing was launched, retry', { cause: err });
    } finally {
      this.#d.offers.release(claimed);
      for (const task of plan.tasks) this.#inFlight.delete(task.taskId);
      this.#d.triggerAllocation();
    }
    await sent;
    const failpoint = this.#d.failpoints.hitAfterIo(FailpointName.LAUNCH_AFTER_RUNTASK);
    if (failpoint) await failpoint;
    for (const status of plan.errors) this.#d.outbox.update(status);
  }

  /** The plan is durable: it becomes what memory says. */
  #apply(fw: FrameworkEntry, agent: AgentEntry, valid: ValidAccept, plan: LaunchPlan, refuseSeconds: number): void {
    const reg = this.#d.registry;
    if (reg.frameworks.get(fw.record.id) !== fw) {
      // Torn down while its launch was being written: the tasks go with it, unlaunched.
      const deletes = plan.tasks.map((t): StateChange => ({ type: 'task.delete', taskId: t.taskId }));
      plan.tasks.length = 0;
      void this.#d.persist(...deletes).catch(() => undefined);
      return;
    }
    if (plan.agent) {
      // Applied to the record as it is now (not the one planned from), in case it changed meanwhile.
      reg.setAgentRecord(agent, withReservations(agent.record, valid.reserve, valid.unreserve));
      this.#d.log.info({ agentId: agent.record.id, reserved: agent.record.dynamicReservations }, 'reservations changed');
    }
    for (const task of plan.tasks) reg.index(task);
    this.#d.counters.launches += plan.tasks.length;
    if (!reg.agents.has(agent.record.id)) {
      // The agent was removed while the launch was being written: the tasks never reach it.
      const ending = this.#d.endings.end(plan.tasks.map((t) => t.taskId), () => TaskState.TASK_DROPPED, TaskReason.AGENT_REMOVED, `agent ${agent.record.id} was removed before the launch reached it`);
      void this.#d.persist(...ending.changes).then(() => this.#d.endings.deliver(ending), () => undefined);
      return;
    }
    if (refuseSeconds > 0 && !resources.isEmpty(valid.unused)) {
      refuse(fw, { agentId: agent.record.id, resources: valid.unused, role: valid.role }, refuseSeconds, this.#d.triggerAllocation);
    }
  }
}
