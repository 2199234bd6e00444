// The WebSocket adapter of the channel: a Transport over `ws`, the dialer clients use, and the
// server that hands upgraded connections to the handshake; and plain text sockets for JSON
// streams (the state stream). The only file of ours that touches `ws`.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  acceptChannel,
  channelSettings,
  CHANNEL_DEFAULTS,
  ChannelError,
  openChannel,
  type Channel,
  type ChannelCounters,
  type ChannelOptions,
  type ChannelSettings,
  type HandshakeOptions,
  type Route,
} from './channel.js';
import { pickSubprotocol, type Principal } from './auth/authenticator.js';
import { rawHttpAnswer, refusalText } from './auth/http-answer.js';
import { BerthError, CloseCode, ErrorCode } from './errors.js';
import type { Welcome } from './messages.js';
import { tlsAdvice, type ClientTls, type TlsHints } from './tls.js';
import { ListenerSlot, type Dialer, type DialOptions, type Transport, type TransportListener } from './transport.js';

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** A Transport over one `ws` WebSocket. */
export class WsTransport implements Transport {
  readonly remote: string;
  #ws: WebSocket;
  #slot = new ListenerSlot();
  /** The TCP socket under the WebSocket, when known; frames sent in one tick share one write. */
  #socket: Duplex | undefined;
  #corked = false;

  constructor(ws: WebSocket, remote: string, socket?: Duplex) {
    this.#ws = ws;
    this.remote = remote;
    this.#socket = socket;
    ws.on('message', (data, isBinary) => {
      const bytes = toBytes(data);
      this.#slot.emit((l) => l.frame(bytes, isBinary));
    });
    ws.on('pong', () => this.#slot.emit((l) => l.alive()));
    ws.on('ping', () => this.#slot.emit((l) => l.alive()));
    ws.on('close', (code, reason) => {
      const text = reason.toString();
      this.#slot.emit((l) => l.closed(code, text));
    });
    ws.on('error', (err) => {
      if (/max payload/i.test(err.message)) this.#slot.emit((l) => l.tooBig());
    });
  }

  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  listen(listener: TransportListener): void {
    this.#slot.set(listener);
  }

  send(frame: Uint8Array): void {
    this.#coalesce();
    this.#ws.send(frame);
  }

  ping(): void {
    if (this.open) this.#ws.ping();
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
  }

  terminate(): void {
    this.#ws.terminate();
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
}

/** HTTP answers to the upgrade that mean "try again later" rather than "not a berth endpoint". */
const RETRYABLE_HTTP = new Set([429, 502, 503, 504]);
/** Answers that refuse this client's credentials: retrying with them cannot help. */
const REFUSED_HTTP = new Set([401, 403]);

/** Opens a WebSocket. An HTTP answer other than the upgrade (a 404, say) is final. */
export const wsDialer: Dialer = (url: string, options: DialOptions) =>
  new Promise((resolve, reject) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, { maxPayload: options.maxPayloadBytes, handshakeTimeout: options.openTimeoutMs, ...options.tls, ...(options.headers ? { headers: { ...options.headers } } : {}) });
    } catch (err) {
      reject(new ChannelError(CloseCode.HANDSHAKE_FAILED, `cannot use ${url}: ${(err as Error).message}`, { cause: err, final: true }));
      return;
    }
    let socket: Duplex | undefined;
    let settled = false;
    const onAbort = (): void => fail(new ChannelError(CloseCode.GOING_AWAY, 'aborted'));
    const fail = (err: ChannelError): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      ws.terminate();
      reject(err);
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    ws.once('upgrade', (res) => (socket = res.socket));
    ws.once('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      if (!REFUSED_HTTP.has(status)) {
        res.resume();
        fail(new ChannelError(CloseCode.HANDSHAKE_FAILED, `${url} answered HTTP ${status} instead of a WebSocket upgrade; is it a berth master's endpoint?`, {
          final: !RETRYABLE_HTTP.has(status),
        }));
        return;
      }
      // Refused credentials: the body says why, and the session stops (POLICY is a final code).
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined);
      res.on('end', () => fail(new ChannelError(CloseCode.POLICY, `${url} refused the connection (HTTP ${status}) ${refusalText(Buffer.concat(chunks).toString())}`, { final: true })));
    });
    ws.on('error', (err) => {
      // A certificate that is not trusted, or a client certificate refused, stays so on every retry.
      const advice = tlsAdvice(err, url, TLS_HINTS);
      fail(new ChannelError(CloseCode.GOING_AWAY, `cannot reach ${url}: ${advice ?? err.message}`, { cause: err, final: advice !== undefined && !/closed the connection/.test(advice) }));
    });
    ws.on('close', (code, reason) => fail(new ChannelError(code, reason.toString() || 'closed while opening')));
    ws.once('open', () => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      ws.removeAllListeners('error');
      ws.removeAllListeners('close');
      resolve(new WsTransport(ws, url, socket));
    });
  });

