// A framed, heartbeated WebSocket channel carrying one Envelope per binary message, with a
// versioned handshake. This file and the HTTP adapters are the only places that touch `ws`.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { decode, encode } from './codec.js';
import { CloseCode } from './errors.js';
import { PROTOCOL_VERSION, pb, type Envelope, type Hello, type Welcome } from './messages.js';

export interface ChannelCounters {
  malformedFrames: number;
  oversizeFrames: number;
  heartbeatTimeouts: number;
  handshakeFailures: number;
}

export function newCounters(): ChannelCounters {
  return { malformedFrames: 0, oversizeFrames: 0, heartbeatTimeouts: 0, handshakeFailures: 0 };
}

export interface ChannelOptions {
  /** How often to ping the peer. */
  heartbeatIntervalMs?: number;
  /** How long without a pong or a message before the peer counts as gone. */
  heartbeatTimeoutMs?: number;
  /** Largest accepted frame; larger ones close the connection with 1009. */
  maxPayloadBytes?: number;
  /** How long a new connection has to complete the handshake. */
  handshakeTimeoutMs?: number;
  counters?: ChannelCounters;
}

const DEFAULTS = {
  heartbeatIntervalMs: 5_000,
  heartbeatTimeoutMs: 15_000,
  maxPayloadBytes: 1024 * 1024,
  handshakeTimeoutMs: 5_000,
};

type Settings = typeof DEFAULTS & { counters: ChannelCounters };

