// A framed, heartbeated channel carrying one Envelope per binary frame over a Transport, and both
// sides of the versioned handshake. Sockets are the transport's business (channel-ws.ts).
import { ANONYMOUS, type Principal } from './auth/authenticator.js';
import { decode, encode } from './codec.js';
import { CloseCode } from './errors.js';
import { PROTOCOL_VERSION, pb, type Envelope, type Hello, type Welcome } from './messages.js';
import type { Transport } from './transport.js';

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
  /**
   * How often to ping the peer. A client that sets none pings at the interval the master announces
   * in its Welcome (5 s when it announces none).
   */
  heartbeatIntervalMs?: number;
  /**
   * How long without a pong or a message before the peer counts as gone (default three intervals,
   * 15 s at the default interval). Never less than two intervals, or a healthy peer would be cut off
   * between two pings.
   */
  heartbeatTimeoutMs?: number;
  /** Largest accepted frame; larger ones close the connection with 1009. */
  maxPayloadBytes?: number;
  /** How long a new connection has to complete the handshake. */
  handshakeTimeoutMs?: number;
  counters?: ChannelCounters;
}

export const CHANNEL_DEFAULTS = {
  heartbeatIntervalMs: 5_000,
  /** Missed intervals before the peer counts as gone, when no timeout is given. */
  heartbeatTimeoutIntervals: 3,
  maxPayloadBytes: 1024 * 1024,
  handshakeTimeoutMs: 5_000,
} as const;

export interface ChannelSettings {
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  maxPayloadBytes: number;
  handshakeTimeoutMs: number;
  counters: ChannelCounters;
}

/** Compiles options once; `announcedIntervalMs` is a master's Welcome.heartbeat_interval_ms. */
export function channelSettings(options: ChannelOptions, announcedIntervalMs = 0): ChannelSettings {
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? (announcedIntervalMs > 0 ? announcedIntervalMs : CHANNEL_DEFAULTS.heartbeatIntervalMs);
  const timeout = options.heartbeatTimeoutMs ?? heartbeatIntervalMs * CHANNEL_DEFAULTS.heartbeatTimeoutIntervals;
  return {
    heartbeatIntervalMs,
    heartbeatTimeoutMs: Math.max(timeout, 2 * heartbeatIntervalMs),
    maxPayloadBytes: options.maxPayloadBytes ?? CHANNEL_DEFAULTS.maxPayloadBytes,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? CHANNEL_DEFAULTS.handshakeTimeoutMs,
    counters: options.counters ?? newCounters(),
  };
}

export type MessageHandler = (envelope: pb.Envelope) => void;
/** `leaderUrl` is set when the peer sent a Refusal naming the leader before closing. */
export type CloseHandler = (code: number, reason: string, leaderUrl?: string) => void;

/** One live connection after a successful handshake. */
export class Channel {
  readonly remote: string;
  #transport: Transport;
  #settings: ChannelSettings;
  #onMessage: MessageHandler | undefined;
  #backlog: pb.Envelope[] = [];
  #closeHandlers: CloseHandler[] = [];
  #lastSeen = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #closed = false;
  #closing = false;
  #leaderUrl: string | undefined;

