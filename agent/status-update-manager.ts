// Delivers task status updates to the master reliably and in order: one FIFO per task, only its
// head in flight, the head re-sent with backoff until the master acknowledges its uuid.
import type { Logger } from 'pino';
import { backoff } from '../protocol/index.js';
import type { StatusUpdate } from '../protocol/domain/index.js';

/** Timer functions, injected so tests control time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A status update as the manager holds it (every field present, as the agent made it). */
export type PendingStatus = StatusUpdate;

export interface StatusUpdateManagerOptions {
  /** Hands one update to the connection; false when it could not be sent. */
  send: (status: PendingStatus) => boolean;
  /** First re-send delay. */
  initialMs?: number;
  /** Longest re-send delay. */
  maxMs?: number;
  /** Jitter source for the backoff (tests pass () => 1 for exact delays). */
  random?: () => number;
  timers?: Timers;
  log?: Logger;
}

interface Retry {
  handle: unknown;
  attempt: number;
}

export class StatusUpdateManager {
  #queues = new Map<string, PendingStatus[]>();
  #retries = new Map<string, Retry>();
  #send: (status: PendingStatus) => boolean;
  #delay: (attempt: number) => number;
  #timers: Timers;
  #log: Logger | undefined;
  #online = false;
  #emptyWaiters: (() => void)[] = [];
  /** Updates handed to the connection (re-sends too), and those the master acknowledged (for metrics). */
  sent = 0;
  acknowledged = 0;

  constructor(options: StatusUpdateManagerOptions) {
    this.#send = options.send;
    this.#delay = backoff({ initialMs: options.initialMs ?? 500, maxMs: options.maxMs ?? 10_000, ...(options.random ? { random: options.random } : {}) });
    this.#timers = options.timers ?? realTimers;
    this.#log = options.log;
  }

  /** Queues an update behind the task's earlier ones; it goes out at once when it is the head. */
  add(status: PendingStatus): void {
    const queue = this.#queues.get(status.taskId);
    if (queue) {
      queue.push(status);
      return;
    }
    this.#queues.set(status.taskId, [status]);
    if (this.#online) this.#sendHead(status.taskId, 0);
  }

  /**
   * Handles an acknowledgement. Only the head of a task's queue can be acknowledged (it is the
   * only one the master has seen); anything else is ignored. Returns the acknowledged update.
   */
  acknowledge(taskId: string, uuid: string): PendingStatus | undefined {
    const queue = this.#queues.get(taskId);
    const head = queue?.[0];
    if (!queue || !head || head.uuid !== uuid) {
      this.#log?.debug({ taskId, uuid }, 'ignoring acknowledgement of an update that is not in flight');
      return undefined;
    }
    this.#stopRetry(taskId);
    this.acknowledged++;
    queue.shift();
    if (queue.length === 0) {
      this.#queues.delete(taskId);
      if (this.#queues.size === 0) this.#notifyEmpty();
    } else if (this.#online) this.#sendHead(taskId, 0);
    return head;
  }

  /** The connection is registered again: every head goes out at once, retries start over. */
  online(): void {
    this.#online = true;
    for (const taskId of this.#queues.keys()) {
      this.#stopRetry(taskId);
      this.#sendHead(taskId, 0);
    }
  }

  /** The connection is gone: nothing is sent or retried until online(). */
  offline(): void {
    this.#online = false;
    for (const taskId of [...this.#retries.keys()]) this.#stopRetry(taskId);
  }

  /** Every unacknowledged update, each task's in order. */
  pending(): PendingStatus[] {
    return [...this.#queues.values()].flat();
  }

  /** Whether the task still has updates waiting for an acknowledgement. */
  has(taskId: string): boolean {
    return this.#queues.has(taskId);
  }

  get size(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.length;
    return n;
  }

  /** Resolves when every update is acknowledged, or when the signal aborts. */
  whenEmpty(signal?: AbortSignal): Promise<void> {
    if (this.#queues.size === 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        this.#emptyWaiters = this.#emptyWaiters.filter((w) => w !== done);
        resolve();
      };
      this.#emptyWaiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Stops every retry timer; the queues are kept (pending() still answers). */
  stop(): void {
    this.offline();
  }

  #sendHead(taskId: string, attempt: number): void {
    const head = this.#queues.get(taskId)?.[0];
    if (!head) return;
    const sent = this.#send(head);
    if (sent) this.sent++;
    if (attempt > 0) this.#log?.warn({ taskId, uuid: head.uuid, attempt, sent }, 're-sending unacknowledged status update');
    const delayMs = this.#delay(attempt);
    const handle = this.#timers.setTimeout(() => {
      this.#retries.delete(taskId);
      if (this.#online) this.#sendHead(taskId, attempt + 1);
    }, delayMs);
    this.#retries.set(taskId, { handle, attempt });
  }

  #stopRetry(taskId: string): void {
    const retry = this.#retries.get(taskId);
    if (!retry) return;
    this.#timers.clearTimeout(retry.handle);
    this.#retries.delete(taskId);
  }

  #notifyEmpty(): void {
    const waiters = this.#emptyWaiters;
    this.#emptyWaiters = [];
    for (const w of waiters) w();
  }
}