export interface ConnectOptions extends HandshakeOptions {
  /** How the connection is opened (default: a WebSocket). */
  dial?: Dialer;
  /** Headers of the upgrade request (Authorization: Bearer TOKEN). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** For wss:// URLs: the CAs to trust and the client certificate to show. */
  tls?: ClientTls | undefined;
}

/** How the users of the dialer (berth agent, the SDK) are given a CA and a client certificate. */
const TLS_HINTS: TlsHints = { caHint: '--ca-file FILE (BERTH_CA_FILE), or the SDK option ca', certHint: '--tls-cert FILE --tls-key FILE, or the SDK options cert and key' };

/** Opens a channel to url and completes the handshake. Rejects with ChannelError. */
export async function connect(url: string, options: ConnectOptions): Promise<{ channel: Channel; welcome: Welcome }> {
  const dial = options.dial ?? wsDialer;
  const transport = await dial(url, {
    maxPayloadBytes: options.maxPayloadBytes ?? CHANNEL_DEFAULTS.maxPayloadBytes,
    openTimeoutMs: options.handshakeTimeoutMs ?? CHANNEL_DEFAULTS.handshakeTimeoutMs,
    signal: options.signal,
    headers: options.headers,
    tls: options.tls,
  });
  return openChannel(transport, url, options);
}

/** A WebSocket of text frames (JSON streams), without the channel's handshake or envelopes. */
export interface TextSocket {
  send(text: string): void;
  /** Bytes queued for sending and not yet written: how far the reader is behind. */
  readonly buffered: number;
  /** Bytes read off the connection so far (compressed, as on the wire; 0 where unknown). */
  readonly bytesReceived: number;
  readonly open: boolean;
  close(code: number, reason: string): void;
  onClose(listener: (code: number, reason: string) => void): void;
  onText(listener: (text: string) => void): void;
}

/**
 * A text endpoint. `check` may refuse the request before the upgrade: a message (with the query
 * field it names, if any) is an HTTP 400 `{code, message, field}`; a `redirect` (a standby naming
 * its leader) is a 307 that dialText follows.
 */
export interface TextRoute {
  check(url: URL): string | { message: string; field: string } | { redirect: string } | undefined;
  open(socket: TextSocket, url: URL): void;
}

function textSocket(ws: WebSocket, tcp?: Duplex & { bytesRead?: number }): TextSocket {
  // Frames that arrive before a listener is set (the first one can come with the upgrade) wait.
  let early: string[] | undefined = [];
  let listener: ((text: string) => void) | undefined;
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const text = toBytes(data).toString();
    if (listener) listener(text);
    else early?.push(text);
  });
  return {
    send: (text) => ws.send(text),
    get buffered() {
      return ws.bufferedAmount;
    },
    get bytesReceived() {
      return tcp?.bytesRead ?? 0;
    },
    get open() {
      return ws.readyState === WebSocket.OPEN;
    },
    close: (code, reason) => ws.close(code, reason),
    onClose: (listener) => void ws.on('close', (code, reason) => listener(code, reason.toString())),
    onText: (l) => {
      listener = l;
      const waiting = early ?? [];
      early = undefined;
      for (const text of waiting) l(text);
    },
  };
}

/** Opens a text WebSocket; an HTTP answer instead of the upgrade rejects with its status and body. */
export function dialText(url: string, options: { openTimeoutMs?: number; maxPayloadBytes?: number; headers?: Readonly<Record<string, string>> | undefined; tls?: ClientTls | undefined; tlsHints?: TlsHints | undefined } = {}): Promise<TextSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      handshakeTimeout: options.openTimeoutMs ?? 10_000, maxPayload: options.maxPayloadBytes ?? 256 * 1024 * 1024, followRedirects: true, maxRedirects: 3,
      ...options.tls,
      ...(options.headers ? { headers: { ...options.headers } } : {}),
    });
    let settled = false;
    const fail = (err: ChannelError): void => {
      if (settled) return;
      settled = true;
      ws.terminate();
      reject(err);
    };
    ws.once('unexpected-response', (_req, res) => {
      settled = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        ws.terminate();
        // The status travels with the error, so a client can tell a refused token (401, 403) from the rest.
        reject(Object.assign(new ChannelError(CloseCode.HANDSHAKE_FAILED, `${url} answered HTTP ${status}: ${Buffer.concat(chunks).toString() || 'no body'}`, { final: !RETRYABLE_HTTP.has(status) }), { status }));
      });
    });
    let tcp: Duplex | undefined;
    ws.once('upgrade', (res) => (tcp = res.socket));
    ws.on('error', (err) => fail(new ChannelError(CloseCode.GOING_AWAY, `cannot reach ${url}: ${tlsAdvice(err, url, options.tlsHints ?? TLS_HINTS) ?? err.message}`, { cause: err })));
    ws.once('open', () => {
      settled = true;
      resolve(textSocket(ws, tcp));
    });
  });
}