function settings(options: ChannelOptions): Settings {
  return { ...DEFAULTS, ...stripUndefined(options), counters: options.counters ?? newCounters() };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export type MessageHandler = (envelope: pb.Envelope) => void;
export type CloseHandler = (code: number, reason: string) => void;

/** One live connection after a successful handshake. */
export class Channel {
  readonly remote: string;
  #ws: WebSocket;
  #settings: Settings;
  #onMessage: MessageHandler | undefined;
  #backlog: pb.Envelope[] = [];
  #closeHandlers: CloseHandler[] = [];
  #lastSeen = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #closing = false;
  /** The TCP socket under the WebSocket, when known; frames sent in one tick share one write. */
  #socket: Duplex | undefined;
  #corked = false;

  constructor(ws: WebSocket, remote: string, s: Settings, socket?: Duplex) {
    this.#ws = ws;
    this.remote = remote;
    this.#settings = s;
    this.#socket = socket;
    ws.on('message', (data, isBinary) => this.#receive(data, isBinary));
    ws.on('pong', () => (this.#lastSeen = Date.now()));
    ws.on('ping', () => (this.#lastSeen = Date.now()));
    ws.on('close', (code, reason) => this.#finish(code, reason.toString()));
    ws.on('error', (err) => {
      if (/max payload/i.test(err.message)) s.counters.oversizeFrames++;
    });
    this.#timer = setInterval(() => this.#beat(), s.heartbeatIntervalMs);
    this.#timer.unref();
  }

  get open(): boolean {
    return !this.#closed && !this.#closing && this.#ws.readyState === WebSocket.OPEN;
  }

  /** Sends one envelope; false when the channel is no longer open. */
  send(envelope: Envelope): boolean {
    if (!this.open) return false;
    const bytes = encode(envelope);
    // The peer would drop the connection on a frame over its limit; fail here, where the bug is.
    if (bytes.length > this.#settings.maxPayloadBytes) {
      throw new RangeError(`frame of ${bytes.length} bytes is over the ${this.#settings.maxPayloadBytes}-byte limit; send it in parts`);
    }
    this.#coalesce();
    this.#ws.send(bytes);
    return true;
  }

  /**
   * Corks the socket until the end of this tick, so every frame sent meanwhile (a burst of RunTasks,
   * status acknowledgements, forwarded updates) goes out in one writev instead of one syscall each.
   * Order is kept: ws writes each frame to the socket at once; only the flush is deferred.
   */
  #coalesce(): void {
    const socket = this.#socket;
    if (this.#corked || !socket) return;
    this.#corked = true;
    socket.cork();
    process.nextTick(() => {
      this.#corked = false;
      socket.uncork();
    });
  }

  /** Sets the message handler; messages that arrived before it are delivered at once. */
  onMessage(handler: MessageHandler): void {
    this.#onMessage = handler;
    const backlog = this.#backlog;
    this.#backlog = [];
    for (const e of backlog) handler(e);
  }

  onClose(handler: CloseHandler): void {
    if (this.#closed) handler(CloseCode.GOING_AWAY, 'already closed');
    else this.#closeHandlers.push(handler);
  }

  /** Starts the close handshake; close handlers run once the socket is closed (at most ~2 s). */
  close(code: number = CloseCode.NORMAL, reason = ''): void {
    if (this.#closed || this.#closing) return;
    this.#closing = true;
    // Close reasons are limited to 123 bytes by RFC 6455.
    this.#ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
    // A peer that never answers the close handshake is cut off.
    setTimeout(() => this.#ws.terminate(), 2_000).unref();
  }

  /** Drops the connection without a close handshake (tests use it to simulate a cut cable). */
  terminate(): void {
    this.#ws.terminate();
    this.#finish(CloseCode.GOING_AWAY, 'terminated');
  }

  #receive(data: RawData, isBinary: boolean): void {
    this.#lastSeen = Date.now();
    if (this.#closed || this.#closing) return;
    if (!isBinary) {
      this.#settings.counters.malformedFrames++;
      this.close(CloseCode.MALFORMED_FRAME, 'text frames are not accepted; send binary berth.v1.Envelope frames');
      return;
    }
    const decoded = decode(toBytes(data));
    if (!decoded.ok) {
      this.#settings.counters.malformedFrames++;
      this.close(CloseCode.MALFORMED_FRAME, `malformed frame: ${decoded.reason}`);
      return;
    }
    if (this.#onMessage) this.#onMessage(decoded.envelope);
    else this.#backlog.push(decoded.envelope);
  }

  #beat(): void {
    if (Date.now() - this.#lastSeen > this.#settings.heartbeatTimeoutMs) {
      this.#settings.counters.heartbeatTimeouts++;
      this.#ws.terminate();
      this.#finish(CloseCode.HEARTBEAT_TIMEOUT, 'no heartbeat from peer');
      return;
    }
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.ping();
  }

  #finish(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const handlers = this.#closeHandlers;
    this.#closeHandlers = [];
    for (const h of handlers) h(code, reason);
  }
}

/** Why a connection attempt or handshake failed. */
export class ChannelError extends Error {
  readonly closeCode: number;
  readonly reason: string;
  constructor(closeCode: number, reason: string, options?: { cause?: unknown }) {
    super(`channel closed (${closeCode}): ${reason}`, options);
    this.name = 'ChannelError';
    this.closeCode = closeCode;
    this.reason = reason;
  }
}

export interface ConnectOptions extends ChannelOptions {
  kind: pb.Hello.Kind;
  client: string;
  signal?: AbortSignal;
}

/** Opens a channel to url and completes the handshake. Rejects with ChannelError. */
export function connect(url: string, options: ConnectOptions): Promise<{ channel: Channel; welcome: Welcome }> {
  const s = settings(options);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: s.maxPayloadBytes, handshakeTimeout: s.handshakeTimeoutMs });
    let socket: Duplex | undefined;
    ws.once('upgrade', (res) => (socket = res.socket));
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new ChannelError(CloseCode.HANDSHAKE_FAILED, `no welcome from ${url} within ${s.handshakeTimeoutMs} ms`)),
      s.handshakeTimeoutMs,
    );
    options.signal?.addEventListener('abort', () => fail(new ChannelError(CloseCode.GOING_AWAY, 'aborted')), { once: true });
    ws.on('error', (err) => fail(new ChannelError(CloseCode.GOING_AWAY, `cannot reach ${url}: ${err.message}`, { cause: err })));
    ws.on('close', (code, reason) => fail(new ChannelError(code, reason.toString() || 'closed during handshake')));
    ws.on('open', () => {
      const hello: Hello = { protocolVersion: PROTOCOL_VERSION, kind: options.kind, client: options.client };
      ws.send(encode({ hello }));
    });
    ws.once('message', (data) => {
      const decoded = decode(toBytes(data));
      if (!decoded.ok || !decoded.envelope.welcome) {
        fail(new ChannelError(CloseCode.HANDSHAKE_FAILED, 'expected a Welcome frame from the master'));
        return;
      }
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.removeAllListeners('close');
      ws.removeAllListeners('error');
      ws.removeAllListeners('message');
      const channel = new Channel(ws, url, s, socket);
      resolve({ channel, welcome: decoded.envelope.welcome });
    });
  });
}

/** What a route answers to a Hello: a Welcome to go on, or a close code and reason to refuse. */
export type HandshakeAnswer = { welcome: Welcome } | { refuse: { code: number; reason: string } };

export interface Route {
  kind: pb.Hello.Kind;
  handshake(hello: Hello, remote: string): HandshakeAnswer;
  /** Called after the Welcome is sent. */
  opened(channel: Channel, hello: Hello): void;
}

/** Serves channels on paths of an HTTP server (for example /api/v1/agent). */
export class ChannelServer {
  #wss: WebSocketServer;
  #routes = new Map<string, Route>();
  #settings: Settings;
  #sockets = new Set<WebSocket>();

  constructor(server: Server, options: ChannelOptions = {}) {
    this.#settings = settings(options);
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: this.#settings.maxPayloadBytes });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
  }

  get counters(): ChannelCounters {
    return this.#settings.counters;
  }

  route(path: string, route: Route): void {
    this.#routes.set(path, route);
  }

  /** Closes every open connection with the given code (on shutdown or loss of leadership). */
  closeAll(code: number, reason: string): void {
    for (const ws of this.#sockets) ws.close(code, reason);
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const route = this.#routes.get(path);
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#sockets.add(ws);
      ws.on('close', () => this.#sockets.delete(ws));
      this.#handshake(ws, route, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`, socket);
    });
  }

  #handshake(ws: WebSocket, route: Route, remote: string, socket: Duplex): void {
    const s = this.#settings;
    const refuse = (code: number, reason: string): void => {
      s.counters.handshakeFailures++;
      ws.close(code, reason);
      setTimeout(() => ws.terminate(), 2_000).unref();
    };
    const timer = setTimeout(() => refuse(CloseCode.HANDSHAKE_FAILED, `no Hello within ${s.handshakeTimeoutMs} ms`), s.handshakeTimeoutMs);
    ws.on('error', () => undefined);
    ws.once('message', (data, isBinary) => {
      clearTimeout(timer);
      const decoded = isBinary ? decode(toBytes(data)) : undefined;
      if (!decoded?.ok) {
        s.counters.malformedFrames++;
        refuse(CloseCode.MALFORMED_FRAME, `malformed frame: ${decoded ? decoded.reason : 'text frames are not accepted'}`);
        return;
      }
      const hello = decoded.envelope.hello;
      if (!hello) {
        refuse(CloseCode.HANDSHAKE_FAILED, 'the first frame must be a Hello');
        return;
      }
      if (hello.protocolVersion !== PROTOCOL_VERSION) {
        refuse(CloseCode.UNSUPPORTED_VERSION, `protocol version ${hello.protocolVersion} is not supported; this master speaks ${PROTOCOL_VERSION}`);
        return;
      }
      if (hello.kind !== route.kind) {
        refuse(CloseCode.HANDSHAKE_FAILED, `a ${pb.Hello.Kind[hello.kind ?? 0]} client cannot use this endpoint`);
        return;
      }
      const answer = route.handshake(hello, remote);
      if ('refuse' in answer) {
        refuse(answer.refuse.code, answer.refuse.reason);
        return;
      }
      const channel = new Channel(ws, remote, s, socket);
      channel.send({ welcome: answer.welcome });
      route.opened(channel, hello);
    });
  }
}
