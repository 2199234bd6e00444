// What the task runner holds per task, and the pure parts of its life: the status update of a
// change, and how a container's end maps to a terminal state.
import { newUuid, StatusSource, TaskReason, TaskState } from '../protocol/index.js';
import type { StatusUpdate, TaskSpec } from '../protocol/domain/index.js';
import { Health, type HealthChecker } from './health/health-checker.js';
import type { ExitInfo } from './runtime/runtime.js';

export interface TaskEntry {
  task: TaskSpec;
  frameworkId: string;
  state: TaskState;
  latest: StatusUpdate;
  containerId: string;
  /** The agent id the task was launched under (its container's label). */
  launchedBy: string;
  kill?: { reason: string; gracePeriodMs: number } | undefined;
  checker?: HealthChecker | undefined;
  health: Health;
  /** Resolves once the task's terminal update is checkpointed and queued. */
  ended: Promise<void>;
  markEnded: () => void;
}

export interface StatusExtra {
  reason?: string;
  message?: string;
  exitCode?: number;
  health?: Health;
}

export function newEntry(task: TaskSpec, frameworkId: string, state: TaskState, latest: StatusUpdate, containerId: string, launchedBy: string): TaskEntry {
  let markEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  return { task, frameworkId, state, latest, containerId, launchedBy, health: latest.health, ended, markEnded };
}

/** A fresh update (new uuid, now) from this agent. */
export function statusOf(agentId: string, taskId: string, frameworkId: string, state: TaskState, containerId: string, extra: StatusExtra = {}): StatusUpdate {
  return {
    taskId,
    state,
    reason: extra.reason ?? '',
    message: extra.message ?? '',
    agentId,
    frameworkId,
    uuid: newUuid(),
    timestampMs: Date.now(),
    source: StatusSource.AGENT,
    exitCode: extra.exitCode ?? -1,
    containerId,
    health: extra.health ?? Health.UNKNOWN,
  };
}

/** The terminal state and reason of a task whose container ended as `exit`. */
export function endingOf(entry: TaskEntry, exit: ExitInfo): { state: TaskState; extra: StatusExtra } {
  const exitCode = exit.exitCode ?? -1;
  const how = exit.exitCode !== null ? `exited with code ${exit.exitCode}` : exit.signal ? `killed by ${exit.signal}` : (exit.message ?? 'ended');
  const failed = (reason: string, message = how): { state: TaskState; extra: StatusExtra } => ({ state: TaskState.TASK_FAILED, extra: { reason, message, exitCode } });
  if (entry.kill) return { state: TaskState.TASK_KILLED, extra: { reason: entry.kill.reason, message: how, exitCode } };
  if (exit.exitCode === 0) return { state: TaskState.TASK_FINISHED, extra: { reason: TaskReason.CONTAINER_EXITED, message: how, exitCode } };
  if (exit.oomKilled) return failed(TaskReason.OOM, `${how}: out of memory (limit ${entry.task.resources.memMb} MB)`);
  if (exit.vanished) return failed(TaskReason.CONTAINER_VANISHED);
  if (exit.exitUnknown) return failed(TaskReason.EXIT_CODE_UNKNOWN);
  return failed(TaskReason.CONTAINER_EXITED);
}
