// The master's state in the browser, kept live by the state stream: a snapshot, then patches;
// on a dropped connection it reconnects with backoff and resumes from the last version applied
// (the master sends a fresh snapshot when that version is too old). Never polls.
import { backoff } from '../../../protocol/backoff.js';
import { applyFrame, parseFrame, streamUrl, type StreamPosition } from './stream-frames.js';
import type { MasterState } from './types.js';

export type Connection = 'connecting' | 'live' | 'reconnecting';

export class LiveState {
  state: MasterState | undefined;
  position: StreamPosition | undefined;
  connection: Connection = 'connecting';
  /** Why the last connection ended, for the header. */
  problem = '';
  /** Snapshots received: 1 while every reconnect resumed with patches only. */
  snapshots = 0;
  /** Connections opened (the first and every reconnect). */
  connections = 0;
  #listeners = new Set<() => void>();
  #socket: WebSocket | undefined;
  #attempt = 0;
  #delay = backoff({ initialMs: 200, maxMs: 5_000 });
  #stopped = false;
  #scheduled = false;

  constructor(readonly origin: string) {}

  start(): void {
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    this.#socket?.close(1000, 'page closed');
  }

  /** Drops the connection as a network failure would: it reconnects and resumes. */
  dropConnection(): void {
    this.#socket?.close(4001, 'dropped by the page');
  }

  /** Calls `fn` after updates (at most once per animation frame); returns the unsubscribe. */
  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #notify(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      for (const fn of this.#listeners) fn();
    });
  }

  #connect(): void {
    const socket = new WebSocket(streamUrl(this.origin, this.state ? this.position : undefined));
    this.#socket = socket;
    this.connections++;
    socket.onmessage = (event) => {
      const frame = parseFrame(String(event.data));
      const applied = typeof frame === 'string' ? { kind: 'error' as const, message: frame } : applyFrame(this.state as Record<string, unknown> | undefined, this.position, frame);
      if (applied.kind === 'error') {
        // A copy that no longer matches the stream: start again from a snapshot.
        this.problem = applied.message;
        this.state = undefined;
        this.position = undefined;
        socket.close(4000, 'bad frame');
        return;
      }
      if (applied.kind === 'ignored') return;
      if (typeof frame !== 'string' && 'snapshot' in frame) this.snapshots++;
      this.state = applied.doc as unknown as MasterState;
      this.position = applied.position;
      this.connection = 'live';
      this.#attempt = 0;
      this.#notify();
    };
    socket.onclose = (event) => {
      if (this.#stopped) return;
      this.connection = 'reconnecting';
      if (event.reason) this.problem = event.reason;
      this.#notify();
      setTimeout(() => this.#connect(), this.#delay(this.#attempt++));
    };
  }
}
