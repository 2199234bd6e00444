// The autoscaler's readers over real HTTP: request rates from load balancers' stats (tiny fake
// balancers serving the contract's shape) and the tasks' CPU from a master's state body.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { decodeTaskUsage, readTaskUsage } from '../../frameworks/sdk/index.js';
import { RequestRates, decodeLbStats } from '../../frameworks/services/index.js';

/** A server answering every GET with `body()` as JSON (or `status()` when not 200); its URL. */
async function serve(t: Test, answer: () => { status?: number; body: unknown }): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const a = answer();
    res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
}

const backend = (id: string, requestsTotal: number) => ({ id, address: '127.0.0.1:1', connectionsTotal: requestsTotal, requestsTotal, activeConnections: 0, draining: false });
const stats = (...services: { id: string; backends: ReturnType<typeof backend>[] }[]) => ({
  services: services.map((s) => ({ id: s.id, servicePort: 10080, port: 'http', connectionsTotal: 0, requestsTotal: 0, activeConnections: 0, backends: s.backends })),
});

t.test('request rates per instance, summed over the balancers, since the previous read', async (t) => {
  let counts = { a: 0, b: 0, c: 0 };
  let status = 200;
  const lb1 = await serve(t, () => ({ status, body: stats({ id: '/web', backends: [backend('web.1', counts.a), backend('web.2', counts.b)] }) }));
  const lb2 = await serve(t, () => ({ body: stats({ id: '/web', backends: [backend('web.1', counts.c)] }), }));
  let nowMs = 0;
  const rates = new RequestRates({ lbUrls: [lb1.url, `${lb2.url}/`], now: () => nowMs });
  t.same(await rates.read(), { rates: new Map() }, 'the first read is the baseline');
  t.same(lb1.paths, ['/api/v1/stats']);
  t.same(lb2.paths, ['/api/v1/stats'], 'a trailing slash is not doubled');
  nowMs = 2_000;
  counts = { a: 40, b: 10, c: 20 };
  t.same(await rates.read(), { rates: new Map([['web.1', 30], ['web.2', 5]]) }, 'web.1: 40/2 at lb1 + 20/2 at lb2');
  nowMs = 4_000;
  counts = { a: 5, b: 20, c: 30 };
  t.same(await rates.read(), { rates: new Map([['web.2', 5]]) }, 'a counter that went back (a restarted balancer) is no rate yet');
  status = 503;
  nowMs = 6_000;
  const failed = await rates.read();
  t.match(failed, { failed: new RegExp(`${lb1.url.replace(/[.]/g, '\\.')}: HTTP 503`) }, 'one balancer down: no rates at all');
  status = 200;
  nowMs = 8_000;
  counts = { a: 25, b: 40, c: 50 };
  t.same(await rates.read(), { rates: new Map() }, 'after a failure that balancer starts a new baseline, and its instances wait for it');
});

t.test('balancers that do not answer, or answer something else', async (t) => {
  const wrong = await serve(t, () => ({ body: { services: [{ id: '/web', backends: [{ id: 'web.1', requestsTotal: 'many' }] }] } }));
  const rates = new RequestRates({ lbUrls: [wrong.url, 'http://127.0.0.1:1'], now: () => 0, timeoutMs: 1_000 });
  const r = await rates.read();
  t.ok('failed' in r);
  t.match('failed' in r && r.failed, /stats\.services\[0\]\.backends\[0\]\.requestsTotal must be a number >= 0/);
  t.match('failed' in r && r.failed, /http:\/\/127\.0\.0\.1:1: /);
  t.throws(() => decodeLbStats({ services: {} }), /stats\.services must be a list/);
  t.throws(() => decodeLbStats({ services: [{ id: '/a' }] }), /stats\.services\[0\]\.backends must be a list/);
  t.same(decodeLbStats(stats({ id: '/a', backends: [backend('x', 3)] }, { id: '/b', backends: [backend('x', 4)] })), new Map([['x', 7]]), 'one backend behind two service ports sums');
});

const masterState = {
  agents: [
    { id: 'a1', usage: { atMs: 5_000, cpuPercent: 80, memBytes: 1, underPressure: false, pressureReason: '' } },
    { id: 'a2', usage: null },
  ],
  tasks: [
    { id: 'web.1', frameworkId: 'f1', agentId: 'a1', usage: { cpuPercent: 45.5, memBytes: 1024 } },
    { id: 'web.2', frameworkId: 'f1', agentId: 'a1', usage: null },
    { id: 'job.1', frameworkId: 'f2', agentId: 'a1', usage: { cpuPercent: 10, memBytes: 2048 } },
    { id: 'web.3', frameworkId: 'f1', agentId: 'a2', usage: { cpuPercent: 5, memBytes: 1 } },
  ],
};

t.test('the tasks\' CPU from the master\'s state, stamped with their agent\'s report', async (t) => {
  const master = await serve(t, () => ({ body: masterState }));
  const wsUrl = master.url.replace(/^http/, 'ws');
  t.same(await readTaskUsage(wsUrl, { frameworkId: 'f1' }), [{ taskId: 'web.1', frameworkId: 'f1', agentId: 'a1', cpuPercent: 45.5, memBytes: 1024, atMs: 5_000 }]);
  t.same((await readTaskUsage(wsUrl)).map((u) => u.taskId), ['web.1', 'job.1'], 'every framework\'s without a frameworkId');
  t.same(master.paths, ['/api/v1/state', '/api/v1/state']);
  t.throws(() => decodeTaskUsage({ agents: [] }), /state\.tasks and state\.agents must be lists/);
  t.throws(() => decodeTaskUsage({ agents: [{ id: 'a1', usage: { atMs: 'now' } }], tasks: [{ id: 't', frameworkId: 'f', agentId: 'a1', usage: { cpuPercent: -1, memBytes: 0 } }] }),
    /agents\[0\]\.usage\.atMs must be a number >= 0; tasks\[0\]\.usage must have cpuPercent and memBytes numbers >= 0/);
});
