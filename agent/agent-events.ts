// What the master asks of the agent, decoded once where the session hands over the envelope: the
// task runner, checkpoint, runtimes and health checks see domain values, never wire messages.
import { ErrorCode, type AgentEvent } from '../protocol/index.js';
import { decodeTaskInfo, type Problem, type TaskSpec } from '../protocol/domain/index.js';

export interface RunCommand {
  frameworkId: string;
  task: TaskSpec;
  /** What is wrong with the task; it is not launched when there is anything. */
  problems: Problem[];
}

export interface KillCommand {
  taskId: string;
  frameworkId: string;
  /** '' when the master gave none. */
  reason: string;
  /** 0 means the task's own, or the agent's default. */
  gracePeriodMs: number;
}

export interface ReadLogsCommand {
  requestId: string;
  taskId: string;
  follow: boolean;
  /** Lines from the end to start with; 0 = all. */
  tail: number;
}

/** One agent event as a command; `ignored` says why an event was not understood. */
export type AgentCommand =
  | { kind: 'registered'; agentId: string }
  | { kind: 'run'; run: RunCommand }
  | { kind: 'kill'; kill: KillCommand }
  | { kind: 'acknowledge'; taskId: string; uuid: string }
  | { kind: 'read-logs'; read: ReadLogsCommand }
  | { kind: 'cancel-logs'; requestId: string }
  | { kind: 'shutdown'; reason: string }
  | { kind: 'error'; code: string; message: string; field: string }
  | { kind: 'ignored'; why: string };

const str = (v: string | null | undefined): string => (typeof v === 'string' ? v : '');
const num = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

export function decodeAgentEvent(event: AgentEvent): AgentCommand {
  if (event.registered) return { kind: 'registered', agentId: str(event.registered.agentId) };
  if (event.runTask) {
    const decoded = decodeTaskInfo(event.runTask.task, 'run_task.task');
    return { kind: 'run', run: { frameworkId: str(event.runTask.frameworkId), task: decoded.value, problems: decoded.problems } };
  }
  if (event.killTask) {
    const k = event.killTask;
    return { kind: 'kill', kill: { taskId: str(k.taskId), frameworkId: str(k.frameworkId), reason: str(k.reason), gracePeriodMs: num(k.gracePeriodMs) } };
  }
  if (event.acknowledge) return { kind: 'acknowledge', taskId: str(event.acknowledge.taskId), uuid: str(event.acknowledge.uuid) };
  if (event.readLogs) {
    const r = event.readLogs;
    return { kind: 'read-logs', read: { requestId: str(r.requestId), taskId: str(r.taskId), follow: r.follow === true, tail: num(r.tail) } };
  }
  if (event.cancelLogs) return { kind: 'cancel-logs', requestId: str(event.cancelLogs.requestId) };
  if (event.shutdown) return { kind: 'shutdown', reason: str(event.shutdown.reason) };
  if (event.error) return { kind: 'error', code: str(event.error.code) || ErrorCode.INTERNAL, message: str(event.error.message), field: str(event.error.field) };
  return { kind: 'ignored', why: 'an agent event of no kind this agent knows' };
}
