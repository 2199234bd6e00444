// Every master endpoint with authentication on, walked from the router's own table so that a new
// route without a case here fails: no token and a wrong token are 401 (with WWW-Authenticate),
// a known principal without the action is 403, nothing changes on a refused call, and an allowed
// principal gets through. GET /health and the UI's shell stay open.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { ErrorCode } from '../../protocol/index.js';
import { authSubprotocol } from '../../protocol/auth/index.js';
import { authCluster, authConfig, call, upgrade, bearer, TOKENS, type Answer, type PrincipalName } from '../helpers/auth.js';
import { testMaster } from '../helpers/master.js';

interface Case {
  /** A principal that authenticates but lacks the route's action; undefined when the core checks (see auth-channels). */
  forbidden: PrincipalName | undefined;
  /** Who gets through, and the status that shows it. */
  allowed: { who: PrincipalName; status: number };
  /** Calls that change things run after every refusal has been tried. */
  destructive?: boolean;
  body?: unknown;
  path?: string;
}

const read = (path?: string, status = 200): Case => ({ forbidden: 'nobody', allowed: { who: 'viewer', status }, ...(path ? { path } : {}) });

t.test('every route refuses missing, wrong and insufficient credentials and changes nothing', async (t) => {
  const { m, agent, agentId, frameworkId } = await authCluster(t);
  const cases: Record<string, Case> = {
    'GET /health': { forbidden: undefined, allowed: { who: 'nobody', status: 200 } },
    'GET /metrics': read(),
    'GET /api/v1/state': read(),
    'GET /api/v1/leader': read(),
    'GET /api/v1/roles': read(),
    'GET /api/v1/agents': read(),
    'GET /api/v1/frameworks': read(),
    'GET /api/v1/frameworks/:id': read(`/api/v1/frameworks/${frameworkId}`),
    'GET /api/v1/audit': read(),
    'GET /api/v1/explain': read('/api/v1/explain?role=web'),
    // An unknown task: the answer past authorization is 404.
    'GET /api/v1/tasks/:id/logs': read('/api/v1/tasks/nope/logs', 404),
    'GET /ui/links.json': read(),
    // No framework links: past authorization the proxy says so.
    'GET /ui/proxy/:path*': read('/ui/proxy/services/api/v1/services', 404),
    'GET /ui/proxy/*': read('/ui/proxy/services/api/v1/stream', 404),
    'GET /api/v1/stream': read('/api/v1/stream', 101),
    'GET /api/v1/agent': { forbidden: 'viewer', allowed: { who: 'agent', status: 101 } },
    // Any principal may open the scheduler endpoint; SUBSCRIBE checks register_framework per role.
    'GET /api/v1/scheduler': { forbidden: undefined, allowed: { who: 'viewer', status: 101 } },
    'POST /api/v1/scheduler': { forbidden: undefined, allowed: { who: 'viewer', status: 400 }, body: {} },
    'POST /api/v1/agents/:id/drain': { forbidden: 'viewer', allowed: { who: 'admin', status: 200 }, path: `/api/v1/agents/${agentId}/drain`, body: { deadline: '1h' }, destructive: true },
    'POST /api/v1/agents/:id/undrain': { forbidden: 'web', allowed: { who: 'admin', status: 200 }, path: `/api/v1/agents/${agentId}/undrain`, destructive: true },
    'PUT /api/v1/roles/:name*': { forbidden: 'web', allowed: { who: 'admin', status: 200 }, path: '/api/v1/roles/web/api', body: { weight: 2 }, destructive: true },
    'DELETE /api/v1/roles/:name*': { forbidden: 'viewer', allowed: { who: 'admin', status: 200 }, path: '/api/v1/roles/web/api', destructive: true },
    // web may tear down in its own roles only; the task and framework are in role web, so viewer is the one refused.
    'POST /api/v1/tasks/:id/kill': { forbidden: 'viewer', allowed: { who: 'web', status: 200 }, path: '/api/v1/tasks/t1/kill', destructive: true },
    'POST /api/v1/frameworks/:id/teardown': { forbidden: 'viewer', allowed: { who: 'admin', status: 200 }, path: `/api/v1/frameworks/${frameworkId}/teardown`, destructive: true },
  };

  const snapshot = async (): Promise<string> => {
    const state = (await call(m.httpUrl, 'GET', '/api/v1/state', 'admin')).body as { agents: { id: string; draining: boolean }[]; frameworks: { id: string }[]; tasks: { id: string; state: string }[] };
    const roles = (await call(m.httpUrl, 'GET', '/api/v1/roles', 'admin')).body;
    const audit = (await call(m.httpUrl, 'GET', '/api/v1/audit', 'admin')).body;
    const kills = agent.received.filter((e) => e.agentEvent?.killTask).length;
    return JSON.stringify({ agents: state.agents.map((a) => [a.id, a.draining]), frameworks: state.frameworks.map((f) => f.id), tasks: state.tasks.map((x) => [x.id, x.state]), roles, audit, kills });
  };
  const send = (route: { method: string; path: string; websocket: boolean }, c: Case, who: PrincipalName | 'wrong' | undefined): Promise<Answer> => {
    const path = c.path ?? route.path;
    return route.websocket ? upgrade(m.httpUrl, path, bearer(who)) : call(m.httpUrl, route.method, path, who, c.body);
  };

  const routes = m.api.routes();
  t.ok(routes.length >= 20, `the router lists its routes (${routes.length})`);
  const before = await snapshot();
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    const c = cases[key];
    if (!c) {
      t.fail(`${key} has no authentication case here: add one`);
      continue;
    }
    if (route.access.kind === 'open') {
      t.equal((await send(route, c, undefined)).status, c.allowed.status, `${key} is open`);
      continue;
    }
    for (const who of [undefined, 'wrong'] as const) {
      const answer = await send(route, c, who);
      t.equal(answer.status, 401, `${key} with ${who ?? 'no'} token: 401`);
      t.equal(answer.headers['www-authenticate'], 'Bearer realm="berth"', `${key}: WWW-Authenticate`);
      t.equal(answer.body?.code, ErrorCode.UNAUTHENTICATED, `${key}: {code: UNAUTHENTICATED}`);
      t.match(answer.body?.message, /--token or BERTH_TOKEN/, `${key}: the message says what to do`);
    }
    if (c.forbidden) {
      const answer = await send(route, c, c.forbidden);
      t.equal(answer.status, 403, `${key} as ${c.forbidden}: 403`);
      t.equal(answer.body?.code, ErrorCode.FORBIDDEN, `${key}: {code: FORBIDDEN}`);
      t.match(answer.body?.message, new RegExp(`^principal ${c.forbidden} may not `), `${key}: the message names the principal`);
    }
    t.equal(await snapshot(), before, `${key}: nothing changed`);
  }
  for (const destructive of [false, true]) {
    for (const route of routes) {
      const c = cases[`${route.method} ${route.path}`];
      if (!c || Boolean(c.destructive) !== destructive) continue;
      const answer = await send(route, c, c.allowed.who);
      t.equal(answer.status, c.allowed.status, `${route.method} ${c.path ?? route.path} as ${c.allowed.who}: ${c.allowed.status}`);
    }
  }
  t.not(await snapshot(), before, 'the allowed calls did change things');
});

