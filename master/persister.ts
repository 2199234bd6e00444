// Group commit in front of the ClusterStore: changes made in the same tick go to the store as one
// fenced batch, one batch in flight at a time so order is kept. persist() resolves once the batch
// holding its changes is written; callers acknowledge only after that. A batch holds whole calls
// (one call's changes are always written together) and at most maxBatchChanges changes unless a
// single call has more: under a burst the changes waiting behind a slow write would otherwise grow
// into one script of every launch at once (100,000 tasks at 5,000 agents overflowed the Redis
// client's call stack and held Redis for as long as it ran).
import type { ClusterStore } from './store/cluster-store.js';
import type { StateChange } from './store/records.js';
import { StoreWrites } from './store-writes.js';

/** The default cap of one batch, in changes. */
export const MAX_BATCH_CHANGES = 2_000;

interface Call {
  changes: StateChange[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Persister {
  #store: ClusterStore;
  #epoch: () => number;
  #calls: Call[] = [];
  #flushing = false;
  #scheduled = false;
  #onError: (err: unknown) => void;
  #maxBatchChanges: number;
  /** Batches written and changes in them, for metrics. */
  readonly stats = { batches: 0, changes: 0 };
  /** Told each batch's outcome (shared with the lease's renewals in a master). */
  readonly writes: StoreWrites;

  constructor(store: ClusterStore, epoch: () => number, onError: (err: unknown) => void, maxBatchChanges = MAX_BATCH_CHANGES, writes = new StoreWrites()) {
    this.writes = writes;
    this.#store = store;
    this.#epoch = epoch;
    this.#onError = onError;
    this.#maxBatchChanges = maxBatchChanges;
  }

  persist(...changes: StateChange[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#calls.push({ changes, resolve, reject });
      if (!this.#scheduled && !this.#flushing) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  /** The calls of the next batch: whole calls from the front, within the cap (at least one). */
  #take(): Call[] {
    let n = 0;
    let size = 0;
    while (n < this.#calls.length) {
      const next = (this.#calls[n] as Call).changes.length;
      if (n > 0 && size + next > this.#maxBatchChanges) break;
      size += next;
      n++;
    }
    return this.#calls.splice(0, n);
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#flushing || this.#calls.length === 0) return;
    this.#flushing = true;
    const calls = this.#take();
    const changes = calls.length === 1 ? (calls[0] as Call).changes : calls.flatMap((c) => c.changes);
    try {
      if (changes.length > 0) await this.#store.apply(this.#epoch(), changes);
      this.stats.batches++;
      this.stats.changes += changes.length;
      this.writes.succeeded();
      for (const c of calls) c.resolve();
    } catch (err) {
      this.writes.failed();
      for (const c of calls) c.reject(err);
      this.#onError(err);
    } finally {
      this.#flushing = false;
      if (this.#calls.length > 0) void this.#flush();
    }
  }
}
