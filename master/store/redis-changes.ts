// How RedisStore writes state changes and reads them back: each change as the APPLY script's
// (type, id, value) triple, records as JSON, a status change as its short encoding.
import { BerthError, ErrorCode } from '../../protocol/index.js';
import type { AgentRecord, FrameworkRecord, RoleRecord, StateChange, TaskRecord } from './records.js';
import { decodeStatus, encodeStatus } from './status-codec.js';

/** A loaded task with the status written since its record, when there is one. */
export function withStatus(task: TaskRecord, status: string | undefined): TaskRecord {
  if (status === undefined) return task;
  const latest = decodeStatus(task.taskId, status);
  task.status = latest.status;
  task.appliedUuids = latest.appliedUuids;
  return task;
}

/** A change as the APPLY script's (type, id, value) triple. */
export function encodeChange(change: StateChange): [string, string, string] {
  switch (change.type) {
    case 'agent.put': return [change.type, change.agent.id, JSON.stringify(change.agent)];
    case 'agent.delete': return [change.type, change.agentId, ''];
    case 'framework.put': return [change.type, change.framework.id, JSON.stringify(change.framework)];
    case 'framework.delete': return [change.type, change.frameworkId, ''];
    case 'task.put': return [change.type, change.task.taskId, JSON.stringify(change.task)];
    case 'task.status': return [change.type, change.taskId, encodeStatus(change.status, change.appliedUuids)];
    case 'task.delete': return [change.type, change.taskId, ''];
    case 'task.complete': return [change.type, change.task.taskId, JSON.stringify(change.task)];
    case 'completed.delete': return [change.type, change.taskId, ''];
    case 'role.put': return [change.type, change.role.name, JSON.stringify(change.role)];
    case 'role.delete': return [change.type, change.name, ''];
    default:
      // Untyped callers: let the script refuse it (UNKNOWN_CHANGE) before writing anything.
      return [String((change as { type: unknown }).type), '', ''];
  }
}

export function decodeChange(type: string, id: string, value: string): StateChange {
  switch (type) {
    case 'agent.put': return { type, agent: JSON.parse(value) as AgentRecord };
    case 'agent.delete': return { type, agentId: id };
    case 'framework.put': return { type, framework: JSON.parse(value) as FrameworkRecord };
    case 'framework.delete': return { type, frameworkId: id };
    case 'task.put': return { type, task: JSON.parse(value) as TaskRecord };
    case 'task.status': return { type, taskId: id, ...decodeStatus(id, value) };
    case 'task.delete': return { type, taskId: id };
    case 'task.complete': return { type, task: JSON.parse(value) as TaskRecord };
    case 'completed.delete': return { type, taskId: id };
    case 'role.put': return { type, role: JSON.parse(value) as RoleRecord };
    case 'role.delete': return { type, name: id };
    default:
      throw new BerthError(ErrorCode.INTERNAL, `event stream holds an unknown change type '${type}'`);
  }
}