t.test('the UI shell is open, its data is not', async (t) => {
  const { m } = await authCluster(t);
  for (const path of ['/', '/ui/app.js', '/frameworks']) {
    const answer = await call(m.httpUrl, 'GET', path, undefined);
    t.not(answer.status, 401, `${path} needs no token`);
  }
  t.equal((await call(m.httpUrl, 'GET', '/ui/links.json', undefined)).status, 401);
  t.equal((await call(m.httpUrl, 'GET', '/api/v1/nope', undefined)).status, 401, 'an unknown API path says nothing before a token');
  t.equal((await call(m.httpUrl, 'GET', '/api/v1/nope', 'viewer')).status, 404);
});

t.test('a browser sends its token as a subprotocol; the server picks berth and never echoes the token', async (t) => {
  const { m } = await authCluster(t);
  const offered = `berth, ${authSubprotocol(TOKENS.viewer)}`;
  const upgraded = await upgrade(m.httpUrl, '/api/v1/stream', { 'sec-websocket-protocol': offered });
  t.equal(upgraded.status, 101);
  t.equal(upgraded.headers['sec-websocket-protocol'], 'berth');
  const wrong = await upgrade(m.httpUrl, '/api/v1/stream', { 'sec-websocket-protocol': `berth, ${authSubprotocol('not-a-token-of-anyone-at-all')}` });
  t.equal(wrong.status, 401);
  t.equal((await call(m.httpUrl, 'GET', `/api/v1/state?token=${TOKENS.viewer}`, undefined)).status, 401, 'a token in the URL is not a token');
});

t.test('a principal over its rate limit is answered 429 with Retry-After, on HTTP and on upgrades', async (t) => {
  const { m } = await authCluster(t);
  t.equal((await call(m.httpUrl, 'GET', '/api/v1/state', 'limited')).status, 200);
  t.equal((await call(m.httpUrl, 'GET', '/api/v1/roles', 'limited')).status, 200);
  const over = await call(m.httpUrl, 'GET', '/api/v1/state', 'limited');
  t.equal(over.status, 429);
  t.equal(over.body?.code, ErrorCode.RATE_LIMITED);
  t.ok(Number(over.headers['retry-after']) >= 1, `Retry-After: ${String(over.headers['retry-after'])}`);
  const upgraded = await upgrade(m.httpUrl, '/api/v1/stream', bearer('limited'));
  t.equal(upgraded.status, 429);
  t.equal((await call(m.httpUrl, 'GET', '/api/v1/state', 'viewer')).status, 200, 'other principals are not limited by it');
});

t.test("the UI proxy passes the caller's token on to the framework it reads", async (t) => {
  const seen: (string | undefined)[] = [];
  const upstream = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[]');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
  const port = (upstream.address() as AddressInfo).port;
  const m = await testMaster(t, { auth: authConfig(), frameworkLinks: { services: `http://127.0.0.1:${port}` } });
  t.equal((await call(m.httpUrl, 'GET', '/ui/proxy/services/api/v1/services', undefined)).status, 401);
  t.same(seen, [], 'a refused call never reaches the framework');
  t.equal((await call(m.httpUrl, 'GET', '/ui/proxy/services/api/v1/services', 'viewer')).status, 200);
  t.same(seen, [`Bearer ${TOKENS.viewer}`]);
});
