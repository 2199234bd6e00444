// A single-consumer async queue: producers push, one `for await` loop pulls.

export class EventQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #ended = false;
  #onPull: ((previous: T) => void) | undefined;
  #delivered: T | undefined;

  /**
   * Called with the item handed out last, when the consumer asks for the next one: by then the
   * consumer has finished with it (the SDK acknowledges updates at that point).
   */
  onPull(fn: (previous: T) => void): void {
    this.#onPull = fn;
  }

  push(item: T): void {
    if (this.#ended) return;
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      this.#delivered = item;
      waiting({ value: item, done: false });
    } else this.#items.push(item);
  }

  end(): void {
    this.#ended = true;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const previous = this.#delivered;
        this.#delivered = undefined;
        if (previous !== undefined) this.#onPull?.(previous);
        const item = this.#items.shift();
        if (item !== undefined) {
          this.#delivered = item;
          return Promise.resolve({ value: item, done: false });
        }
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.#waiting = resolve));
      },
      return: () => {
        // Leaving the loop means the consumer finished with the item it holds.
        const previous = this.#delivered;
        this.#delivered = undefined;
        if (previous !== undefined) this.#onPull?.(previous);
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
