// What a Channel needs of a connection: ordered binary frames, a heartbeat probe, a close with a
// code. The WebSocket adapter (channel-ws.ts) implements it for real sockets; memoryTransportPair()
// joins two ends in memory, so master, agent and SDK logic can be tested without sockets.
import type { ClientTls } from './tls.js';

/** What a transport reports; set once with Transport.listen. */
export interface TransportListener {
  /** One whole frame; `binary` is false for a text frame (which a Channel refuses). */
  frame(bytes: Uint8Array, binary: boolean): void;
  /** The peer showed it is alive without sending a frame (a ping or pong arrived). */
  alive(): void;
  /** The peer sent a frame over the payload limit; the transport closes with 1009 by itself. */
  tooBig(): void;
  /** The connection is closed, from either side; called once. */
  closed(code: number, reason: string): void;
}

export interface Transport {
  /** The other end, for logs ("host:port" or a URL). */
  readonly remote: string;
  /** True until close() or terminate() is called or the peer has closed. */
  readonly open: boolean;
  /**
   * Sets the listener. Events that happened before it is set are kept and handed to it at once;
   * a later call replaces the listener (a handshake hands the connection on to its Channel).
   */
  listen(listener: TransportListener): void;
  send(frame: Uint8Array): void;
  /** A heartbeat probe; the peer's transport answers it by itself (a WebSocket pong). */
  ping(): void;
  /** Starts a close handshake with a code (1000, or 4000-4999) and a reason of at most 123 bytes. */
  close(code: number, reason: string): void;
  /** Drops the connection without a close handshake. */
  terminate(): void;
}

export interface DialOptions {
  maxPayloadBytes: number;
  /** For wss:// URLs: the CAs to trust and the client certificate to show (protocol/tls.ts). */
  tls?: ClientTls | undefined;
  /** How long the transport may take to open. */
  openTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Headers of the opening request (Authorization: Bearer TOKEN, when the master wants one). */
  headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * Opens a transport to a URL. Rejects with a ChannelError; its `final` is true when retrying the
 * same URL cannot help (an HTTP answer that is not a berth endpoint, a URL it cannot use).
 */
export type Dialer = (url: string, options: DialOptions) => Promise<Transport>;

/** Close code a transport reports when the connection ended without a close frame (RFC 6455). */
export const ABNORMAL_CLOSURE = 1006;

/** Holds events until a listener is set, so nothing is lost between open and listen. */
export class ListenerSlot {
  #listener: TransportListener | undefined;
  #held: ((l: TransportListener) => void)[] = [];

  set(listener: TransportListener): void {
    this.#listener = listener;
    const held = this.#held;
    this.#held = [];
    for (const event of held) event(listener);
  }

  emit(event: (l: TransportListener) => void): void {
    if (this.#listener) event(this.#listener);
    else this.#held.push(event);
  }
}

/** One end of an in-memory connection. */
export class MemoryTransport implements Transport {
  readonly remote: string;
  /** Pings this end has received (the peer's heartbeats). */
  pingsReceived = 0;
  /** Frames this end has sent. */
  readonly sent: Uint8Array[] = [];
  #peer: MemoryTransport | undefined;
  #slot = new ListenerSlot();
  #open = true;
  #ended = false;
  #cut = false;

  constructor(remote: string) {
    this.remote = remote;
  }

  /** Joins two ends; memoryTransportPair() does it. */
  static join(a: MemoryTransport, b: MemoryTransport): void {
    a.#peer = b;
    b.#peer = a;
  }

  get open(): boolean {
    return this.#open;
  }

  listen(listener: TransportListener): void {
    this.#slot.set(listener);
  }

  send(frame: Uint8Array): void {
    if (!this.#open) return;
    this.sent.push(frame);
    const copy = frame.slice();
    this.#toPeer((peer) => peer.#slot.emit((l) => l.frame(copy, true)));
  }

  /** Sends a text frame (a berth peer never does; tests use it to check the refusal). */
  sendText(text: string): void {
    if (!this.#open) return;
    const bytes = new TextEncoder().encode(text);
    this.#toPeer((peer) => peer.#slot.emit((l) => l.frame(bytes, false)));
  }

  ping(): void {
    if (!this.#open) return;
    this.#toPeer((peer) => {
      peer.pingsReceived++;
      peer.#slot.emit((l) => l.alive());
      // The pong, as a WebSocket peer sends it without being asked.
      peer.#toPeer((self) => self.#slot.emit((l) => l.alive()));
    });
  }

  close(code: number, reason: string): void {
    if (!this.#open) return;
    this.#open = false;
    this.#toPeer((peer) => peer.#end(code, reason));
    // The close handshake: this end is closed once the peer has had the close frame.
    later(() => this.#end(code, reason));
  }

  terminate(): void {
    if (this.#ended) return;
    this.#open = false;
    later(() => this.#end(ABNORMAL_CLOSURE, ''));
    const peer = this.#peer;
    if (peer) later(() => peer.#end(ABNORMAL_CLOSURE, ''));
  }

  /** Stops all traffic both ways without a close (a cut cable); only heartbeats can notice. */
  cut(): void {
    this.#cut = true;
    if (this.#peer) this.#peer.#cut = true;
  }

  #end(code: number, reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#open = false;
    this.#slot.emit((l) => l.closed(code, reason));
  }

  /** Delivers to the peer on a later turn, in order, as a socket would. */
  #toPeer(deliver: (peer: MemoryTransport) => void): void {
    const peer = this.#peer;
    if (!peer || this.#cut) return;
    later(() => {
      if (!this.#cut && !peer.#ended) deliver(peer);
    });
  }
}

function later(fn: () => void): void {
  setImmediate(fn);
}

/** Two joined in-memory ends: what `client` sends, `server` receives, and back. */
export function memoryTransportPair(names: { client?: string; server?: string } = {}): { client: MemoryTransport; server: MemoryTransport } {
  const client = new MemoryTransport(names.server ?? 'memory:server');
  const server = new MemoryTransport(names.client ?? 'memory:client');
  MemoryTransport.join(client, server);
  return { client, server };
}
