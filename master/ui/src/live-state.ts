// A state document in the browser, kept live by a state stream (the master's, or a framework's
// through the master's proxy): a snapshot, then patches; on a dropped connection it reconnects
// with backoff and resumes from the last version applied (the server sends a fresh snapshot when
// that version is too old). Never polls. When a connection fails before it opened and `probe`
// answers 404, the server has no stream (an older framework): the connection is 'absent' and
// it stops, so the view can read the framework's API some other way.
import { backoff } from '../../../protocol/backoff.js';
import { authFetch, wsProtocols } from './auth.js';
import { applyFrame, parseFrame, type StreamPosition } from './stream-frames.js';
import type { MasterState } from './types.js';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'absent';

export interface LiveStateOptions {
  /** The stream's ws(s):// URL, resuming from `position` when given. */
  url(position: StreamPosition | undefined): string;
  /** An http(s):// URL of the stream asked without an upgrade: 404 means there is no stream. */
  probe?: string;
}

export class LiveState<T = MasterState> {
  state: T | undefined;
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

  readonly #options: LiveStateOptions;

  constructor(options: LiveStateOptions) {
    this.#options = options;
  }

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
    const socket = new WebSocket(this.#options.url(this.state ? this.position : undefined), wsProtocols());
    this.#socket = socket;
    this.connections++;
    let opened = false;
    socket.onopen = () => (opened = true);
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
      this.state = applied.doc as unknown as T;
      this.position = applied.position;
      this.connection = 'live';
      this.#attempt = 0;
      this.#notify();
    };
    socket.onclose = (event) => {
      if (this.#stopped) return;
      if (event.reason) this.problem = event.reason;
      void this.#streamMissing(opened).then((missing) => {
        if (this.#stopped) return;
        this.connection = missing ? 'absent' : 'reconnecting';
        this.#notify();
        if (!missing) setTimeout(() => this.#connect(), this.#delay(this.#attempt++));
      });
    };
  }

  /**
   * After a connection that never opened: does the server answer 404 for the stream? Without a
   * probe the master's links are asked instead, so that a token refused meanwhile (401, which a
   * browser's WebSocket cannot see) brings the token form up.
   */
  async #streamMissing(opened: boolean): Promise<boolean> {
    if (opened) return false;
    const probe = this.#options.probe;
    try {
      const res = await authFetch(probe ?? '/ui/links.json');
      return probe !== undefined && res.status === 404;
    } catch {
      return false;
    }
  }
}
