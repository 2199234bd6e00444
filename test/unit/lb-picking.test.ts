// The load balancer's pure parts: picking a backend (round robin, least connections, draining
// and refused ones passed over), spotting HTTP request lines, and decoding the endpoints document.
import t from 'tap';
import { BackendPool, checkLoadBalancerOptions, decodeEndpoints, endpointsStreamUrl, looksLikeHttp, startsRequest, type Backend } from '../../frameworks/services/lb/index.js';

const addr = (id: string, port = 8000) => ({ id, host: '127.0.0.1', port });
const ids = (list: (Backend | undefined)[]) => list.map((b) => b?.id);

void t.test('round robin takes each in-rotation backend in turn', async (t) => {
  const pool = new BackendPool('round-robin');
  pool.update([addr('a'), addr('b'), addr('c')], []);
  t.same(ids(Array.from({ length: 6 }, () => pool.pick(0))), ['a', 'b', 'c', 'a', 'b', 'c']);
  pool.update([addr('a'), addr('c')], []);
  const after = ids(Array.from({ length: 4 }, () => pool.pick(0)));
  t.same(new Set(after), new Set(['a', 'c']), 'a backend that left gets no more');
  t.equal(after.filter((id) => id === 'a').length, 2, 'the rest share evenly');
});

void t.test('least connections takes the backend with the fewest open connections', async (t) => {
  const pool = new BackendPool('least-connections');
  pool.update([addr('a'), addr('b'), addr('c')], []);
  const [a, b, c] = [pool.get('a')!, pool.get('b')!, pool.get('c')!];
  a.counters.active = 3;
  b.counters.active = 1;
  c.counters.active = 2;
  t.equal(pool.pick(0)?.id, 'b');
  b.counters.active = 5;
  t.equal(pool.pick(0)?.id, 'c');
  a.counters.active = b.counters.active = c.counters.active = 0;
  t.same(new Set(ids([pool.pick(0), pool.pick(0), pool.pick(0)])), new Set(['a', 'b', 'c']), 'ties go round');
});

void t.test('draining backends get no new connections and keep their counters', async (t) => {
  for (const algorithm of ['round-robin', 'least-connections'] as const) {
    const pool = new BackendPool(algorithm);
    pool.update([addr('a'), addr('b')], []);
    pool.get('b')!.counters.connectionsTotal = 7;
    pool.update([addr('a')], [{ ...addr('b'), closeAtMs: 5_000 }]);
    t.same(ids(Array.from({ length: 4 }, () => pool.pick(0))), ['a', 'a', 'a', 'a'], algorithm);
    const b = pool.get('b')!;
    t.ok(b.draining, `${algorithm}: b is draining`);
    t.equal(b.closeAtMs, 5_000);
    t.equal(b.counters.connectionsTotal, 7, 'the same backend, not a new one');
    pool.update([], [{ ...addr('a'), closeAtMs: 1 }, { ...addr('b'), closeAtMs: 1 }]);
    t.equal(pool.pick(0), undefined, `${algorithm}: nothing to pick when all drain`);
  }
});

void t.test('a tried backend is skipped; a refused one waits while others can take the connection', async (t) => {
  const pool = new BackendPool('round-robin');
  pool.update([addr('a'), addr('b')], []);
  const a = pool.get('a')!;
  t.equal(pool.pick(0, new Set([a]))?.id, 'b');
  t.equal(pool.pick(0, new Set([a, pool.get('b')!])), undefined);
  a.refusedUntilMs = 1_000;
  t.same(ids([pool.pick(500), pool.pick(500), pool.pick(500)]), ['b', 'b', 'b']);
  t.equal(pool.pick(500, new Set([pool.get('b')!]))?.id, 'a', 'still tried when it is the only one left');
  t.same(new Set(ids([pool.pick(1_500), pool.pick(1_500)])), new Set(['a', 'b']), 'back after the pause');
});

void t.test('HTTP request lines are spotted at the start of a chunk', async (t) => {
  t.ok(looksLikeHttp(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')));
  t.ok(looksLikeHttp(Buffer.from('POST /api HTTP/1.0\r\n')));
  t.ok(looksLikeHttp(Buffer.from('GET /long-path-cut-sh')), 'a request line cut short');
  t.notOk(looksLikeHttp(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')), 'HTTP/2 prior knowledge');
  t.notOk(looksLikeHttp(Buffer.from('GET / SSH-2.0\r\n')), 'no HTTP/1 version');
  t.notOk(looksLikeHttp(Buffer.from([0x16, 0x03, 0x01, 0x02])), 'a TLS hello');
  t.notOk(looksLikeHttp(Buffer.alloc(0)));
  t.ok(startsRequest(Buffer.from('DELETE /x HTTP/1.1')));
  t.notOk(startsRequest(Buffer.from('GETX / HTTP/1.1')));
  t.notOk(startsRequest(Buffer.from('GE')));
  t.notOk(startsRequest(Buffer.from('{"json": true}')));
});

void t.test('the endpoints document is decoded; bad services are left out and named', async (t) => {
  const good = { id: '/web', algorithm: 'least-connections', servicePorts: { http: 9000 }, killGracePeriodSeconds: 3, endpoints: [{ id: 'i1', host: '127.0.0.1', ports: { http: 31000 } }], draining: [{ id: 'i0', host: '127.0.0.1', ports: { http: 31001 }, drainingSinceMs: 10 }] };
  const { services, problems } = decodeEndpoints({
    endpoints: [good, { id: '/bad', servicePorts: { http: 70000 }, endpoints: [] }, { id: '/worse', algorithm: 'random', draining: [{ id: 'x', host: 'h', ports: {} }] }],
  });
  t.same(services.map((s) => s.id), ['/web']);
  t.equal(services[0]?.algorithm, 'least-connections');
  t.equal(services[0]?.draining[0]?.drainingSinceMs, 10);
  t.match(problems.join('\n'), /endpoints\[1\]\.servicePorts\.http must be a port number/);
  t.match(problems.join('\n'), /endpoints\[2\]\.algorithm must be one of round-robin, least-connections/);
  t.match(problems.join('\n'), /endpoints\[2\]\.draining\[0\]\.drainingSinceMs/);
  t.same(decodeEndpoints({}).problems, ['endpoints must be an array of services']);
});

void t.test('options are checked with every problem named', async (t) => {
  const problems = checkLoadBalancerOptions({ servicesUrl: 'ftp://x', adminPort: 70_000, algorithm: 'random' as never, connectTimeoutMs: 0, host: ' ', forwarding: 'splice' as never });
  t.same(problems.map((p) => p.field).sort(), ['adminPort', 'algorithm', 'connectTimeoutMs', 'forwarding', 'host', 'servicesUrl']);
  t.match(problems.find((p) => p.field === 'forwarding'), { rule: 'must be one of handles, streams', got: '"splice"' });
  t.same(checkLoadBalancerOptions({ servicesUrl: 'http://127.0.0.1:5070', forwarding: 'handles' }), [], 'this Node has the TCP handles');
  t.same(checkLoadBalancerOptions({ servicesUrl: 'http://127.0.0.1:5070' }), []);
  t.equal(endpointsStreamUrl('http://127.0.0.1:5070'), 'ws://127.0.0.1:5070/api/v1/stream?include=endpoints');
  t.equal(endpointsStreamUrl('https://lb.example/base/'), 'wss://lb.example/base/api/v1/stream?include=endpoints');
});
