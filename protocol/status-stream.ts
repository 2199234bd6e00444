// A broadcast of status changes as async iterables: each iterator sees what is published after it
// was made, in order, until the stream ends. A consumer that falls far behind loses the oldest
// entries rather than holding memory without bound.

export class StatusStream<T> {
  #consumers = new Set<Consumer<T>>();
  #ended = false;
  readonly #limit: number;

  constructor(limit = 1_000) {
    this.#limit = limit;
  }

  get ended(): boolean {
    return this.#ended;
  }

  publish(item: T): void {
    if (this.#ended) return;
    for (const c of this.#consumers) c.push(item, this.#limit);
  }

  end(): void {
    this.#ended = true;
    for (const c of this.#consumers) c.end();
    this.#consumers.clear();
  }

  /** A new iterable that sees every later item; it is done at once if the stream has ended. */
  subscribe(): AsyncIterable<T> {
    const consumer = new Consumer<T>(() => this.#consumers.delete(consumer));
    if (this.#ended) consumer.end();
    else this.#consumers.add(consumer);
    return { [Symbol.asyncIterator]: () => consumer };
  }
}

class Consumer<T> implements AsyncIterator<T> {
  #items: T[] = [];
  #waiting: ((r: IteratorResult<T>) => void) | undefined;
  #done = false;
  #leave: () => void;

  constructor(leave: () => void) {
    this.#leave = leave;
  }

  push(item: T, limit: number): void {
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting({ value: item, done: false });
      return;
    }
    this.#items.push(item);
    if (this.#items.length > limit) this.#items.shift();
  }

  end(): void {
    this.#done = true;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift() as T, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.#leave();
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }
}
