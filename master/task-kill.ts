// Asking a live task to die, the one way for both askers (its framework, an operator): a task not
// yet on a connected agent ends KILLED at once; otherwise the kill is persisted as asked, then sent
// behind the write, and re-sent to an agent that is away when it registers again.
import type { Logger } from 'pino';
import { TaskState } from '../protocol/index.js';
import { killTask, type Outbox } from './outbox.js';
import type { Registry } from './registry.js';
import { statusChange, type StateChange, type TaskRecord } from './store/records.js';
import type { TaskEndings } from './task-endings.js';

export interface TaskKillDeps {
  registry: Registry;
  outbox: Outbox;
  endings: TaskEndings;
  log: Logger;
  persist(...changes: StateChange[]): Promise<void>;
}

/** Kills a live (non-terminal) task for `reason`; resolves once the kill is durable. */
export async function askKill(d: TaskKillDeps, task: TaskRecord, gracePeriodMs: number, reason: string): Promise<void> {
  const agent = d.registry.agents.get(task.agentId);
  if (!agent?.channel && task.status.state === TaskState.TASK_STAGING) {
    const status = d.endings.status(task, TaskState.TASK_KILLED, reason, 'killed before it reached its agent');
    d.endings.apply(task, status);
    await d.persist(statusChange(task));
    return d.outbox.update(status);
  }
  // Set before the write, so a status written meanwhile carries it too.
  task.killAsked = { gracePeriodMs, reason };
  const persisted = d.persist({ type: 'task.put', task });
  const sent = d.outbox.toAgentAfter(task.agentId, persisted, () => [killTask(task.frameworkId, task.taskId, gracePeriodMs, reason)]);
  await persisted;
  await sent;
  if (!agent?.channel) d.log.info({ taskId: task.taskId, agentId: task.agentId, reason }, 'kill asked while the agent is away; it is sent when the agent is back');
}