/** The largest frame a reader of a text route may send (they send none today). */
const TEXT_ROUTE_MAX_PAYLOAD_BYTES = 64 * 1024;

/** Takes an HTTP upgrade request as it came, with its socket and the bytes read past its head. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Says who an upgrade request is from, before anything is upgraded: throws a BerthError
 * (UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED) to refuse it with that error's HTTP answer.
 */
export type UpgradeGuard = (req: IncomingMessage, path: string) => Principal;

/** Serves channels on paths of an HTTP server (for example /api/v1/agent), and text routes. */
export class ChannelServer {
  #wss: WebSocketServer;
  /**
   * Text routes carry JSON, which compresses about tenfold: permessage-deflate is on for them.
   * Their readers send nothing the server needs, so what they may send is kept small.
   */
  #textWss = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 512 }, maxPayload: TEXT_ROUTE_MAX_PAYLOAD_BYTES, handleProtocols: pickSubprotocol });
  #routes = new Map<string, Route>();
  #textRoutes = new Map<string, TextRoute>();
  #prefixes: [string, UpgradeHandler][] = [];
  /** Sockets handed to prefix handlers, ended with the rest by closeAll. */
  #raw = new Set<Duplex>();
  #settings: ChannelSettings;
  #sockets = new Set<WebSocket>();
  #guard: UpgradeGuard | undefined;

  constructor(server: Server, options: ChannelOptions = {}) {
    this.#settings = channelSettings(options);
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: this.#settings.maxPayloadBytes, handleProtocols: pickSubprotocol });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
  }

  get counters(): ChannelCounters {
    return this.#settings.counters;
  }

  route(path: string, route: Route): void {
    this.#routes.set(path, route);
  }

  textRoute(path: string, route: TextRoute): void {
    this.#textRoutes.set(path, route);
  }

  /** Upgrades of paths under `prefix` go to `handler` untouched (the UI's proxy to frameworks' streams). */
  upgradePrefix(prefix: string, handler: UpgradeHandler): void {
    this.#prefixes.push([prefix, handler]);
  }

  /** Checks every upgrade before it is routed (authentication); without one every upgrade goes on. */
  guard(guard: UpgradeGuard): void {
    this.#guard = guard;
  }

  /** Closes every open connection with the given code (on shutdown or loss of leadership). */
  closeAll(code: number, reason: string): void {
    for (const ws of this.#sockets) ws.close(code, reason);
    for (const socket of this.#raw) socket.destroy();
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0] ?? '';
    let principal: Principal | undefined;
    try {
      principal = this.#guard?.(req, path);
    } catch (err) {
      const e = err instanceof BerthError ? err : new BerthError(ErrorCode.INTERNAL, 'internal error; see the server log', { cause: err });
      socket.end(rawHttpAnswer(e));
      return;
    }
    const text = this.#textRoutes.get(path);
    if (text) return this.#upgradeText(text, req, socket, head);
    const raw = this.#prefixes.find(([prefix]) => path.startsWith(prefix));
    if (raw) {
      this.#raw.add(socket);
      socket.once('close', () => this.#raw.delete(socket));
      return raw[1](req, socket, head);
    }
    const route = this.#routes.get(path);
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#sockets.add(ws);
      ws.on('close', () => this.#sockets.delete(ws));
      ws.on('error', () => undefined);
      const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
      acceptChannel(new WsTransport(ws, remote, socket), route, this.#settings, principal);
    });
  }

  #upgradeText(route: TextRoute, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refusal = route.check(url);
    if (typeof refusal === 'object' && 'redirect' in refusal) {
      socket.end(`HTTP/1.1 307 Temporary Redirect\r\nLocation: ${refusal.redirect}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    if (refusal !== undefined) {
      const body = JSON.stringify(typeof refusal === 'string' ? { code: 'BAD_REQUEST', message: refusal } : { code: 'BAD_REQUEST', message: refusal.message, field: refusal.field });
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    this.#textWss.handleUpgrade(req, socket, head, (ws) => {
      this.#sockets.add(ws);
      ws.on('close', () => this.#sockets.delete(ws));
      ws.on('error', (err) => {
        if (/max payload/i.test(err.message)) this.#settings.counters.oversizeFrames++;
      });
      route.open(textSocket(ws), url);
    });
  }
}
