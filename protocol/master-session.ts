// A client's session with the masters, shared by the agent and the scheduler SDK: it connects to
// one of the configured URLs, follows a standby's Refusal to the leader, rotates to the next URL
// when a master fails, waits with backoff, stops on a final close code or an endpoint that cannot
// be a master, and publishes what it does on a status stream apart from the messages.
import { backoff, sleep as realSleep, type BackoffOptions } from './backoff.js';
import { ChannelError, type Channel, type ChannelOptions } from './channel.js';
import { connect } from './channel-ws.js';
import { CloseCode, FINAL_CLOSE_CODES } from './errors.js';
import { checkMasterUrl, parseMasterUrls } from './master-urls.js';
import type { pb, Welcome } from './messages.js';
import { StatusStream } from './status-stream.js';
import type { ClientTls } from './tls.js';
import type { Dialer } from './transport.js';

/** What went wrong for good; `code` names the condition. */
export const SessionErrorCode = {
  /** A configured URL cannot be used (not a URL, not ws:// or wss://). */
  INVALID_URL: 'INVALID_URL',
  /** The master closed with a code after which a client must not come back (see finalCodes). */
  REFUSED: 'REFUSED',
  /** The URL answers, but not as a berth master (an HTTP 404, other frames, another version). */
  NOT_A_MASTER: 'NOT_A_MASTER',
  /** maxAttempts connection attempts in a row failed. */
  GAVE_UP: 'GAVE_UP',
} as const;
export type SessionErrorCode = (typeof SessionErrorCode)[keyof typeof SessionErrorCode];

