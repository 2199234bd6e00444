// The one place where the master itself ends tasks (its agent is unreachable or gone, it was not
// reported at re-registration, its framework was torn down): each gets a master-made status, its
// resources go back to the pool, and the caller persists the changes before delivering them.
import { StatusSource, TaskState, isTerminal, newUuid } from '../protocol/index.js';
import { TaskHealth, type StatusUpdate } from '../protocol/domain/index.js';
import type { Outbox } from './outbox.js';
import type { Registry } from './registry.js';
import { statusChange, type StateChange, type TaskRecord } from './store/records.js';

export interface TaskEndingsDeps {
  registry: Registry;
  outbox: Outbox;
  triggerAllocation(): void;
}

/** How one task ends: its state, or undefined to leave it as it is. */
export type EndRule = (task: TaskRecord) => TaskState | undefined;

export interface Ending {
  changes: StateChange[];
  statuses: StatusUpdate[];
}

export class TaskEndings {
  #d: TaskEndingsDeps;

  constructor(deps: TaskEndingsDeps) {
    this.#d = deps;
  }

  /** A status the master makes up for a task (no agent said it). */
  status(task: TaskRecord, state: TaskState, reason: string, message: string): StatusUpdate {
    return {
      taskId: task.taskId,
      state,
      reason,
      message,
      agentId: task.agentId,
      frameworkId: task.frameworkId,
      uuid: newUuid(),
      timestampMs: Date.now(),
      source: StatusSource.MASTER,
      exitCode: -1,
      containerId: task.status.containerId,
      health: TaskHealth.UNKNOWN,
    };
  }

  /** Moves a task to a new status in memory; when its resources are freed, the allocator runs. */
  apply(task: TaskRecord, status: StatusUpdate): void {
    if (this.#d.registry.applyStatus(task, status)) this.#d.triggerAllocation();
  }

  /**
   * Ends the live tasks among taskIds as rule says, with reason and message. A task whose kill
   * was asked ends KILLED instead of LOST, UNREACHABLE or GONE: the framework wanted it dead, and
   * should its agent come back with it running, the registration kills it (it is terminal here).
   */
  end(taskIds: Iterable<string>, rule: EndRule, reason: string, message: string): Ending {
    const ending: Ending = { changes: [], statuses: [] };
    for (const taskId of [...taskIds]) {
      const task = this.#d.registry.tasks.get(taskId);
      if (!task || isTerminal(task.status.state)) continue;
      const ruled = rule(task);
      if (ruled === undefined) continue;
      const asked = Boolean(task.killAsked);
      const state = asked && ruled !== TaskState.TASK_DROPPED ? TaskState.TASK_KILLED : ruled;
      const status = this.status(task, state, reason, asked && state === TaskState.TASK_KILLED ? `${message}; its kill had been asked` : message);
      this.apply(task, status);
      ending.changes.push(statusChange(task));
      ending.statuses.push(status);
    }
    return ending;
  }

  /** Tells the frameworks, once the ending is durable. */
  deliver(ending: Ending): void {
    for (const status of ending.statuses) this.#d.outbox.update(status);
  }

  /** The state for a task whose agent is lost for now or for good: partition-aware frameworks hear it as such. */
  partitioned(state: TaskState): EndRule {
    return (task) => (this.#d.registry.frameworks.get(task.frameworkId)?.record.info.partitionAware ? state : TaskState.TASK_LOST);
  }
}
