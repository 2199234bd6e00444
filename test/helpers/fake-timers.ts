// A clock the test moves by hand, for components that take injected Timers and now().
import type { Timers } from '../../agent/index.js';

export class FakeTimers implements Timers {
  nowMs = 0;
  #next = 1;
  #due = new Map<number, { atMs: number; fn: () => void }>();
  readonly now = (): number => this.nowMs;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#due.set(id, { atMs: this.nowMs + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#due.delete(handle as number);
  }

  get pending(): number {
    return this.#due.size;
  }

  /** Moves time on, running what falls due; awaits pending promise callbacks after each timer. */
  async advance(ms: number): Promise<void> {
    const end = this.nowMs + ms;
    for (;;) {
      await settle();
      const [id, next] = [...this.#due.entries()].sort((a, b) => a[1].atMs - b[1].atMs)[0] ?? [];
      if (id === undefined || !next || next.atMs > end) break;
      this.#due.delete(id);
      this.nowMs = next.atMs;
      next.fn();
    }
    this.nowMs = end;
    await settle();
  }
}

/** Lets every queued promise callback run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
