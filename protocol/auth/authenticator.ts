// Who is calling and what they may do. Servers call authenticate() on every HTTP request and
// WebSocket upgrade, then authorize() per action; with no auth file both let everything through.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { BerthError, ErrorCode } from '../errors.js';
import { allowed } from './acl.js';
import { ACTION_VERBS, type Action } from './actions.js';
import type { AuthConfig, PrincipalConfig } from './parse-config.js';
import { RateLimiter } from './rate-limiter.js';

export interface Principal {
  readonly name: string;
}

/** The principal of every call when authentication is off. */
export const ANONYMOUS: Principal = Object.freeze({ name: 'anonymous' });

/** The subprotocol prefix that carries a token on a browser's WebSocket (which cannot set headers). */
export const BEARER_SUBPROTOCOL_PREFIX = 'berth.bearer.';
/** The subprotocol a server selects when a client offers it with a token. */
export const BERTH_SUBPROTOCOL = 'berth';

/** The subprotocol a browser offers, next to 'berth', to send `token` on a WebSocket upgrade. */
export function authSubprotocol(token: string): string {
  return `${BEARER_SUBPROTOCOL_PREFIX}${Buffer.from(token, 'utf8').toString('base64url')}`;
}

/** A server's choice among offered subprotocols: 'berth' when offered (never the berth.bearer.* one, which holds the token). */
export function pickSubprotocol(offered: Set<string>): string | false {
  return offered.has(BERTH_SUBPROTOCOL) ? BERTH_SUBPROTOCOL : false;
}

/** The token of `Authorization: Bearer T`, else of a `berth.bearer.*` subprotocol; never of the URL. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : undefined;
  }
  const offered = headers['sec-websocket-protocol'];
  if (offered === undefined) return undefined;
  const entry = offered.split(',').map((p) => p.trim()).find((p) => p.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  if (!entry) return undefined;
  const token = Buffer.from(entry.slice(BEARER_SUBPROTOCOL_PREFIX.length), 'base64url').toString('utf8');
  return token === '' ? undefined : token;
}

/** A 429 answer: how long until the principal may call again. */
export class RateLimitedError extends BerthError {
  readonly retryAfterSeconds: number;
  constructor(principal: string, retryAfterMs: number) {
    super(ErrorCode.RATE_LIMITED, `principal ${principal} is over its rate limit; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

const UNAUTHENTICATED_HINT = 'give a token with --token or BERTH_TOKEN (Authorization: Bearer TOKEN)';

export class Authenticator {
  readonly enabled: boolean;
  #config: AuthConfig | undefined;
  #limiter: RateLimiter;

  constructor(config: AuthConfig | undefined, options: { now?: () => number } = {}) {
    this.#config = config;
    this.enabled = config !== undefined;
    this.#limiter = new RateLimiter(options.now);
  }

  /** The caller's principal; throws BerthError UNAUTHENTICATED (no or unknown token) or RATE_LIMITED. */
  authenticate(headers: IncomingHttpHeaders): Principal {
    const config = this.#config;
    if (!config) return ANONYMOUS;
    const token = bearerToken(headers);
    if (token === undefined) {
      const malformed = headers.authorization !== undefined;
      throw new BerthError(ErrorCode.UNAUTHENTICATED, `${malformed ? 'the Authorization header is not "Bearer TOKEN"' : 'authentication is required'}; ${UNAUTHENTICATED_HINT}`);
    }
    const found = this.#find(config.principals, token);
    if (!found) throw new BerthError(ErrorCode.UNAUTHENTICATED, `the token is not valid; ${UNAUTHENTICATED_HINT}`);
    const principal = { name: found.name };
    this.throttle(principal);
    return principal;
  }

  /** Counts one call of an authenticated principal against its rate limit; throws RATE_LIMITED over it. */
  throttle(principal: Principal): void {
    const limit = this.#config?.principals.find((p) => p.name === principal.name)?.rateLimit;
    if (!limit) return;
    const waitMs = this.#limiter.take(principal.name, limit);
    if (waitMs > 0) throw new RateLimitedError(principal.name, waitMs);
  }

  /** Throws BerthError FORBIDDEN unless the ACLs allow `principal` the action on the object. */
  authorize(principal: Principal, action: Action, object: { role?: string; user?: string; describe?: string } = {}): void {
    const config = this.#config;
    if (!config) return;
    if (allowed(config.acls, principal.name, action, object)) return;
    throw new BerthError(ErrorCode.FORBIDDEN, `principal ${principal.name} may not ${ACTION_VERBS[action]}${describe(object)}`);
  }

  /** Whether the ACLs allow the action, for callers that filter instead of refusing. */
  may(principal: Principal, action: Action, object: { role?: string; user?: string } = {}): boolean {
    return !this.#config || allowed(this.#config.acls, principal.name, action, object);
  }

  /** Compares against every principal, so the time taken says nothing about which one matched. */
  #find(principals: readonly PrincipalConfig[], token: string): PrincipalConfig | undefined {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let found: PrincipalConfig | undefined;
    for (const p of principals) if (timingSafeEqual(digest, p.tokenDigest) && !found) found = p;
    return found;
  }
}

function describe(object: { role?: string; user?: string; describe?: string }): string {
  if (object.describe) return ` ${object.describe}`;
  const parts: string[] = [];
  if (object.role !== undefined) parts.push(`in role ${object.role}`);
  if (object.user !== undefined) parts.push(`as user ${object.user || '(the default)'}`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** What is wrong with a token a client was given (empty, too long, spaces or control characters), or undefined. */
export function tokenProblem(token: unknown, field = 'token'): string | undefined {
  if (typeof token !== 'string') return `${field} must be a string`;
  if (!/^[\x21-\x7e]{1,4096}$/.test(token)) return `${field} must be 1 to 4096 printable ASCII characters without spaces`;
  return undefined;
}

/** The headers that carry `token` (none without one). */
export function bearerHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
