// Authentication in tests, of the master and of the frameworks alike: an auth config with one
// principal per kind of caller, their tokens, plain HTTP calls with or without them, WebSocket
// upgrades whose HTTP answer is kept, and the check every framework route goes through (no token
// and an unknown token 401 with WWW-Authenticate, a principal without the action 403, as
// docs/security.md says).
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Test } from 'tap';
import { Authenticator, parseAuthConfig, type AuthConfig } from '../../protocol/auth/index.js';
import { TaskState } from '../../protocol/index.js';
import type { RunningMaster } from '../../master/index.js';
import { testMaster } from './master.js';
import { peer, type Peer } from './peer.js';

export const PRINCIPALS = ['admin', 'agent', 'web', 'viewer', 'reader', 'nobody', 'limited'] as const;
export type PrincipalName = (typeof PRINCIPALS)[number];

/** A fresh token per principal and run. */
export const TOKENS: Record<PrincipalName, string> = Object.fromEntries(PRINCIPALS.map((p) => [p, `${p}-${randomBytes(18).toString('base64url')}`])) as Record<PrincipalName, string>;

/**
 * admin may do anything; agent registers agents; web registers and launches in roles web and
 * web/* as user nobody (never root), and reads; viewer reads the master only; reader reads the
 * frameworks and the balancer only; nobody is known but allowed nothing; limited reads the master
 * and the frameworks and registers in role slow, two calls and then about one an hour.
 */
export function authConfig(): AuthConfig {
  return parseAuthConfig({
    principals: PRINCIPALS.map((name) => ({ name, token: TOKENS[name], ...(name === 'limited' ? { rateLimit: { perSecond: 0.0003, burst: 2 } } : {}) })),
    acls: [
      { principals: ['admin'], actions: ['*'], allow: true },
      { principals: ['agent'], actions: ['register_agent'], allow: true },
      { principals: ['web'], actions: ['launch'], users: ['root'], allow: false },
      { principals: ['web'], actions: ['register_framework', 'launch', 'teardown'], roles: ['web', 'web/*'], users: ['nobody'], allow: true },
      { principals: ['web', 'viewer', 'limited'], actions: ['read'], allow: true },
      { principals: ['limited'], actions: ['register_framework'], roles: ['slow'], allow: true },
      { principals: ['reader'], actions: ['services.read', 'jobs.read', 'lb.read'], allow: true },
      { principals: ['limited'], actions: ['services.read', 'jobs.read'], allow: true },
    ],
  }, 'test-auth.yaml');
}

/** The Authorization header of a principal, a token nobody holds ('wrong'), or none. */
export function bearer(who: PrincipalName | 'wrong' | undefined): Record<string, string> {
  if (who === undefined) return {};
  return { authorization: `Bearer ${who === 'wrong' ? `${TOKENS.admin}x` : TOKENS[who]}` };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown> | undefined;
}

/** The authenticator of authConfig(), as the frameworks and the balancer take it. */
export function testAuthenticator(): Authenticator {
  return new Authenticator(authConfig());
}

/**
 * One HTTP call as `who`; the JSON body of the answer when there is one. The body goes as JSON,
 * or, with a content type, as the text it is.
 */
export async function call(httpUrl: string, method: string, path: string, who: PrincipalName | 'wrong' | undefined, body?: unknown, contentType?: string): Promise<Answer> {
  const res = await fetch(`${httpUrl}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...bearer(who), 'content-type': contentType ?? 'application/json' },
    ...(body === undefined ? {} : { body: contentType === undefined ? JSON.stringify(body) : String(body) }),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), body: json };
}

/** A WebSocket upgrade request; its HTTP answer (101 when upgraded, the socket then closed). */
export function upgrade(httpUrl: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${httpUrl}${path}`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), ...headers },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: undefined });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A master with authentication on, a scripted agent (principal agent) and framework (principal web, role web) and task t1 RUNNING as user nobody. */
export async function authCluster(t: Test): Promise<{ m: RunningMaster; agent: Peer; agentId: string; fw: Peer; frameworkId: string }> {
  const m = await testMaster(t, { allocationIntervalMs: 50, auth: authConfig() });
  const agent = await peer(t, m.url, 'agent', bearer('agent'));
  agent.send({ agentCall: { register: { agent: { hostname: 'h', resources: { cpus: 4, memMb: 4096, diskMb: 1000 } } } } });
  const agentId = await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  const fw = await peer(t, m.url, 'scheduler', bearer('web'));
  fw.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: 'web-fw', roles: ['web'], user: 'nobody', failoverTimeoutMs: 60_000 } } } });
  const frameworkId = await fw.next('subscribed', (e) => e.schedulerEvent?.subscribed?.frameworkId);
  const offer = await fw.next('an offer', (e) => e.schedulerEvent?.offers?.offers?.[0]);
  fw.send({ schedulerCall: { requestId: 'launch', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [
    { taskId: 't1', name: 't1', resources: { cpus: 0.5, memMb: 64 }, command: { value: 'sleep 600', shell: true } },
  ] }] } } });
  await agent.next('runTask', (e) => e.agentEvent?.runTask);
  agent.send({ agentCall: { update: { status: { taskId: 't1', state: TaskState.TASK_RUNNING, uuid: 'u-run', agentId } } } });
  await fw.next('RUNNING', (e) => (e.schedulerEvent?.update?.status?.state === TaskState.TASK_RUNNING ? true : undefined));
  return { m, agent, agentId, fw, frameworkId };
}

/** A call of a framework route: its method, path (with ids filled in) and body. */
export interface RouteCall {
  route: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  /** Needs the write action: the reader is refused too. */
  write: boolean;
}

/** Each call refused as it must be: 401 without a token and with a wrong one, 403 for those without the action. */
export async function checkRefusals(t: Test, base: string, calls: readonly RouteCall[]): Promise<void> {
  const answer = async (c: RouteCall, who: PrincipalName | 'wrong' | undefined): Promise<[number, unknown, unknown]> => {
    const a = await call(base, c.method, c.path, who, c.body, c.body === undefined ? undefined : (c.contentType ?? 'text/plain'));
    return [a.status, a.body?.code, a.headers['www-authenticate']];
  };
  for (const c of calls) {
    t.same(await answer(c, undefined), [401, 'UNAUTHENTICATED', 'Bearer realm="berth"'], `${c.route}: no token, 401`);
    t.same((await answer(c, 'wrong')).slice(0, 2), [401, 'UNAUTHENTICATED'], `${c.route}: an unknown token, 401`);
    t.same((await answer(c, 'viewer')).slice(0, 2), [403, 'FORBIDDEN'], `${c.route}: a principal without the action, 403`);
    if (c.write) t.same((await answer(c, 'reader')).slice(0, 2), [403, 'FORBIDDEN'], `${c.route}: a reader may not write, 403`);
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
