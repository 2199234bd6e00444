// Authentication in tests: an auth config with one principal per kind of caller, their tokens,
// plain HTTP calls with or without them, and WebSocket upgrades whose HTTP answer is kept.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Test } from 'tap';
import { parseAuthConfig, type AuthConfig } from '../../protocol/auth/index.js';
import { TaskState } from '../../protocol/index.js';
import type { RunningMaster } from '../../master/index.js';
import { testMaster } from './master.js';
import { peer, type Peer } from './peer.js';

export const PRINCIPALS = ['admin', 'agent', 'web', 'viewer', 'nobody', 'limited'] as const;
export type PrincipalName = (typeof PRINCIPALS)[number];

/** A fresh token per principal and run. */
export const TOKENS: Record<PrincipalName, string> = Object.fromEntries(PRINCIPALS.map((p) => [p, `${p}-${randomBytes(18).toString('base64url')}`])) as Record<PrincipalName, string>;

/**
 * admin may do anything; agent registers agents; web registers and launches in roles web and
 * web/* as user nobody (never root), and reads; viewer reads; nobody is known but allowed nothing;
 * limited reads and registers in role slow, two calls and then about one an hour.
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

/** One HTTP call as `who`; the JSON body when there is one. */
export async function call(httpUrl: string, method: string, path: string, who: PrincipalName | 'wrong' | undefined, body?: unknown): Promise<Answer> {
  const res = await fetch(`${httpUrl}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...bearer(who), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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
