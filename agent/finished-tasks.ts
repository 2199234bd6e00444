// Tasks that ended and whose end the master acknowledged, kept for a while so their logs can still
// be read: each one's container (or sandbox) is removed after retentionMs, or sooner when more than
// maxTasks have finished since (oldest first).
import type { Logger } from 'pino';
import type { FinishedTask } from './checkpoint.js';
import { realTimers, type Timers } from './status-update-manager.js';

export interface FinishedTasksOptions {
  retentionMs: number;
  maxTasks: number;
  /** Frees what the task still holds; called once per task. */
  remove: (task: FinishedTask) => Promise<void>;
  /** Called after the list changed (the agent checkpoints it). */
  changed?: () => void;
  timers?: Timers;
  now?: () => number;
  log?: Logger;
}

export class FinishedTasks {
  #o: FinishedTasksOptions;
  #timers: Timers;
  #now: () => number;
  /** Oldest first. */
  #tasks = new Map<string, { task: FinishedTask; timer: unknown }>();

  constructor(options: FinishedTasksOptions) {
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
    this.#now = options.now ?? Date.now;
  }

  get(taskId: string): FinishedTask | undefined {
    return this.#tasks.get(taskId)?.task;
  }

  list(): FinishedTask[] {
    return [...this.#tasks.values()].map((e) => e.task);
  }

  /** Keeps task until its retention is over (at once when it already is). */
  add(task: FinishedTask): void {
    if (this.#tasks.has(task.taskId)) return;
    const leftMs = task.finishedAtMs + this.#o.retentionMs - this.#now();
    if (leftMs <= 0) {
      this.#drop(task);
      return;
    }
    const timer = this.#timers.setTimeout(() => this.#expire(task.taskId), leftMs);
    this.#tasks.set(task.taskId, { task, timer });
    while (this.#tasks.size > this.#o.maxTasks) {
      const oldest = this.#tasks.keys().next().value as string;
      this.#expire(oldest);
    }
    this.#o.changed?.();
  }

  /** Removes every kept task now (the agent is leaving for good). */
  async removeAll(): Promise<void> {
    const all = this.list();
    this.stop();
    this.#tasks.clear();
    await Promise.all(all.map((task) => this.#o.remove(task).catch((err: unknown) => this.#o.log?.warn({ taskId: task.taskId, err }, 'could not remove a finished task'))));
    this.#o.changed?.();
  }

  /** Stops the timers; what is kept stays (a restarted agent finds it in the checkpoint). */
  stop(): void {
    for (const e of this.#tasks.values()) this.#timers.clearTimeout(e.timer);
  }

  #expire(taskId: string): void {
    const e = this.#tasks.get(taskId);
    if (!e) return;
    this.#timers.clearTimeout(e.timer);
    this.#tasks.delete(taskId);
    this.#drop(e.task);
    this.#o.changed?.();
  }

  #drop(task: FinishedTask): void {
    this.#o.log?.debug({ taskId: task.taskId }, 'finished task removed');
    void this.#o.remove(task).catch((err: unknown) => this.#o.log?.warn({ taskId: task.taskId, err }, 'could not remove a finished task'));
  }
}
