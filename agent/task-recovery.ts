// Taking a task back after an agent restart: its container is adopted, relaunched, or reported
// gone, depending on what the runtime still has. The runner hands in the few steps it needs.
import type { Logger } from 'pino';
import { isTerminal, TaskReason, TaskState } from '../protocol/index.js';
import type { ContainerRuntime, ContainerSummary, ExitInfo } from './runtime/runtime.js';
import type { StatusExtra, TaskEntry } from './task-entry.js';

export interface RecoverySteps {
  runtime: ContainerRuntime;
  log: Logger;
  /** Whether the task still has updates the master has not acknowledged. */
  unacknowledged: (taskId: string) => boolean;
  /** Whether a task, or a retained finished task, has this id. */
  known: (taskId: string) => boolean;
  sandbox: (taskId: string) => string;
  update: (entry: TaskEntry, state: TaskState, extra?: StatusExtra) => Promise<void>;
  launch: (entry: TaskEntry) => Promise<void>;
  ended: (entry: TaskEntry, exit: ExitInfo) => Promise<void>;
  watch: (entry: TaskEntry) => Promise<void>;
  startHealth: (entry: TaskEntry) => void;
  retire: (entry: TaskEntry) => void;
}

export async function recoverTask(entry: TaskEntry, s: RecoverySteps): Promise<void> {
  const taskId = entry.task.taskId;
  if (isTerminal(entry.state)) {
    // Its end was acknowledged just before the agent went down, before the checkpoint said so.
    if (!s.unacknowledged(taskId)) s.retire(entry);
    return;
  }
  let found: ContainerSummary | undefined;
  try {
    found = await s.runtime.adopt({ id: entry.containerId, taskId, frameworkId: entry.frameworkId, agentId: entry.launchedBy, sandboxDir: s.sandbox(taskId) });
  } catch (err) {
    s.log.error({ taskId, err }, 'could not ask the runtime for a task container');
    await s.update(entry, TaskState.TASK_LOST, { reason: TaskReason.CONTAINER_VANISHED, message: `the agent restarted and could not find the container: ${(err as Error).message}` });
    return;
  }
  if (!found) {
    if (entry.kill) {
      await s.update(entry, TaskState.TASK_KILLED, { reason: entry.kill.reason, message: 'killed before it was launched (the agent restarted)' });
    } else if (entry.state === TaskState.TASK_STAGING || entry.state === TaskState.TASK_STARTING) {
      // The agent went down before the runtime created anything: launch it now (launch is
      // idempotent by task, so a launch that did get through is adopted, not doubled).
      s.log.info({ taskId }, 'task was not launched before the agent restarted; launching it');
      void s.launch(entry).catch((err: unknown) => s.log.error({ taskId, err }, 'relaunch failed'));
    } else {
      const what = entry.containerId === '' ? 'its container' : `container ${entry.containerId}`;
      await s.update(entry, TaskState.TASK_FAILED, { reason: TaskReason.CONTAINER_VANISHED, message: `${what} was gone when the agent restarted` });
    }
    return;
  }
  entry.containerId = found.id;
  if (!found.running) {
    s.log.info({ taskId, containerId: found.id }, 'task ended while the agent was down');
    await s.ended(entry, found.exit ?? { exitCode: null, oomKilled: false, exitUnknown: true, message: 'ended while the agent was down' });
    return;
  }
  s.log.info({ taskId, containerId: found.id }, 'task container re-adopted');
  if (entry.kill) {
    void s.runtime.kill(found.id, entry.kill.gracePeriodMs).catch((err: unknown) => s.log.warn({ taskId, err }, 'kill failed'));
  } else if (entry.state !== TaskState.TASK_RUNNING) {
    await s.update(entry, TaskState.TASK_RUNNING);
  }
  if (entry.state === TaskState.TASK_RUNNING) s.startHealth(entry);
  void s.watch(entry);
}

/** Containers of this agent that no task or retained finished task knows: an earlier agent lost them. */
export async function removeOrphans(agentId: string, s: RecoverySteps): Promise<void> {
  let found: ContainerSummary[];
  try {
    found = await s.runtime.list(agentId);
  } catch (err) {
    s.log.warn({ err }, 'could not list containers to look for orphans');
    return;
  }
  for (const c of found) {
    if (s.known(c.taskId)) continue;
    s.log.warn({ taskId: c.taskId, containerId: c.id }, 'removing a container no task of this agent knows');
    await s.runtime.remove(c.id).catch((err: unknown) => s.log.warn({ containerId: c.id, err }, 'could not remove an orphan container'));
  }
}
