// How RedisStore writes a task's status change: a short JSON array of the status's fields in a
// fixed order (no field names, no nested objects), so an update costs about 150 bytes to encode,
// send, fsync and keep instead of the whole task record (600-800 bytes) it replaces.
import { BerthError, ErrorCode, type TaskState } from '../../protocol/index.js';
import type { StatusSourceKind, StatusUpdate, TaskHealth } from '../../protocol/domain/index.js';

/** The first element of every encoded status: the layout below. */
const LAYOUT = 1;

/**
 * `[1, state, reason, message, uuid, timestampMs, source, health, exitCode, containerId, agentId,
 * frameworkId, ...appliedUuids]`; the task id is the hash field (or the event's id) it is stored under.
 */
export function encodeStatus(status: StatusUpdate, appliedUuids: readonly string[]): string {
  const s = status;
  const fields: unknown[] = [LAYOUT, s.state, s.reason, s.message, s.uuid, s.timestampMs, s.source, s.health, s.exitCode, s.containerId, s.agentId, s.frameworkId];
  for (const uuid of appliedUuids) fields.push(uuid);
  return JSON.stringify(fields);
}

/** What encodeStatus wrote for taskId; throws INTERNAL when the value is not of that layout. */
export function decodeStatus(taskId: string, text: string): { status: StatusUpdate; appliedUuids: string[] } {
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch (err) {
    throw new BerthError(ErrorCode.INTERNAL, `the stored status of task ${taskId} is not JSON`, { cause: err });
  }
  if (!Array.isArray(f) || f[0] !== LAYOUT || f.length < 12) {
    throw new BerthError(ErrorCode.INTERNAL, `the stored status of task ${taskId} is not a layout-${LAYOUT} array of at least 12 fields`);
  }
  const status: StatusUpdate = {
    taskId,
    state: f[1] as TaskState,
    reason: f[2] as string,
    message: f[3] as string,
    agentId: f[10] as string,
    frameworkId: f[11] as string,
    uuid: f[4] as string,
    timestampMs: f[5] as number,
    source: f[6] as StatusSourceKind,
    health: f[7] as TaskHealth,
    exitCode: f[8] as number,
    containerId: f[9] as string,
  };
  return { status, appliedUuids: f.slice(12) as string[] };
}
