// Checks an ACCEPT call against the offers and the registry, without changing anything. The
// result is a value: either the launches to carry out (and the tasks refused, each with the field
// at fault), or one BerthError naming the field when the call itself cannot be carried out.
import {
  BerthError,
  ContainerType,
  ErrorCode,
  OperationType,
  checkId,
  pb,
  resources,
  type Res,
  type TaskInfo,
} from '../protocol/index.js';
import { commandProblem, decodeError, decodeTaskInfo, type Problem, type TaskSpec } from '../protocol/domain/index.js';
import type { OfferEntry } from './offer-book.js';

export interface AcceptContext {
  frameworkId: string;
  frameworkRoles: readonly string[];
  /** Dynamic (RESERVE-made) reservations on an agent, per role. */
  dynamicReservations(agentId: string): ReadonlyMap<string, Res>;
  offer(id: string): OfferEntry | undefined;
  taskExists(taskId: string): boolean;
  agentExists(agentId: string): boolean;
}

export interface Launch {
  /** Decoded once, here, by the decoder agent and SDK share; placed on the offers' agent. */
  task: TaskSpec;
  resources: Res;
}

/**
 * A task refused on its own (as Mesos does, it ends TASK_ERROR while the rest of the call goes
 * ahead). Problems with its id are not among them: an update names a task by id, so a missing or
 * taken id refuses the whole call instead.
 */
export interface RejectedTask {
  task: TaskInfo;
  code: ErrorCode;
  message: string;
  field: string;
}

export interface ReservationChange {
  role: string;
  resources: Res;
}

export type AcceptPlan =
  | {
      ok: true;
      offers: OfferEntry[];
      agentId: string;
      role: string;
      launches: Launch[];
      rejected: RejectedTask[];
      reserve: ReservationChange[];
      unreserve: ReservationChange[];
      unused: Res;
    }
  | { ok: false; error: BerthError };

const fail = (code: ErrorCode, message: string, field: string): AcceptPlan => ({
  ok: false,
  error: new BerthError(code, message, { field }),
});

