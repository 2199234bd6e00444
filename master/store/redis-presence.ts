// A master's presence in Redis: a connection of its own, subscribed to the master's presence
// channel. The kernel closes it the moment the process dies, so Redis drops the subscriber and a
// standby sees the lease's holder gone without waiting out the lease; a paused or busy process
// keeps its socket, and with it the lease semantics. Pub/sub connections are exempt from Redis'
// idle `timeout`, so an idle leader is never mistaken for a dead one.
import type { Presence } from './cluster-store.js';
import type { RedisConnection } from './redis-connection.js';

export class RedisPresence implements Presence {
  #client: RedisConnection;
  #channel: string;
  #up = false;
  #subscribed = false;
  #closed = false;
  #listeners: ((up: boolean) => void)[] = [];

  constructor(client: RedisConnection, channel: string) {
    this.#client = client;
    this.#channel = channel;
    // After a reconnect the client subscribes again before it says 'ready'.
    client.on('ready', () => (this.#subscribed ? this.#set(true) : this.#subscribe()));
    for (const event of ['error', 'reconnecting', 'end']) client.on(event, () => this.#set(client.isReady && this.#subscribed));
    client.connect().catch(() => undefined);
  }

  get up(): boolean {
    return this.#up;
  }

  onChange(listener: (up: boolean) => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#set(false);
    this.#client.destroy();
  }

  #subscribe(): void {
    this.#client.subscribe(this.#channel, () => undefined).then(
      () => {
        this.#subscribed = true;
        this.#set(this.#client.isReady);
      },
      // The connection dropped meanwhile; the next 'ready' tries again.
      () => undefined,
    );
  }

  #set(up: boolean): void {
    const next = up && !this.#closed;
    if (next === this.#up) return;
    this.#up = next;
    for (const listener of this.#listeners) listener(next);
  }
}
