// The scheduler channel: every call after SUBSCRIBE. A call with a request id gets exactly one
// answer: `accepted` once its effects are durable, or one `error` naming the field at fault.
import type { Logger } from 'pino';
import {
  BerthError,
  CloseCode,
  ErrorCode,
  TaskReason,
  TaskState,
  checkId,
  isTerminal,
  resources,
  type Channel,
  type pb,
} from '../protocol/index.js';
import type { StatusUpdate } from '../protocol/domain/index.js';
import type { Authorizer, Principal } from './authorizer.js';
import { masterStatus } from './decode.js';
import type { Accepts } from './accept.js';
import type { FrameworkSessions } from './framework-sessions.js';
import { asBerthError } from './internal-error.js';
import type { OfferBook, OfferEntry } from './offer-book.js';
import type { Outbox } from './outbox.js';
import { refuse } from './refusal-filters.js';
import type { FrameworkEntry, Registry } from './registry.js';
import type { StateChange } from './store/records.js';
import { askKill } from './task-kill.js';
import type { TaskEndings } from './task-endings.js';

export interface SchedulerCallsDeps {
  registry: Registry;
  auth: Authorizer;
  offers: OfferBook;
  outbox: Outbox;
  endings: TaskEndings;
  sessions: FrameworkSessions;
  accepts: Accepts;
  log: Logger;
  settings: { defaultRefuseSeconds: number };
  counters: { offersDeclined: number };
  isLeading(): boolean;
  persist(...changes: StateChange[]): Promise<void>;
  triggerAllocation(): void;
}

/** The roles a REVIVE or SUPPRESS names; none means all of the framework's. */
function rolesOrAll(fw: FrameworkEntry, roles: string[]): string[] {
  return roles.length > 0 ? roles : fw.record.info.roles;
}

/** Refusals of a SUBSCRIBE that the same SUBSCRIBE would meet again. */
const REFUSED_FOR_GOOD: ReadonlySet<string> = new Set([ErrorCode.FORBIDDEN, ErrorCode.FRAMEWORK_UNKNOWN]);

/** A call that answered itself (teardown answers before its connection closes). */
const ANSWERED = Symbol('answered');

export class SchedulerCalls {
  #d: SchedulerCallsDeps;

  constructor(deps: SchedulerCallsDeps) {
    this.#d = deps;
  }

  /** Serves one scheduler connection; `principal` is who its upgrade authenticated as. */
  serve(channel: Channel, principal: Principal): void {
    let framework: FrameworkEntry | undefined;
    channel.onMessage((envelope) => {
      const call = envelope.schedulerCall;
      const requestId = call?.requestId ?? '';
      const fail = (err: unknown): void => this.#d.outbox.schedulerError(channel, asBerthError(err, this.#d.log, 'scheduler call'), requestId);
      const done = (result: unknown): void => {
        if (result !== ANSWERED) this.#d.outbox.accepted(channel, requestId);
      };
      if (!call) return fail(new BerthError(ErrorCode.INVALID_CALL, 'expected a SchedulerCall', { field: 'body' }));
      // Stepping down (the connection is about to close): still one answer per call.
      if (!this.#d.isLeading()) return fail(new BerthError(ErrorCode.NOT_LEADER, 'this master is not the leader; reconnect to find it'));
      // Each call counts against the principal's rate limit, as each HTTP request does.
      try {
        this.#d.auth.throttle(principal);
      } catch (err) {
        return fail(err);
      }
      if (call.subscribe) {
        void this.#d.sessions.subscribe(channel, call.subscribe, principal, (entry) => (framework = entry)).then(done, (err: unknown) => {
          fail(err);
          // Subscribing again the same way cannot help: the client stops, with the reason.
          if (err instanceof BerthError && REFUSED_FOR_GOOD.has(err.code) && !framework) channel.close(CloseCode.POLICY, `${err.code}: ${err.message}`);
        });
        return;
      }
      if (!framework || framework.channel !== channel) {
        return fail(new BerthError(ErrorCode.NOT_SUBSCRIBED, 'subscribe before making other calls', { field: 'call' }));
      }
      const fw = framework;
      // Synchronous failures become rejections too, so every call is answered on one path.
      void Promise.resolve()
        .then(() => this.#call(fw, call, principal, () => this.#d.outbox.accepted(channel, requestId)))
        .then(done, fail);
    });
    channel.onClose((code, reason) => {
      if (framework && framework.channel === channel) this.#d.sessions.disconnected(framework, `${code} ${reason}`);
    });
  }