export function planAccept(accept: pb.SchedulerCall.Accept.$Properties, ctx: AcceptContext): AcceptPlan {
  const offerIds = accept.offerIds ?? [];
  if (offerIds.length === 0) return fail(ErrorCode.INVALID_CALL, 'accept.offer_ids must name at least one offer', 'accept.offer_ids');
  const offers: OfferEntry[] = [];
  for (const [i, id] of offerIds.entries()) {
    const offer = ctx.offer(id);
    const field = `accept.offer_ids[${i}]`;
    if (!offer) return fail(ErrorCode.OFFER_UNKNOWN, `offer ${id} is unknown: it was used, declined, rescinded or never made`, field);
    if (offer.frameworkId !== ctx.frameworkId) return fail(ErrorCode.OFFER_NOT_OWNED, `offer ${id} belongs to another framework`, field);
    if (offers.some((o) => o.id === id)) return fail(ErrorCode.INVALID_CALL, `offer ${id} is named twice`, field);
    if (offers[0] && offers[0].agentId !== offer.agentId) {
      return fail(ErrorCode.OFFERS_SPAN_AGENTS, `offers of one accept must be on one agent; ${id} is on ${offer.agentId}, not ${offers[0].agentId}`, field);
    }
    offers.push(offer);
  }
  const first = offers[0] as OfferEntry;
  const pool = offers.reduce((sum, o) => resources.add(sum, o.resources), resources.empty());

  let used = resources.empty();
  const launches: Launch[] = [];
  const rejected: RejectedTask[] = [];
  const reserve: ReservationChange[] = [];
  const unreserve: ReservationChange[] = [];
  const seen = new Set<string>();
  for (const [oi, op] of (accept.operations ?? []).entries()) {
    const opField = `accept.operations[${oi}]`;
    const type = op.type ?? OperationType.UNKNOWN;
    if (type === OperationType.RESERVE || type === OperationType.UNRESERVE) {
      const problem = planReservations(op, type, opField, offers, pool, ctx, reserve, unreserve);
      if (problem) return problem;
      continue;
    }
    if (type !== OperationType.LAUNCH && type !== OperationType.LAUNCH_GROUP) {
      return fail(ErrorCode.INVALID_CALL, `operation type must be LAUNCH, LAUNCH_GROUP, RESERVE or UNRESERVE`, `${opField}.type`);
    }
    const tasks = op.tasks ?? [];
    if (tasks.length === 0) return fail(ErrorCode.INVALID_CALL, 'a launch must carry at least one task', `${opField}.tasks`);
    const before = { launches: launches.length, rejected: rejected.length, used };
    for (const [ti, task] of tasks.entries()) {
      const field = `${opField}.tasks[${ti}]`;
      const idProblem = checkId(task.taskId, `${field}.task_id`);
      if (idProblem) return fail(ErrorCode.INVALID_TASK, idProblem, `${field}.task_id`);
      const taskId = task.taskId as string;
      if (seen.has(taskId) || ctx.taskExists(taskId)) {
        return fail(ErrorCode.TASK_ID_DUPLICATE, `task id ${taskId} is already in use`, `${field}.task_id`);
      }
      seen.add(taskId);
      const decoded = decodeTaskInfo(task, field);
      const problem = checkTask(task, decoded.problems, field, first.agentId, ctx);
      if (problem) {
        rejected.push({ task, ...problem });
        continue;
      }
      const r = resources.normalize(task.resources);
      if (!resources.contains(pool, resources.add(used, r))) {
        rejected.push({
          task,
          code: ErrorCode.RESOURCES_EXCEED_OFFER,
          message: `${field}.resources: task ${taskId} needs ${resources.format(r)}, but the offers have only ${resources.format(resources.subtract(pool, used))} left`,
          field: `${field}.resources`,
        });
        continue;
      }
      used = resources.add(used, r);
      launches.push({ task: { ...decoded.value, agentId: first.agentId }, resources: r });
    }
    if (type === OperationType.LAUNCH_GROUP && rejected.length > before.rejected) {
      // A group is all or nothing: one refused task refuses the others of its group too.
      const culprit = rejected[before.rejected] as RejectedTask;
      for (const l of launches.splice(before.launches)) {
        rejected.push({ task: l.task, code: culprit.code, message: `another task of its group was refused: ${culprit.message}`, field: culprit.field });
      }
      used = before.used;
    }
  }
  return { ok: true, offers, agentId: first.agentId, role: first.role, launches, rejected, reserve, unreserve, unused: resources.subtract(pool, used) };
}

/**
 * RESERVE turns unreserved resources of the offers into a reservation for one of the framework's
 * roles; UNRESERVE gives back dynamically reserved resources that are in the offers. Both take
 * effect when the ACCEPT is carried out; the resources are then offered again as what they became.
 */