export class MasterSessionError extends Error {
  readonly code: SessionErrorCode;
  /** The close code of the last failure (0 for INVALID_URL). */
  readonly closeCode: number;
  constructor(code: SessionErrorCode, message: string, options: { closeCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MasterSessionError';
    this.code = code;
    this.closeCode = options.closeCode ?? 0;
  }
}

/** What the session does, in order. */
export type SessionStatus =
  | { type: 'connecting'; url: string; attempt: number }
  | { type: 'connected'; url: string; masterId: string; epoch: number }
  /**
   * A connection attempt failed (connected false) or an open connection closed; the next attempt
   * follows in retryInMs (0: a redirect followed at once; -1: the session gives up).
   */
  | { type: 'disconnected'; url: string; code: number; reason: string; connected: boolean; retryInMs: number }
  | { type: 'redirected'; from: string; to: string }
  | { type: 'gave-up'; url: string; error: MasterSessionError };

/** How run() ended: stopped by close() or the signal, or given up (the error says why). */
export type SessionEnd =
  | { type: 'stopped' }
  | { type: 'gave-up'; error: MasterSessionError; code: number; reason: string; connected: boolean };

/** One open connection, handed to the serve function of run(). */
export interface SessionConnection {
  channel: Channel;
  welcome: Welcome;
  url: string;
  /**
   * Tells the session the connection does what it is for (the agent is registered, the framework
   * subscribed): the attempt count and the backoff start again from the beginning.
   */
  ready(): void;
  /**
   * Tells the session the close that ends this connection is not final, whatever its code: the
   * client will ask differently next time (a framework whose id was forgotten subscribes afresh).
   */
  notFinal(): void;
}

/** Something to log with; pino loggers fit. */
export interface SessionLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface MasterSessionOptions {
  /** The masters' base URLs: one, a list, or comma-separated (ws://host:port). */
  masterUrl: string | readonly string[];
  /** The endpoint on each master, for example /api/v1/agent. */
  path: string;
  kind: pb.Hello.Kind;
  /** Sent in the Hello, for the master's logs. */
  client: string;
  channel?: ChannelOptions;
  /** Backoff between attempts (default 500 ms doubling to 10 s, with jitter). */
  reconnect?: BackoffOptions;
  /** Give up after this many failed attempts in a row (default: never). */
  maxAttempts?: number;
  /** Close codes after which the session stops (default FINAL_CLOSE_CODES). */
  finalCodes?: ReadonlySet<number>;
  /** How connections are opened (default: WebSockets; tests pass an in-memory dialer). */
  dial?: Dialer;
  /** Headers of every connection's upgrade request, such as Authorization: Bearer TOKEN. */
  headers?: Readonly<Record<string, string>>;
  /** For wss:// masters: the CAs to trust and the client certificate to show. */
  tls?: ClientTls | undefined;
  signal?: AbortSignal;
  log?: SessionLogger;
  /** Waits between attempts (tests pass one that records and returns at once). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The session's state; moves are in MOVES. */
export const SessionState = {
  IDLE: 'idle',
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  WAITING: 'waiting',
  STOPPED: 'stopped',
  GAVE_UP: 'gave-up',
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

const MOVES: Record<SessionState, readonly SessionState[]> = {
  idle: ['connecting', 'stopped', 'gave-up'],
  connecting: ['connected', 'waiting', 'connecting', 'stopped', 'gave-up'],
  connected: ['waiting', 'connecting', 'stopped', 'gave-up'],
  waiting: ['connecting', 'stopped'],
  stopped: [],
  'gave-up': [],
};

interface Outcome {
  code: number;
  reason: string;
  leaderUrl: string;
  /** The endpoint cannot be a master; trying it again cannot help. */
  notAMaster: boolean;
  connected: boolean;
  /** The client said the close is not final (SessionConnection.notFinal). */
  notFinal?: boolean;
  cause?: unknown;
}

const silent: SessionLogger = { info: () => undefined, warn: () => undefined };

export class MasterSession {
  /** The configured base URLs, checked and without duplicates. */
  readonly urls: readonly string[];
  #o: MasterSessionOptions;
  #log: SessionLogger;
  #delay: (attempt: number) => number;
  #finalCodes: ReadonlySet<number>;
  #maxAttempts: number;
  #abort = new AbortController();
  #status = new StatusStream<SessionStatus>();
  #state: SessionState = SessionState.IDLE;
  #next = 0;
  #target: string;
  #channel: Channel | undefined;
  #closeWith = { code: CloseCode.NORMAL as number, reason: 'client closing' };
  #running: Promise<SessionEnd> | undefined;

  /** Throws a MasterSessionError (INVALID_URL) naming every unusable URL. */
  constructor(options: MasterSessionOptions) {
    try {
      this.urls = parseMasterUrls(options.masterUrl, options.path);
    } catch (err) {
      throw new MasterSessionError(SessionErrorCode.INVALID_URL, (err as Error).message, { cause: err });
    }
    if (options.maxAttempts !== undefined && !(options.maxAttempts >= 1)) {
      throw new RangeError(`maxAttempts must be at least 1, got ${options.maxAttempts}`);
    }
    this.#o = options;
    this.#log = options.log ?? silent;
    this.#delay = backoff({ initialMs: 500, maxMs: 10_000, ...options.reconnect });
    this.#finalCodes = options.finalCodes ?? FINAL_CLOSE_CODES;
    this.#maxAttempts = options.maxAttempts ?? Infinity;
    this.#target = this.urls[0] as string;
    if (options.signal?.aborted) this.#abort.abort();
    options.signal?.addEventListener('abort', () => this.#stop(), { once: true });
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The URL connected to now, or tried next. */
  get url(): string {
    return this.#target;
  }

  /** The open channel, if any. */
  get channel(): Channel | undefined {
    return this.#channel;
  }

  /** Status changes from now on; the iterable is done when the session ends. */
  status(): AsyncIterable<SessionStatus> {
    return this.#status.subscribe();
  }

  /**
   * Connects, calls `serve` with each open connection (it sets the message and close handlers and
   * sends the first call), and reconnects when it closes, until close(), the signal, a final close
   * code, a URL that is not a master, or maxAttempts failures. Runs once; later calls get the same end.
   */
  run(serve: (connection: SessionConnection) => void): Promise<SessionEnd> {
    this.#running ??= this.#loop(serve).finally(() => this.#status.end());
    return this.#running;
  }

  /** Stops the session, closing its connection with code and reason; resolves once it has ended. */
  async close(code: number = CloseCode.NORMAL, reason = 'client closing'): Promise<void> {
    this.#closeWith = { code, reason };
    this.#stop();
    await this.#running;
  }

  #stop(): void {
    this.#abort.abort();
    this.#channel?.close(this.#closeWith.code, this.#closeWith.reason);
    if (!this.#running) {
      this.#transition(SessionState.STOPPED);
      this.#status.end();
    }
  }

  async #loop(serve: (connection: SessionConnection) => void): Promise<SessionEnd> {
    const signal = this.#abort.signal;
    let failures = 0;
    let redirects = 0;
    while (!signal.aborted) {
      const url = this.#target;
      this.#transition(SessionState.CONNECTING);
      this.#status.publish({ type: 'connecting', url, attempt: failures + 1 });
      const outcome = await this.#attempt(url, serve, () => {
        failures = 0;
        redirects = 0;
      });
      if (signal.aborted) break;
      failures++;
      const error = this.#finalError(url, outcome, failures);
      if (error) {
        this.#log.warn({ url, code: outcome.code, reason: outcome.reason, err: error.message }, 'giving up on the masters');
        this.#transition(SessionState.GAVE_UP);
        this.#status.publish({ type: 'disconnected', url, code: outcome.code, reason: outcome.reason, connected: outcome.connected, retryInMs: -1 });
        this.#status.publish({ type: 'gave-up', url, error });
        return { type: 'gave-up', error, code: outcome.code, reason: outcome.reason, connected: outcome.connected };
      }
      const leader = this.#leader(outcome.leaderUrl, url);
      let waitMs: number;
      if (leader === url) {
        // The master that refused names itself: it has just been elected and is loading. Ask it
        // again after the first step of the backoff rather than moving on to the others.
        waitMs = this.#delay(0);
      } else if (leader) {
        this.#log.info({ from: url, to: leader }, 'following the leading master');
        this.#target = leader;
        // The first redirect is followed at once; masters that keep pointing elsewhere get a backoff.
        waitMs = redirects++ === 0 ? 0 : this.#delay(failures - 1);
      } else {
        redirects = 0;
        // The master went away or refused: try the next configured one, since another may lead by
        // now. A followed leader that failed sends us back to the configured master that named it
        // (it may know the new leader by now), not past it.
        if (url === this.urls[this.#next]) this.#next = (this.#next + 1) % this.urls.length;
        this.#target = this.urls[this.#next] as string;
        waitMs = this.#delay(failures - 1);
      }
      this.#transition(SessionState.WAITING);
      this.#status.publish({ type: 'disconnected', url, code: outcome.code, reason: outcome.reason, connected: outcome.connected, retryInMs: waitMs });
      if (leader) this.#status.publish({ type: 'redirected', from: url, to: leader });
      if (waitMs > 0) {
        this.#log.warn({ url, code: outcome.code, reason: outcome.reason, next: this.#target, waitMs }, outcome.connected ? 'disconnected from the master; reconnecting' : 'cannot connect to the master; retrying');
        await (this.#o.sleep ?? realSleep)(waitMs, signal);
      }
    }
    this.#transition(SessionState.STOPPED);
    return { type: 'stopped' };
  }

  /** One connection: open it, serve it, and wait until it closes. */
  async #attempt(url: string, serve: (connection: SessionConnection) => void, onReady: () => void): Promise<Outcome> {
    const signal = this.#abort.signal;
    let opened: Awaited<ReturnType<typeof connect>>;
    try {
      opened = await connect(`${url}${this.#o.path}`, {
        ...this.#o.channel,
        kind: this.#o.kind,
        client: this.#o.client,
        signal,
        ...(this.#o.dial ? { dial: this.#o.dial } : {}),
        ...(this.#o.headers ? { headers: this.#o.headers } : {}),
        tls: this.#o.tls,
      });
    } catch (err) {
      if (!(err instanceof ChannelError)) throw err;
      return { code: err.closeCode, reason: err.reason, leaderUrl: err.leaderUrl, notAMaster: err.final, connected: false, cause: err };
    }
    const { channel, welcome } = opened;
    const closed = new Promise<Outcome>((resolve) =>
      channel.onClose((code, reason, leaderUrl) => resolve({ code, reason, leaderUrl: leaderUrl ?? '', notAMaster: false, connected: true })),
    );
    this.#channel = channel;
    let notFinal = false;
    if (signal.aborted) channel.close(this.#closeWith.code, this.#closeWith.reason);
    else {
      this.#transition(SessionState.CONNECTED);
      this.#log.info({ url, masterId: welcome.masterId, epoch: welcome.epoch }, 'connected to the master');
      this.#status.publish({ type: 'connected', url, masterId: welcome.masterId ?? '', epoch: welcome.epoch ?? 0 });
      try {
        serve({ channel, welcome, url, ready: onReady, notFinal: () => void (notFinal = true) });
      } catch (err) {
        channel.close(CloseCode.GOING_AWAY, 'client failed');
        await closed;
        throw err;
      }
    }
    const outcome = await closed;
    if (this.#channel === channel) this.#channel = undefined;
    return { ...outcome, notFinal };
  }

  /** The error to stop with after this outcome, or undefined to go on. */
  #finalError(url: string, o: Outcome, failures: number): MasterSessionError | undefined {
    const closeCode = o.code;
    const cause = o.cause;
    if (this.#finalCodes.has(o.code) && !o.notFinal) {
      return new MasterSessionError(SessionErrorCode.REFUSED, `the master at ${url} refused this client for good (${o.code}): ${o.reason}`, { closeCode, cause });
    }
    if (o.notAMaster) return new MasterSessionError(SessionErrorCode.NOT_A_MASTER, o.reason, { closeCode, cause });
    if (failures >= this.#maxAttempts) {
      return new MasterSessionError(SessionErrorCode.GAVE_UP, `gave up after ${failures} failed attempts; the last (${url}): ${o.reason}`, { closeCode, cause });
    }
    return undefined;
  }

  /** The leader a Refusal named, when it is usable (from itself when the refusing master named itself). */
  #leader(leaderUrl: string, from: string): string | undefined {
    if (!leaderUrl) return undefined;
    const checked = checkMasterUrl(leaderUrl, this.#o.path);
    if (!checked.ok) {
      this.#log.warn({ from, leaderUrl, problem: checked.problem }, 'ignoring an unusable leader URL');
      return undefined;
    }
    return checked.url;
  }

  /** A move outside MOVES would be a bug here; it is ignored, so bookkeeping never ends a session. */
  #transition(to: SessionState): void {
    const from = this.#state;
    if (from === to || !MOVES[from].includes(to)) return;
    this.#state = to;
  }
}
