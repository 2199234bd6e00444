// A task's status update (TaskStatus) with every field present.
import { checkId } from '../ids.js';
import { ErrorCode } from '../errors.js';
import { StatusSource, TaskState, type TaskStatus } from '../messages.js';
import { isTerminal } from '../task-state.js';
import { FieldReader, isSet, type Decoded } from './decoded.js';

/** TaskStatus.health on the wire. */
export const TaskHealth = { UNKNOWN: 0, HEALTHY: 1, UNHEALTHY: 2 } as const;
export type TaskHealth = (typeof TaskHealth)[keyof typeof TaskHealth];

export type StatusSourceKind = (typeof StatusSource)[keyof typeof StatusSource];

export interface StatusUpdate {
  taskId: string;
  state: TaskState;
  /** A stable upper-case code (protocol/task-reasons.ts), '' when none. */
  reason: string;
  message: string;
  agentId: string;
  frameworkId: string;
  /** '' for updates the master made, which need no acknowledgement. */
  uuid: string;
  timestampMs: number;
  source: StatusSourceKind;
  health: TaskHealth;
  /** The exit code of a terminal update; -1 when not known, and always -1 for a task not yet ended. */
  exitCode: number;
  containerId: string;
}

/**
 * A TaskStatus as a StatusUpdate. Problems: task_id (the id rule), state and source (known
 * values), health (0-2), exit_code (whole), timestamp_ms (>= 0).
 * proto3 does not send zeros, so a terminal update without exit_code exited with 0.
 */
export function decodeTaskStatus(wire: TaskStatus | null | undefined, field = 'status'): Decoded<StatusUpdate> {
  const r = new FieldReader([], ErrorCode.INVALID_CALL);
  const m = r.message(wire, field);
  const taskId = r.str(m?.taskId, `${field}.task_id`);
  const idProblem = checkId(taskId, `${field}.task_id`);
  if (idProblem) r.problems.push({ field: `${field}.task_id`, message: idProblem, code: ErrorCode.INVALID_CALL });
  const state = r.enumValue(m?.state, `${field}.state`, TaskState);
  let health = r.num(m?.health, `${field}.health`, { min: 0, integer: true });
  if (health > TaskHealth.UNHEALTHY) {
    r.add(`${field}.health`, `must be 0 (unknown), 1 (healthy) or 2 (unhealthy), got ${health}`);
    health = TaskHealth.UNKNOWN;
  }
  const exit = r.num(m?.exitCode, `${field}.exit_code`, { integer: true, fallback: isSet(m, 'exitCode') ? -1 : 0 });
  const value: StatusUpdate = {
    taskId,
    state,
    reason: r.str(m?.reason, `${field}.reason`),
    message: r.str(m?.message, `${field}.message`),
    agentId: r.str(m?.agentId, `${field}.agent_id`),
    frameworkId: r.str(m?.frameworkId, `${field}.framework_id`),
    uuid: r.str(m?.uuid, `${field}.uuid`),
    timestampMs: r.num(m?.timestampMs, `${field}.timestamp_ms`, { min: 0 }),
    source: r.enumValue(m?.source, `${field}.source`, StatusSource),
    health: health as TaskHealth,
    exitCode: isTerminal(state) ? exit : -1,
    containerId: r.str(m?.containerId, `${field}.container_id`),
  };
  return { value, problems: r.problems };
}

export function toWireTaskStatus(s: StatusUpdate): TaskStatus {
  return { ...s };
}