function planReservations(
  op: pb.Operation.$Properties,
  type: OperationType,
  opField: string,
  offers: OfferEntry[],
  pool: Res,
  ctx: AcceptContext,
  reserve: ReservationChange[],
  unreserve: ReservationChange[],
): AcceptPlan | undefined {
  const list = op.reservations ?? [];
  const verb = OperationType[type];
  if (list.length === 0) return fail(ErrorCode.INVALID_CALL, `a ${verb} needs at least one reservation`, `${opField}.reservations`);
  const agentId = (offers[0] as OfferEntry).agentId;
  const offeredReserved = new Map<string, Res>();
  for (const o of offers) offeredReserved.set(o.role, resources.add(offeredReserved.get(o.role) ?? resources.empty(), o.reserved));
  const unreservedPool = [...offeredReserved.values()].reduce((p, r) => resources.subtract(p, r), pool);
  for (const [ri, res] of list.entries()) {
    const field = `${opField}.reservations[${ri}]`;
    const role = res.role ?? '';
    if (!ctx.frameworkRoles.includes(role)) {
      return fail(ErrorCode.ROLE_NOT_SUBSCRIBED, `role "${role}" is not one of this framework's roles (${ctx.frameworkRoles.join(', ')})`, `${field}.role`);
    }
    const problems = resources.validate(res.resources, `${field}.resources`);
    if (problems.length > 0) return fail(ErrorCode.INVALID_RESOURCES, problems.join('; '), `${field}.resources`);
    const r = resources.normalize(res.resources);
    if (r.ports.length > 0) return fail(ErrorCode.INVALID_RESOURCES, `${field}.resources: ports cannot be reserved, only scalars`, `${field}.resources.ports`);
    if (resources.isEmpty(r)) return fail(ErrorCode.INVALID_RESOURCES, `${field}.resources must not be empty`, `${field}.resources`);
    if (type === OperationType.RESERVE) {
      reserve.push({ role, resources: r });
      const total = reserve.reduce((sum, x) => resources.add(sum, x.resources), resources.empty());
      if (!resources.contains(unreservedPool, total)) {
        return fail(ErrorCode.RESOURCES_EXCEED_OFFER, `cannot reserve ${resources.format(total)}: the offers have only ${resources.format(unreservedPool)} unreserved`, `${field}.resources`);
      }
    } else {
      unreserve.push({ role, resources: r });
      const total = unreserve.filter((x) => x.role === role).reduce((sum, x) => resources.add(sum, x.resources), resources.empty());
      if (!resources.contains(offeredReserved.get(role) ?? resources.empty(), total)) {
        return fail(ErrorCode.RESOURCES_EXCEED_OFFER, `cannot unreserve ${resources.format(total)} for ${role}: only reserved resources in the offers can be unreserved`, `${field}.resources`);
      }
      if (!resources.contains(ctx.dynamicReservations(agentId).get(role) ?? resources.empty(), total)) {
        return fail(ErrorCode.INVALID_CALL, `only RESERVE-made reservations can be undone; ${role} has a static reservation on ${agentId}`, `${field}.resources`);
      }
    }
  }
  return undefined;
}

type TaskProblem = Omit<RejectedTask, 'task'>;

const problem = (code: ErrorCode, message: string, field: string): TaskProblem => ({ code, message, field });

/**
 * What is wrong with one task on its own (its id is checked by the caller), or undefined. The
 * checks below keep the codes and fields the master has always answered with; what the shared
 * decoder finds beyond them (volumes, the health check, values of the wrong kind) comes last.
 */
function checkTask(task: TaskInfo, decoded: readonly Problem[], field: string, agentId: string, ctx: AcceptContext): TaskProblem | undefined {
  if (task.agentId && task.agentId !== agentId) {
    if (!ctx.agentExists(task.agentId)) return problem(ErrorCode.AGENT_UNKNOWN, `${field}.agent_id: agent ${task.agentId} is unknown`, `${field}.agent_id`);
    return problem(ErrorCode.AGENT_MISMATCH, `${field}.agent_id: task names agent ${task.agentId} but the offer is on ${agentId}`, `${field}.agent_id`);
  }
  const problems = resources.validate(task.resources, `${field}.resources`);
  if (problems.length > 0) return problem(ErrorCode.INVALID_RESOURCES, problems.join('; '), `${field}.resources`);
  const r = resources.normalize(task.resources);
  if (r.cpus <= 0) return problem(ErrorCode.INVALID_RESOURCES, `${field}.resources.cpus must be greater than 0`, `${field}.resources.cpus`);
  if (r.memMb <= 0) return problem(ErrorCode.INVALID_RESOURCES, `${field}.resources.mem_mb must be greater than 0`, `${field}.resources.mem_mb`);
  const runnable = commandProblem(task.command ?? {}, task.container?.type === ContainerType.DOCKER);
  if (runnable) return problem(ErrorCode.INVALID_TASK, `${field}.command.value ${runnable}`, `${field}.command.value`);
  if (task.container?.type === ContainerType.DOCKER && !task.container.image) {
    return problem(ErrorCode.INVALID_TASK, `${field}.container.image is required for a DOCKER container`, `${field}.container.image`);
  }
  const grace = task.killGracePeriodMs ?? 0;
  if (!Number.isFinite(grace) || grace < 0) {
    return problem(ErrorCode.INVALID_TASK, `${field}.kill_grace_period_ms must be a finite number >= 0`, `${field}.kill_grace_period_ms`);
  }
  const rest = decodeError(decoded.filter((p) => p.field !== `${field}.task_id` && p.field !== `${field}.agent_id`));
  return rest ? problem(rest.code, rest.message, rest.field) : undefined;
}
