// What operators do to tasks and frameworks through the API: kill a task (an orphan, a stuck one)
// and look at or tear down a framework (a dead one whose tasks should go), with the same rules as
// the framework's own calls: the kill is durable before it is sent, and the framework hears of it.
import { BerthError, ErrorCode, TaskReason, isTerminal, stateName } from '../protocol/index.js';
import type { FrameworkEntry } from './registry.js';
import type { SchedulerCallsDeps } from './scheduler-calls.js';
import { frameworkView, type FrameworkView } from './state-view.js';
import { askKill } from './task-kill.js';

/** What operator calls need: the scheduler calls' parts, less their settings. */
export type OperatorCallsDeps = Pick<SchedulerCallsDeps, 'registry' | 'offers' | 'outbox' | 'endings' | 'sessions' | 'accepts' | 'log' | 'isLeading' | 'persist'>;

/** The answer to an operator's kill: where the task is now. */
export interface KillAnswer {
  taskId: string;
  frameworkId: string;
  agentId: string;
  /** The task's state when the kill was durable (it ends KILLED when its agent has stopped it). */
  state: string;
  /** True when the task had ended before the kill, so nothing was done. */
  alreadyEnded: boolean;
}

/** One framework in detail: the list's fields, its description and its live tasks. */
export interface FrameworkDetail extends FrameworkView {
  failoverTimeoutMs: number;
  user: string;
  principal: string;
  partitionAware: boolean;
  webuiUrl: string;
  unacknowledgedUpdates: number;
  pendingGangs: string[];
  taskIds: string[];
}

export class OperatorCalls {
  #d: OperatorCallsDeps;

  constructor(deps: OperatorCallsDeps) {
    this.#d = deps;
  }

  /** Kills a task on behalf of an operator; idempotent (a task that has ended is answered as it is). */
  async kill(taskId: string): Promise<KillAnswer> {
    this.#leading();
    const reg = this.#d.registry;
    // A launch still being persisted: the kill waits for it, then goes behind its RunTask.
    await this.#d.accepts.inFlight(taskId)?.applied.catch(() => undefined);
    const task = reg.tasks.get(taskId) ?? reg.completed.get(taskId);
    if (!task) throw new BerthError(ErrorCode.TASK_UNKNOWN, `task ${taskId} is unknown to this master; see berth tasks`, { field: 'id' });
    const answer = (alreadyEnded: boolean): KillAnswer => ({ taskId, frameworkId: task.frameworkId, agentId: task.agentId, state: stateName(task.status.state), alreadyEnded });
    if (isTerminal(task.status.state)) return answer(true);
    const grace = task.info.killGracePeriodMs || 0;
    await askKill(this.#d, task, grace, TaskReason.KILLED_BY_OPERATOR);
    this.#d.log.info({ taskId, frameworkId: task.frameworkId }, 'task kill asked by an operator');
    return answer(false);
  }

  frameworks(): FrameworkView[] {
    return [...this.#d.registry.frameworks.values()].map((f) => frameworkView(f, this.#d.offers));
  }

  framework(id: string): FrameworkDetail {
    const f = this.#framework(id);
    const info = f.record.info;
    return {
      ...frameworkView(f, this.#d.offers),
      failoverTimeoutMs: info.failoverTimeoutMs,
      user: info.user,
      principal: info.principal,
      partitionAware: info.partitionAware,
      webuiUrl: info.webuiUrl,
      unacknowledgedUpdates: f.unacked.size,
      pendingGangs: [...f.gangs.keys()],
      taskIds: [...f.tasks].sort(),
    };
  }

  /** Tears a framework down: its tasks are killed and forgotten, its connection closed. */
  async teardown(id: string): Promise<{ frameworkId: string; tasksKilled: number }> {
    this.#leading();
    const f = this.#framework(id);
    const reg = this.#d.registry;
    const tasksKilled = [...f.tasks].filter((t) => {
      const task = reg.tasks.get(t);
      return task !== undefined && !isTerminal(task.status.state);
    }).length;
    await this.#d.sessions.teardown(f, TaskReason.TEARDOWN_BY_OPERATOR);
    return { frameworkId: id, tasksKilled };
  }

  #framework(id: string): FrameworkEntry {
    const f = this.#d.registry.frameworks.get(id);
    if (!f) throw new BerthError(ErrorCode.FRAMEWORK_UNKNOWN, `framework ${id} is unknown to this master; see berth frameworks`, { field: 'id' });
    return f;
  }

  #leading(): void {
    if (!this.#d.isLeading()) throw new BerthError(ErrorCode.NOT_LEADER, 'this master is not the leader');
  }
}
