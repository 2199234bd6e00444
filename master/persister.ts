// Group commit in front of the ClusterStore: changes made in the same tick go to the store as one
// fenced batch, one batch in flight at a time so order is kept. persist() resolves once the batch
// holding its changes is written; callers acknowledge only after that.
import type { ClusterStore } from './store/cluster-store.js';
import type { StateChange } from './store/records.js';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Persister {
  #store: ClusterStore;
  #epoch: () => number;
  #pending: StateChange[] = [];
  #waiters: Waiter[] = [];
  #flushing = false;
  #scheduled = false;
  #onError: (err: unknown) => void;
  /** Batches written and changes in them, for metrics. */
  readonly stats = { batches: 0, changes: 0 };
  /** When the writes began failing (epoch ms), or null while the last batch was written. */
  failingSinceMs: number | null = null;

  constructor(store: ClusterStore, epoch: () => number, onError: (err: unknown) => void) {
    this.#store = store;
    this.#epoch = epoch;
    this.#onError = onError;
  }

  persist(...changes: StateChange[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push(...changes);
      this.#waiters.push({ resolve, reject });
      if (!this.#scheduled && !this.#flushing) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#flushing || this.#waiters.length === 0) return;
    this.#flushing = true;
    const changes = this.#pending;
    const waiters = this.#waiters;
    this.#pending = [];
    this.#waiters = [];
    try {
      if (changes.length > 0) await this.#store.apply(this.#epoch(), changes);
      this.stats.batches++;
      this.stats.changes += changes.length;
      this.failingSinceMs = null;
      for (const w of waiters) w.resolve();
    } catch (err) {
      this.failingSinceMs ??= Date.now();
      for (const w of waiters) w.reject(err);
      this.#onError(err);
    } finally {
      this.#flushing = false;
      if (this.#waiters.length > 0) void this.#flush();
    }
  }
}
