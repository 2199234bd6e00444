// The scheduler client's options as a user writes them, and compiled once: defaults filled and
// every field checked, with every problem listed in one error.
import { bearerHeaders, tokenProblem } from '../../protocol/auth/index.js';
import { MAX_OFFERS_LIMIT } from '../../protocol/domain/index.js';
import { BerthError, ErrorCode, checkId, checkMasterUrl, type ClientTls, type Dialer, type FrameworkInfo } from '../../protocol/index.js';

/** Something minimal to log with; pino loggers fit. */
export interface SdkLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export interface SchedulerClientOptions {
  /**
   * ws://host:port of the masters, as one URL, a list, or a comma-separated string. The client
   * tries them in turn; a standby names the leader and the client goes there.
   */
  masterUrl: string | string[];
  /** Who the framework is. `name` is required; `roles` defaults to `['*']`. */
  framework: FrameworkInfo;
  /** Re-subscribe as this framework (after a restart of the framework process). */
  frameworkId?: string;
  /**
   * What to do when the master has forgotten `frameworkId` (the framework was away longer than its
   * failover timeout, so the master killed its tasks and removed it): `'stop'` (the default, as a
   * Mesos scheduler driver does) reports the refusal as an `error` event (FRAMEWORK_UNKNOWN) and
   * ends the stream; `'resubscribe'` emits a `forgotten` event, subscribes afresh without the id and
   * emits `subscribed` with the new one. Either way the old tasks are gone: a framework that
   * keeps state should mark them lost (or reconcile them, which answers LOST) and launch anew.
   */
  onForgotten?: OnForgotten;
  /**
   * Roles (of `framework.roles`) to subscribe with offers suppressed (Mesos' `suppressed_roles`):
   * the master sends none for them until `revive()`. A framework that starts with nothing to run
   * (a `TaskQueue` before its first task) passes its roles here, so it is not sent an offer of
   * every agent only to decline them. The client then remembers each `suppress()` and `revive()`
   * and subscribes with what is suppressed on every reconnection and master failover.
   */
  suppressedRoles?: string[];
  /** Acknowledge each update when the consumer pulls the next event (default true). */
  autoAcknowledge?: boolean;
  /**
   * After re-subscribing (a reconnect or a master failover), ask for the state of every task at
   * once (implicit reconciliation), so the framework catches up on what it missed (default true).
   */
  reconcileOnResubscribe?: boolean;
  /**
   * Give up after this many failed reconnection attempts in a row (default: never). The client
   * also stops, at once, when the master closes with a final code (REPLACED: another process
   * subscribed as this framework id; TORN_DOWN) or a URL is not a berth master (an HTTP 404).
   */
  maxReconnectAttempts?: number;
  /** Backoff between connection attempts (default 200 ms doubling to 5 s). */
  reconnect?: { initialMs: number; maxMs: number };
  log?: SdkLogger;
  /** Aborting it closes the client, as close() does. */
  signal?: AbortSignal;
  /** How long the master may stay silent before the client reconnects (default three heartbeat intervals of the master's). */
  heartbeatTimeoutMs?: number;
  /** How connections are opened (default: WebSockets; tests pass an in-memory dialer). */
  dial?: Dialer;
  /**
   * The bearer token of the framework's principal, for a master with authentication on
   * (docs/security.md). Sent as `Authorization: Bearer TOKEN` on the upgrade; never in a URL.
   */
  token?: string;
  /** For wss:// masters: the CA certificate(s) to trust, PEM, in place of the system's. */
  ca?: string | Buffer;
  /** For a master that requires client certificates (mutual TLS): this framework's certificate, PEM; with `key`. */
  cert?: string | Buffer;
  /** The private key of `cert`, PEM. */
  key?: string | Buffer;
}

/** What the client does when the master has forgotten its framework id. */
export const OnForgotten = { RESUBSCRIBE: 'resubscribe', STOP: 'stop' } as const;
export type OnForgotten = (typeof OnForgotten)[keyof typeof OnForgotten];