  constructor(transport: Transport, remote: string, s: ChannelSettings) {
    this.#transport = transport;
    this.remote = remote;
    this.#settings = s;
    transport.listen({
      frame: (bytes, binary) => this.#receive(bytes, binary),
      alive: () => (this.#lastSeen = Date.now()),
      tooBig: () => s.counters.oversizeFrames++,
      closed: (code, reason) => this.#finish(code, reason),
    });
    this.#timer = setInterval(() => this.#beat(), s.heartbeatIntervalMs);
    this.#timer.unref();
    this.#watch();
  }

  get open(): boolean {
    return !this.#closed && !this.#closing && this.#transport.open;
  }

  /** The heartbeat this channel keeps (a client's follows the master's Welcome unless set). */
  get heartbeat(): { intervalMs: number; timeoutMs: number } {
    return { intervalMs: this.#settings.heartbeatIntervalMs, timeoutMs: this.#settings.heartbeatTimeoutMs };
  }

  /** Sends one envelope; false when the channel is no longer open. */
  send(envelope: Envelope): boolean {
    if (!this.open) return false;
    const bytes = encode(envelope);
    // The peer would drop the connection on a frame over its limit; fail here, where the bug is.
    if (bytes.length > this.#settings.maxPayloadBytes) {
      throw new RangeError(`frame of ${bytes.length} bytes is over the ${this.#settings.maxPayloadBytes}-byte limit; send it in parts`);
    }
    this.#transport.send(bytes);
    return true;
  }

  /** Sets the message handler; messages that arrived before it are delivered at once. */
  onMessage(handler: MessageHandler): void {
    this.#onMessage = handler;
    const backlog = this.#backlog;
    this.#backlog = [];
    for (const e of backlog) handler(e);
  }

  onClose(handler: CloseHandler): void {
    if (this.#closed) handler(CloseCode.GOING_AWAY, 'already closed', this.#leaderUrl);
    else this.#closeHandlers.push(handler);
  }

  /**
   * Starts the close handshake; close handlers run once the connection is closed (at most ~2 s).
   * With a leaderUrl, a Refusal naming the leader goes first, so the peer follows a field.
   */
  close(code: number = CloseCode.NORMAL, reason = '', leaderUrl?: string): void {
    if (this.#closed || this.#closing) return;
    if (leaderUrl && this.#transport.open) this.#transport.send(encode({ refusal: { closeCode: code, reason, leaderUrl } }));
    this.#closing = true;
    this.#transport.close(code, truncateReason(reason));
    // A peer that never answers the close handshake is cut off.
    setTimeout(() => this.#transport.terminate(), 2_000).unref();
  }

  /** Drops the connection without a close handshake (tests use it to simulate a cut cable). */
  terminate(): void {
    this.#finish(CloseCode.GOING_AWAY, 'terminated');
    this.#transport.terminate();
  }

  #receive(bytes: Uint8Array, binary: boolean): void {
    this.#lastSeen = Date.now();
    if (this.#closed || this.#closing) return;
    if (!binary) {
      this.#settings.counters.malformedFrames++;
      this.close(CloseCode.MALFORMED_FRAME, 'text frames are not accepted; send binary berth.v1.Envelope frames');
      return;
    }
    const decoded = decode(bytes);
    if (!decoded.ok) {
      this.#settings.counters.malformedFrames++;
      this.close(CloseCode.MALFORMED_FRAME, `malformed frame: ${decoded.reason}`);
      return;
    }
    if (decoded.envelope.refusal) {
      // The close follows; its handlers learn where the leader is.
      this.#leaderUrl = decoded.envelope.refusal.leaderUrl || undefined;
      return;
    }
    if (this.#onMessage) this.#onMessage(decoded.envelope);
    else this.#backlog.push(decoded.envelope);
  }

  #beat(): void {
    if (this.#transport.open) this.#transport.ping();
  }

  /**
   * Cuts the peer off the moment the timeout has passed since it was last heard from, not at the
   * next ping tick (which could add up to an interval). The timer is not moved on every frame: when
   * it fires early because something arrived meanwhile, it is set again for the new deadline.
   */
  #watch(): void {
    const dueInMs = this.#lastSeen + this.#settings.heartbeatTimeoutMs - Date.now();
    this.#deadline = setTimeout(() => this.#expire(), Math.max(0, dueInMs) + 1);
    this.#deadline.unref();
  }

  #expire(): void {
    if (this.#closed) return;
    if (Date.now() - this.#lastSeen <= this.#settings.heartbeatTimeoutMs) return this.#watch();
    // When this process was the one stalled, the peer's last frames may be waiting unread: I/O
    // callbacks run before setImmediate ones, so they are taken in before the verdict.
    setImmediate(() => {
      if (this.#closed) return;
      if (Date.now() - this.#lastSeen <= this.#settings.heartbeatTimeoutMs) return this.#watch();
      this.#settings.counters.heartbeatTimeouts++;
      this.#finish(CloseCode.HEARTBEAT_TIMEOUT, 'no heartbeat from peer');
      this.#transport.terminate();
    });
  }

  #finish(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#deadline);
    const handlers = this.#closeHandlers;
    this.#closeHandlers = [];
    for (const h of handlers) h(code, reason, this.#leaderUrl);
  }
}

/** Close reasons are limited to 123 bytes by RFC 6455. */
function truncateReason(reason: string): string {
  return Buffer.from(reason).subarray(0, 123).toString();
}

/** Why a connection attempt, a handshake or a session failed. */
export class ChannelError extends Error {
  readonly closeCode: number;
  readonly reason: string;
  /** The leader a standby named in its Refusal; '' when none was named. */
  readonly leaderUrl: string;
  /** True when trying the same URL again cannot help (not a berth endpoint, an unusable URL). */
  readonly final: boolean;
  constructor(closeCode: number, reason: string, options: { cause?: unknown; leaderUrl?: string; final?: boolean } = {}) {
    super(`channel closed (${closeCode}): ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChannelError';
    this.closeCode = closeCode;
    this.reason = reason;
    this.leaderUrl = options.leaderUrl ?? '';
    this.final = options.final ?? false;
  }
}

export interface HandshakeOptions extends ChannelOptions {
  kind: pb.Hello.Kind;
  client: string;
  signal?: AbortSignal | undefined;
}

/**
 * The client side of the handshake on an open transport: sends Hello and waits for a Welcome.
 * Rejects with ChannelError (carrying a Refusal's leader_url) and drops the transport.
 */
export function openChannel(transport: Transport, url: string, options: HandshakeOptions): Promise<{ channel: Channel; welcome: Welcome }> {
  const timeoutMs = options.handshakeTimeoutMs ?? CHANNEL_DEFAULTS.handshakeTimeoutMs;
  return new Promise((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => fail(new ChannelError(CloseCode.GOING_AWAY, 'aborted'));
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const fail = (err: ChannelError): void => {
      if (!settle()) return;
      transport.terminate();
      reject(err);
    };
    const timer = setTimeout(() => fail(new ChannelError(CloseCode.HANDSHAKE_FAILED, `no welcome from ${url} within ${timeoutMs} ms`)), timeoutMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    transport.listen({
      alive: () => undefined,
      tooBig: () => undefined,
      closed: (code, reason) => fail(new ChannelError(code, reason || 'closed during handshake')),
      frame: (bytes, binary) => {
        const decoded = binary ? decode(bytes) : undefined;
        const envelope = decoded?.ok ? decoded.envelope : undefined;
        if (envelope?.refusal) {
          const r = envelope.refusal;
          fail(new ChannelError(r.closeCode ?? CloseCode.HANDSHAKE_FAILED, r.reason ?? '', { leaderUrl: r.leaderUrl ?? '' }));
          return;
        }
        const welcome = envelope?.welcome;
        if (!welcome) {
          fail(new ChannelError(CloseCode.HANDSHAKE_FAILED, `${url} is not a berth endpoint: it answered the Hello with something other than a Welcome`, { final: true }));
          return;
        }
        // An older master leaves the field unset; one that sets another version cannot be talked to.
        if (welcome.protocolVersion && welcome.protocolVersion !== PROTOCOL_VERSION) {
          fail(new ChannelError(CloseCode.UNSUPPORTED_VERSION, `${url} speaks protocol version ${welcome.protocolVersion}; this client speaks ${PROTOCOL_VERSION}`, { final: true }));
          return;
        }
        if (!settle()) return;
        const channel = new Channel(transport, url, channelSettings(options, welcome.heartbeatIntervalMs ?? 0));
        resolve({ channel, welcome });
      },
    });
    const hello: Hello = { protocolVersion: PROTOCOL_VERSION, kind: options.kind, client: options.client };
    transport.send(encode({ hello }));
  });
}

/**
 * What a route answers to a Hello: a Welcome to go on, or a close code and reason to refuse. A
 * standby refuses with NOT_LEADER and names the leader's base URL (ws://host:port) in leaderUrl.
 */
export type HandshakeAnswer = { welcome: Welcome } | { refuse: { code: number; reason: string; leaderUrl?: string } };

export interface Route {
  kind: pb.Hello.Kind;
  /**
   * `principal` is who the upgrade authenticated as (ANONYMOUS when authentication is off). A
   * promise holds the Hello unanswered until it settles (a master taking over answers once it
   * leads); a peer that went away meanwhile is not answered.
   */
  handshake(hello: Hello, remote: string, principal: Principal): HandshakeAnswer | Promise<HandshakeAnswer>;
  /** Called after the Welcome is sent; the channel speaks for `principal` from now on. */
  opened(channel: Channel, hello: Hello, principal: Principal): void;
}

/**
 * The server side of the handshake on a new transport: waits for a Hello, asks the route, and
 * either opens a Channel (after sending the Welcome) or sends a Refusal and closes.
 */
export function acceptChannel(transport: Transport, route: Route, s: ChannelSettings, principal: Principal = ANONYMOUS): void {
  const remote = transport.remote;
  const refuse = (code: number, reason: string, leaderUrl = ''): void => {
    s.counters.handshakeFailures++;
    if (transport.open) transport.send(encode({ refusal: { closeCode: code, reason, leaderUrl } }));
    transport.close(code, truncateReason(reason));
    setTimeout(() => transport.terminate(), 2_000).unref();
  };
  let answered = false;
  const timer = setTimeout(() => {
    answered = true;
    refuse(CloseCode.HANDSHAKE_FAILED, `no Hello within ${s.handshakeTimeoutMs} ms`);
  }, s.handshakeTimeoutMs);
  transport.listen({
    alive: () => undefined,
    tooBig: () => s.counters.oversizeFrames++,
    closed: () => clearTimeout(timer),
    frame: (bytes, binary) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      const decoded = binary ? decode(bytes) : undefined;
      if (!decoded?.ok) {
        s.counters.malformedFrames++;
        refuse(CloseCode.MALFORMED_FRAME, `malformed frame: ${decoded ? decoded.reason : 'text frames are not accepted'}`);
        return;
      }
      const hello = decoded.envelope.hello;
      if (!hello) return refuse(CloseCode.HANDSHAKE_FAILED, 'the first frame must be a Hello');
      if (hello.protocolVersion !== PROTOCOL_VERSION) {
        return refuse(CloseCode.UNSUPPORTED_VERSION, `protocol version ${hello.protocolVersion} is not supported; this master speaks ${PROTOCOL_VERSION}`);
      }
      if (hello.kind !== route.kind) return refuse(CloseCode.HANDSHAKE_FAILED, `a ${pb.Hello.Kind[hello.kind ?? 0]} client cannot use this endpoint`);
      const reply = (answer: HandshakeAnswer): void => {
        if (!transport.open) return;
        if ('refuse' in answer) return refuse(answer.refuse.code, answer.refuse.reason, answer.refuse.leaderUrl);
        const channel = new Channel(transport, remote, s);
        channel.send({ welcome: { ...answer.welcome, protocolVersion: answer.welcome.protocolVersion || PROTOCOL_VERSION } });
        route.opened(channel, hello, principal);
      };
      const answer = route.handshake(hello, remote, principal);
      if (!(answer instanceof Promise)) return reply(answer);
      answer.then(reply, (err: unknown) => refuse(CloseCode.HANDSHAKE_FAILED, `the handshake failed: ${err instanceof Error ? err.message : String(err)}`));
    },
  });
}