  async #call(fw: FrameworkEntry, call: pb.SchedulerCall.$Properties, principal: Principal, answer: () => void): Promise<unknown> {
    if (call.accept) return this.#d.accepts.accept(fw, call.accept, principal);
    if (call.decline) return this.#decline(fw, call.decline);
    if (call.kill) return this.#kill(fw, call.kill);
    if (call.acknowledge) return this.#acknowledge(fw, call.acknowledge);
    if (call.reconcile) return this.#reconcile(fw, call.reconcile);
    if (call.revive) return this.#revive(fw, call.revive.roles ?? []);
    if (call.suppress) return this.#suppress(fw, call.suppress.roles ?? []);
    if (call.teardown) {
      await this.#d.sessions.teardown(fw, TaskReason.TEARDOWN_BY_FRAMEWORK, answer);
      return ANSWERED;
    }
    if (call.requestGang) return this.#requestGang(fw, call.requestGang);
    if (call.cancelGang) return void fw.gangs.delete(call.cancelGang.gangId ?? '');
    throw new BerthError(ErrorCode.INVALID_CALL, 'unknown scheduler call', { field: 'call' });
  }

  #decline(fw: FrameworkEntry, decline: pb.SchedulerCall.Decline.$Properties): void {
    const ids = decline.offerIds ?? [];
    if (ids.length === 0) throw new BerthError(ErrorCode.INVALID_CALL, 'decline.offer_ids must name at least one offer', { field: 'decline.offer_ids' });
    const refuseSeconds = decline.filters?.refuseSeconds ?? this.#d.settings.defaultRefuseSeconds;
    if (!Number.isFinite(refuseSeconds) || refuseSeconds < 0) {
      throw new BerthError(ErrorCode.INVALID_CALL, 'decline.filters.refuse_seconds must be a finite number >= 0', { field: 'decline.filters.refuse_seconds' });
    }
    for (const [i, id] of ids.entries()) {
      const offer = this.#d.offers.get(id);
      if (!offer) throw new BerthError(ErrorCode.OFFER_UNKNOWN, `offer ${id} is unknown`, { field: `decline.offer_ids[${i}]` });
      if (offer.frameworkId !== fw.record.id) throw new BerthError(ErrorCode.OFFER_NOT_OWNED, `offer ${id} belongs to another framework`, { field: `decline.offer_ids[${i}]` });
    }
    for (const id of ids) {
      const offer = this.#d.offers.remove(id) as OfferEntry;
      this.#d.counters.offersDeclined++;
      if (refuseSeconds > 0) refuse(fw, { agentId: offer.agentId, resources: offer.resources, role: offer.role }, refuseSeconds, this.#d.triggerAllocation);
    }
    this.#d.triggerAllocation();
  }

  /**
   * Kills a task. The kill is remembered until the task ends: an agent that is away hears it when
   * it registers again, and if it never does, the task ends KILLED (see TaskEndings.end).
   */
  async #kill(fw: FrameworkEntry, kill: pb.SchedulerCall.Kill.$Properties): Promise<void> {
    const reg = this.#d.registry;
    const taskId = kill.taskId ?? '';
    if (kill.agentId && !reg.agents.has(kill.agentId)) {
      throw new BerthError(ErrorCode.AGENT_UNKNOWN, `agent ${kill.agentId} is unknown`, { field: 'kill.agent_id' });
    }
    // A task whose launch is still being persisted: the kill waits for it, then goes behind its RunTask.
    const pending = this.#d.accepts.inFlight(taskId);
    if (pending && pending.task.frameworkId === fw.record.id) await pending.applied.catch(() => undefined);
    const task = reg.tasks.get(taskId);
    if (!task || task.frameworkId !== fw.record.id) {
      const done = reg.completed.get(taskId);
      if (done && done.frameworkId === fw.record.id) return this.#d.outbox.answer(fw.record.id, done.status);
      throw new BerthError(ErrorCode.TASK_UNKNOWN, `task ${taskId} is unknown to this master`, { field: 'kill.task_id' });
    }
    if (isTerminal(task.status.state)) return this.#d.outbox.update(task.status);
    return askKill(this.#d, task, kill.gracePeriodMs || task.info.killGracePeriodMs || 0, TaskReason.KILLED_BY_FRAMEWORK);
  }

  async #acknowledge(fw: FrameworkEntry, ack: pb.SchedulerCall.Acknowledge.$Properties): Promise<void> {
    const reg = this.#d.registry;
    const taskId = ack.taskId ?? '';
    if (ack.agentId && !reg.agents.has(ack.agentId) && !reg.tasks.has(taskId) && !reg.completed.has(taskId)) {
      throw new BerthError(ErrorCode.AGENT_UNKNOWN, `agent ${ack.agentId} is unknown`, { field: 'acknowledge.agent_id' });
    }
    if (!ack.uuid) throw new BerthError(ErrorCode.INVALID_CALL, 'acknowledge.uuid must not be empty', { field: 'acknowledge.uuid' });
    const task = reg.tasks.get(taskId);
    if (!task || task.frameworkId !== fw.record.id) {
      if (reg.completed.has(taskId)) return;
      throw new BerthError(ErrorCode.TASK_UNKNOWN, `task ${taskId} is unknown to this master`, { field: 'acknowledge.task_id' });
    }
    if (fw.unacked.get(taskId)?.uuid === ack.uuid) fw.unacked.delete(taskId);
    // Only the acknowledgement of the terminal update itself retires the task: an earlier update's
    // can arrive after the terminal one was applied but before it was durable and forwarded, and
    // the task must stay live until it is (its agent re-sends it until then).
    if (isTerminal(task.status.state) && task.status.uuid === ack.uuid && !fw.unacked.has(taskId)) {
      // Moves the terminal, acknowledged task from the live registry to the completed ones, kept
      // (in the store too, so a new leader has them) for reconciliation and the state.
      const evicted = reg.retire(task);
      const changes: StateChange[] = [{ type: 'task.complete', task }, ...evicted.map((id): StateChange => ({ type: 'completed.delete', taskId: id }))];
      // Not worth an error: if the move is lost, a new leader re-delivers the task's last update
      // and the framework acknowledges it again.
      await this.#d.persist(...changes).catch((err: unknown) => this.#d.log.warn({ err, taskId }, 'retiring an acknowledged task failed'));
    }
  }

  #reconcile(fw: FrameworkEntry, reconcile: pb.SchedulerCall.Reconcile.$Properties): void {
    const reg = this.#d.registry;
    const asked = reconcile.tasks ?? [];
    const answer = (status: StatusUpdate): void => this.#d.outbox.answer(fw.record.id, status);
    if (asked.length === 0) {
      for (const taskId of fw.tasks) {
        const task = reg.tasks.get(taskId);
        if (task) answer(task.status);
      }
      return;
    }
    for (const item of asked) {
      const taskId = item.taskId ?? '';
      const agentId = item.agentId ?? '';
      const task = reg.tasks.get(taskId) ?? reg.completed.get(taskId) ?? this.#d.accepts.inFlight(taskId)?.task;
      if (task && task.frameworkId === fw.record.id) answer(task.status);
      else {
        answer(masterStatus({
          taskId,
          agentId,
          frameworkId: fw.record.id,
          // As Mesos: only partition-aware frameworks understand UNKNOWN; the others hear LOST.
          state: fw.record.info.partitionAware ? TaskState.TASK_UNKNOWN : TaskState.TASK_LOST,
          reason: TaskReason.RECONCILIATION,
          message: agentId && !reg.agents.has(agentId) ? `agent ${agentId} is unknown` : 'task is unknown to this master',
          timestampMs: Date.now(),
        }));
      }
    }
  }

  #revive(fw: FrameworkEntry, roles: string[]): void {
    for (const role of rolesOrAll(fw, roles)) fw.suppressed.delete(role);
    fw.filters = [];
    this.#d.triggerAllocation();
  }

  #suppress(fw: FrameworkEntry, roles: string[]): void {
    for (const role of rolesOrAll(fw, roles)) fw.suppressed.add(role);
  }

  #requestGang(fw: FrameworkEntry, request: pb.SchedulerCall.RequestGang.$Properties): void {
    const id = request.gangId ?? '';
    const idProblem = checkId(id, 'request_gang.gang_id');
    if (idProblem) throw new BerthError(ErrorCode.INVALID_CALL, idProblem, { field: 'request_gang.gang_id' });
    const role = request.role || (fw.record.info.roles?.[0] ?? '*');
    if (!fw.record.info.roles.includes(role)) {
      throw new BerthError(ErrorCode.ROLE_NOT_SUBSCRIBED, `role "${role}" is not one of this framework's roles`, { field: 'request_gang.role' });
    }
    const shapes = request.tasks ?? [];
    if (shapes.length === 0) throw new BerthError(ErrorCode.INVALID_CALL, 'request_gang.tasks must name at least one task shape', { field: 'request_gang.tasks' });
    const problems = shapes.flatMap((r, i) => resources.validate(r, `request_gang.tasks[${i}]`));
    if (problems.length > 0) throw new BerthError(ErrorCode.INVALID_RESOURCES, problems.join('; '), { field: 'request_gang.tasks' });
    fw.gangs.set(id, { id, role, tasks: shapes.map((r) => resources.normalize(r)), sinceMs: fw.gangs.get(id)?.sinceMs ?? Date.now() });
    this.#d.triggerAllocation();
  }
}