/** The options with every default filled in; what the client reads. */
export interface CompiledSchedulerClientOptions {
  masterUrls: string[];
  framework: FrameworkInfo & { name: string; roles: string[] };
  frameworkId: string;
  suppressedRoles: string[];
  onForgotten: OnForgotten;
  autoAcknowledge: boolean;
  reconcileOnResubscribe: boolean;
  /** Infinity when the client never gives up. */
  maxReconnectAttempts: number;
  reconnect: { initialMs: number; maxMs: number };
  log: Required<SdkLogger>;
  signal: AbortSignal | undefined;
  /** undefined: three of the heartbeat intervals the master announces. */
  heartbeatTimeoutMs: number | undefined;
  dial: Dialer | undefined;
  /** Headers of every upgrade request (the token's Authorization); empty without a token. */
  headers: Record<string, string>;
  tls: ClientTls | undefined;
}

export const DEFAULT_RECONNECT = { initialMs: 200, maxMs: 5_000 } as const;

const silent: Required<SdkLogger> = { info: () => undefined, warn: () => undefined, debug: () => undefined };

/**
 * Checks the options and fills in the defaults. Throws one `BerthError` (code `INVALID_CALL`)
 * listing every problem, each naming its field, so a misconfigured framework fails at start-up.
 */
export function compileSchedulerClientOptions(options: SchedulerClientOptions): CompiledSchedulerClientOptions {
  const problems: { field: string; rule: string }[] = [];
  const problem = (field: string, rule: string): void => void problems.push({ field, rule });
  const o = (options ?? {}) as Partial<SchedulerClientOptions>;

  const given = typeof o.masterUrl === 'string' || (Array.isArray(o.masterUrl) && o.masterUrl.every((u) => typeof u === 'string'))
    ? (typeof o.masterUrl === 'string' ? o.masterUrl.split(',') : o.masterUrl).map((u) => u.trim()).filter(Boolean)
    : undefined;
  const urls: string[] = [];
  if (!given) problem('masterUrl', 'must be a ws:// URL, a comma-separated list of them, or an array of them');
  else if (given.length === 0) problem('masterUrl', 'must name at least one ws:// URL');
  else {
    given.forEach((u, i) => {
      const checked = checkMasterUrl(u, '/api/v1/scheduler');
      if (checked.ok) urls.push(checked.url);
      else problem(`masterUrl${given.length > 1 ? `[${i}]` : ''}`, checked.problem);
    });
  }

  const framework = o.framework;
  let roles = ['*'];
  if (typeof framework !== 'object' || framework === null) problem('framework', 'must be an object with at least a name');
  else {
    if (typeof framework.name !== 'string' || framework.name.trim() === '') problem('framework.name', 'must be a non-empty string');
    if (framework.roles !== undefined && framework.roles !== null) {
      if (!Array.isArray(framework.roles)) problem('framework.roles', 'must be an array of role names');
      else if (framework.roles.length > 0) {
        framework.roles.forEach((r, i) => {
          if (typeof r !== 'string' || r === '') problem(`framework.roles[${i}]`, 'must be a non-empty string');
        });
        roles = [...framework.roles];
      }
    }
    const failover = framework.failoverTimeoutMs;
    if (failover !== undefined && failover !== null && !(typeof failover === 'number' && Number.isFinite(failover) && failover >= 0)) {
      problem('framework.failoverTimeoutMs', 'must be a finite number of milliseconds >= 0');
    }
    const maxOffers = framework.maxOffers;
    if (maxOffers !== undefined && maxOffers !== null && !(Number.isInteger(maxOffers) && maxOffers >= 0 && maxOffers <= MAX_OFFERS_LIMIT)) {
      problem('framework.maxOffers', `must be a whole number from 0 (no limit) to ${MAX_OFFERS_LIMIT}`);
    }
  }

  if (o.frameworkId !== undefined && o.frameworkId !== '') {
    const idProblem = typeof o.frameworkId === 'string' ? checkId(o.frameworkId, 'frameworkId') : 'frameworkId must be a string';
    if (idProblem) problem('frameworkId', idProblem.replace(/^frameworkId /, ''));
  }
  const suppressed = o.suppressedRoles ?? [];
  if (!Array.isArray(suppressed)) problem('suppressedRoles', 'must be an array of role names');
  else suppressed.forEach((r, i) => {
    if (!roles.includes(r)) problem(`suppressedRoles[${i}]`, `must be one of framework.roles (${roles.join(', ')})`);
  });
  if (o.onForgotten !== undefined && !(Object.values(OnForgotten) as unknown[]).includes(o.onForgotten)) problem('onForgotten', `must be 'resubscribe' or 'stop'`);
  for (const field of ['autoAcknowledge', 'reconcileOnResubscribe'] as const) {
    if (o[field] !== undefined && typeof o[field] !== 'boolean') problem(field, 'must be true or false');
  }
  const attempts = o.maxReconnectAttempts;
  if (attempts !== undefined && !(Number.isInteger(attempts) && attempts >= 0)) problem('maxReconnectAttempts', 'must be a whole number >= 0');
  const reconnect = o.reconnect ?? DEFAULT_RECONNECT;
  if (typeof reconnect !== 'object' || reconnect === null || !positive(reconnect.initialMs) || !positive(reconnect.maxMs)) {
    problem('reconnect', 'must be { initialMs, maxMs } with both numbers of milliseconds > 0');
  } else if (reconnect.maxMs < reconnect.initialMs) problem('reconnect.maxMs', 'must be >= reconnect.initialMs');
  if (o.heartbeatTimeoutMs !== undefined && !positive(o.heartbeatTimeoutMs)) problem('heartbeatTimeoutMs', 'must be a number of milliseconds > 0');
  if (o.log !== undefined && !(typeof o.log?.info === 'function' && typeof o.log?.warn === 'function')) {
    problem('log', 'must have info() and warn() methods (a pino logger fits)');
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) problem('signal', 'must be an AbortSignal');
  if (o.dial !== undefined && typeof o.dial !== 'function') problem('dial', 'must be a function (url, options) => Promise<Transport>');
  const badToken = o.token === undefined ? undefined : tokenProblem(o.token, 'token');
  if (badToken) problem('token', badToken.replace(/^token /, ''));
  const tls = compileTls(o, problem);

  if (problems.length > 0) {
    const list = problems.map((p) => `${p.field} ${p.rule}`).join('; ');
    throw new BerthError(ErrorCode.INVALID_CALL, `invalid SchedulerClient options: ${list}`, { field: problems.map((p) => p.field).join(',') });
  }
  const log = o.log;
  return {
    masterUrls: [...new Set(urls)],
    framework: { ...(framework as FrameworkInfo), name: (framework as FrameworkInfo).name as string, roles },
    frameworkId: o.frameworkId ?? '',
    suppressedRoles: [...new Set(suppressed)],
    onForgotten: o.onForgotten ?? OnForgotten.STOP,
    autoAcknowledge: o.autoAcknowledge ?? true,
    reconcileOnResubscribe: o.reconcileOnResubscribe ?? true,
    maxReconnectAttempts: attempts ?? Infinity,
    reconnect: { initialMs: reconnect.initialMs, maxMs: reconnect.maxMs },
    log: log
      ? { info: (obj, msg) => log.info(obj, msg), warn: (obj, msg) => log.warn(obj, msg), debug: (obj, msg) => log.debug?.(obj, msg) }
      : silent,
    signal: o.signal,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    dial: o.dial,
    headers: bearerHeaders(o.token),
    tls,
  };
}

/** The options of a client that may talk TLS: PEM texts, as node's tls takes them. */
export interface TlsClientOptions {
  ca?: string | Buffer | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
}

/** ca, cert and key checked (PEM text or bytes; cert and key together) into a ClientTls. */
export function compileTls(o: TlsClientOptions, problem: (field: string, rule: string) => void): ClientTls | undefined {
  const out: ClientTls = {};
  for (const field of ['ca', 'cert', 'key'] as const) {
    const v = o[field];
    if (v === undefined) continue;
    if (typeof v === 'string' || Buffer.isBuffer(v)) out[field] = Buffer.from(v);
    else problem(field, 'must be PEM text (a string or a Buffer)');
  }
  if ((o.cert === undefined) !== (o.key === undefined)) problem(o.cert === undefined ? 'cert' : 'key', 'must be given with ' + (o.cert === undefined ? 'key' : 'cert') + ' (a client certificate and its private key)');
  return Object.keys(out).length > 0 ? out : undefined;
}

function positive(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0;
}
