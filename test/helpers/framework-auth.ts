// Principals for tests of the frameworks' authentication, and the check every route goes through:
// no token and an unknown token answered 401 (with WWW-Authenticate), a principal without the
// route's action 403, as the contract in docs/security.md says.
import type { Test } from 'tap';
import { dialText } from '../../protocol/index.js';
import { Authenticator, parseAuthConfig } from '../../protocol/auth/index.js';

export const TOKENS = {
  admin: 'admin-token-0123456789abcdef',
  reader: 'reader-token-0123456789abcd',
  stranger: 'stranger-token-0123456789ab',
  limited: 'limited-token-0123456789abc',
} as const;

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** admin may do everything; reader only reads the frameworks and the balancer; stranger only reads the master; limited reads twice, then waits. */
export function testAuthenticator(): Authenticator {
  return new Authenticator(parseAuthConfig({
    principals: Object.entries(TOKENS).map(([name, token]) => ({ name, token, ...(name === 'limited' ? { rateLimit: { perSecond: 0.01, burst: 2 } } : {}) })),
    acls: [
      { principals: ['admin'], actions: ['*'], allow: true },
      { principals: ['reader'], actions: ['services.read', 'jobs.read', 'lb.read'], allow: true },
      { principals: ['stranger'], actions: ['read'], allow: true },
      { principals: ['limited'], actions: ['services.read', 'jobs.read'], allow: true },
    ],
  }, 'test'));
}

/** A call of a route: its method, path (with ids filled in) and body. */
export interface RouteCall {
  route: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  /** Needs the write action: the reader is refused too. */
  write: boolean;
}

async function answer(base: string, c: RouteCall, headers: Record<string, string>): Promise<{ status: number; code: string; header: string | null }> {
  const res = await fetch(`${base}${c.path}`, { method: c.method, headers: { ...headers, ...(c.contentType ? { 'content-type': c.contentType } : {}) }, ...(c.body === undefined ? {} : { body: c.body }) });
  const body = (await res.json().catch(() => ({}))) as { code?: string };
  return { status: res.status, code: body.code ?? '', header: res.headers.get('www-authenticate') };
}

/** Each call refused as it must be: 401 without a token and with a wrong one, 403 for those without the action. */
export async function checkRefusals(t: Test, base: string, calls: readonly RouteCall[]): Promise<void> {
  for (const c of calls) {
    const none = await answer(base, c, {});
    t.same([none.status, none.code, none.header], [401, 'UNAUTHENTICATED', 'Bearer realm="berth"'], `${c.route}: no token, 401`);
    const wrong = await answer(base, c, bearer('not-a-token-of-anyone-at-all'));
    t.same([wrong.status, wrong.code], [401, 'UNAUTHENTICATED'], `${c.route}: an unknown token, 401`);
    const stranger = await answer(base, c, bearer(TOKENS.stranger));
    t.same([stranger.status, stranger.code], [403, 'FORBIDDEN'], `${c.route}: a principal without the action, 403`);
    if (c.write) {
      const reader = await answer(base, c, bearer(TOKENS.reader));
      t.same([reader.status, reader.code], [403, 'FORBIDDEN'], `${c.route}: a reader may not write, 403`);
    }
  }
}

/** The status a WebSocket upgrade of `url` is refused with (0 when it opened, which is then closed). */
export async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    const socket = await dialText(url, { headers });
    socket.close(1000, 'done');
    return 0;
  } catch (err) {
    return Number((err as { status?: number }).status ?? -1);
  }
}

/** Every route has a call: a route added without one fails the test. */
export function callsFor(t: Test, routes: readonly string[], calls: Readonly<Record<string, Omit<RouteCall, 'route' | 'method' | 'write'> & { write?: boolean }>>): RouteCall[] {
  const missing = routes.filter((r) => !r.startsWith('WS ') && !(r in calls));
  t.same(missing, [], 'every route has a call in this test');
  const unknown = Object.keys(calls).filter((r) => !routes.includes(r));
  t.same(unknown, [], 'and every call is of a route');
  return routes.filter((r) => r in calls).map((route) => {
    const method = route.split(' ')[0] ?? 'GET';
    const c = calls[route]!;
    return { route, method, ...c, write: c.write ?? !(method === 'GET' || method === 'HEAD') };
  });
}
