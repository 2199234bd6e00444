// An agent's registration may come in parts: a Register that announces tasks_total, then
// RegisterTasks frames, since one frame (at most about 1 MiB) holds only a few thousand tasks.
// This collects the parts of one connection. Nothing is acted on until the last part is in, so a
// task that is still on its way is never taken for one the agent no longer runs (and made LOST).
import type { pb } from '../protocol/index.js';

/** What a master asks for in its Welcome: tasks per RegisterTasks frame (about 300 KB of reports). */
export const REGISTER_TASKS_PER_FRAME = 1_000;
/** More than any agent runs; a larger announcement is refused instead of collected. */
export const MAX_REGISTER_TASKS = 1_000_000;

type Register = pb.AgentCall.Register.$Properties;
type TaskReport = pb.TaskReport.$Properties;

export type PartsOutcome =
  | { kind: 'complete'; register: Register }
  | { kind: 'waiting'; received: number; total: number }
  | { kind: 'refused'; message: string; field: string };

export class RegistrationParts {
  #register: Register | undefined;
  #tasks: TaskReport[] = [];
  #total = 0;

  /** A Register: complete when it carries every task, else the first part (it replaces any unfinished one). */
  start(register: Register): PartsOutcome {
    this.#register = undefined;
    this.#tasks = [];
    const tasks = register.tasks ?? [];
    const total = register.tasksTotal ?? 0;
    if (total === 0 || total === tasks.length) return { kind: 'complete', register };
    if (!Number.isInteger(total) || total < tasks.length || total > MAX_REGISTER_TASKS) {
      return { kind: 'refused', message: `register.tasks_total must be a whole number from ${tasks.length} (the tasks in this frame) to ${MAX_REGISTER_TASKS}, got ${total}`, field: 'register.tasks_total' };
    }
    this.#register = register;
    this.#tasks = [...tasks];
    this.#total = total;
    return { kind: 'waiting', received: tasks.length, total };
  }

  /** A RegisterTasks frame: the next part of the registration started on this connection. */
  add(tasks: readonly TaskReport[]): PartsOutcome {
    const register = this.#register;
    if (!register) return { kind: 'refused', message: 'register_tasks must follow a Register that announced tasks_total', field: 'register_tasks' };
    if (this.#tasks.length + tasks.length > this.#total) {
      const received = this.#tasks.length + tasks.length;
      this.#register = undefined;
      this.#tasks = [];
      return { kind: 'refused', message: `register_tasks brought ${received} tasks, more than the ${this.#total} the Register announced`, field: 'register_tasks.tasks' };
    }
    for (const task of tasks) this.#tasks.push(task);
    if (this.#tasks.length < this.#total) return { kind: 'waiting', received: this.#tasks.length, total: this.#total };
    const complete: Register = { ...register, tasks: this.#tasks, tasksTotal: 0 };
    this.#register = undefined;
    this.#tasks = [];
    return { kind: 'complete', register: complete };
  }
}
