// The load balancer over real sockets: node HTTP backends, a stand-in endpoints stream, and
// clients on loopback. Requests reach every backend, a refused backend is skipped without a
// failed request, draining backends keep open connections until their grace ends and get no new
// ones, listeners follow the service ports, and the last endpoints are served while the stream is
// away; with either forwarding (Node's TCP handles, node:net streams).
import { connect, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { FORWARDINGS, startLoadBalancer, type Forwarding, type LoadBalancer, type ServicePortStats } from '../../frameworks/services/lb/index.js';
import { endpoint, EndpointsStream, serviceOf } from '../helpers/lb-endpoints-stream.js';
import { get, httpBackend } from '../helpers/lb-backends.js';
import { until } from '../helpers/poll.js';
import { freePort } from '../helpers/processes.js';

async function startLb(t: Test, stream: EndpointsStream, forwarding: Forwarding): Promise<LoadBalancer> {
  const lb = await startLoadBalancer({ servicesUrl: stream.url, adminPort: 0, forwarding });
  t.teardown(() => lb.close());
  return lb;
}

async function stats(lb: LoadBalancer): Promise<ServicePortStats[]> {
  const res = await fetch(`${lb.adminUrl}/api/v1/stats`);
  return ((await res.json()) as { services: ServicePortStats[] }).services;
}

/** Waits until a request through the port is answered by `name`. */
const answeredBy = (port: number, name: string) => until(`a request through :${port} answered by ${name}`, async () => {
  const r = await get(port);
  return 'body' in r && r.body === name;
});

/** Sends one HTTP/1.1 request on an open keep-alive socket and resolves with the body. */
function requestOn(sock: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer): void => {
      text += c.toString();
      const m = /\r\n\r\n(.*)$/s.exec(text);
      const length = /content-length: (\d+)/i.exec(text);
      if (m && length && (m[1] ?? '').length >= Number(length[1])) {
        sock.off('data', onData);
        resolve(m[1] as string);
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write('GET / HTTP/1.1\r\nHost: lb\r\n\r\n');
  });
}

function suite(forwarding: Forwarding): void {
  void t.test(`${forwarding}: requests reach every backend, by round robin and least connections`, async (t) => {
    const stream = await EndpointsStream.start(t);
    const backends = await Promise.all(['a', 'b', 'c'].map((n) => httpBackend(t, n)));
    const port = await freePort();
    const lb = await startLb(t, stream, forwarding);
    stream.set([serviceOf('/team/web', port, backends.map((b) => endpoint(b.name, b.port)))]);
    await answeredBy(port, 'a').catch(() => answeredBy(port, 'b'));
    for (const b of backends) b.requests = 0;
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await get(port));
    t.same(answers.filter((a) => !('body' in a)), [], 'no request failed');
    t.same(backends.map((b) => b.requests), [10, 10, 10], 'round robin spreads evenly');

    stream.set([serviceOf('/team/web', port, backends.map((b) => endpoint(b.name, b.port)), { algorithm: 'least-connections' })]);
    await until('least connections applied', async () => (await stats(lb))[0]?.requestsTotal !== undefined);
    for (const b of backends) b.requests = 0;
    for (let i = 0; i < 30; i++) t.match(await get(port), { status: 200 });
    t.ok(backends.every((b) => b.requests > 0), `least connections reaches every backend: ${backends.map((b) => b.requests).join(', ')}`);
    await until('the connections are closed', async () => (await stats(lb))[0]?.activeConnections === 0);
    const s = (await stats(lb))[0];
    t.match(s, { id: '/team/web', servicePort: port, port: 'http' });
    t.ok((s?.requestsTotal ?? 0) >= 60, 'requests are counted');
    t.same(s?.backends.map((b) => b.id).sort(), ['a', 'b', 'c']);
  });

  void t.test(`${forwarding}: a backend that refuses connections is skipped with no failed request`, async (t) => {
    const stream = await EndpointsStream.start(t);
    const live = await Promise.all(['a', 'b'].map((n) => httpBackend(t, n)));
    const dead = await freePort();
    const port = await freePort();
    const lb = await startLb(t, stream, forwarding);
    stream.set([serviceOf('/web', port, [endpoint('a', live[0]!.port), endpoint('b', live[1]!.port), endpoint('dead', dead)])]);
    await answeredBy(port, 'a').catch(() => answeredBy(port, 'b'));
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await get(port));
    t.same(answers.filter((a) => !('body' in a)), [], 'every request was answered');
    t.ok(live.every((b) => b.requests > 0), 'the live backends share the requests');
    const dStats = (await stats(lb))[0]?.backends.find((b) => b.id === 'dead');
    t.equal(dStats?.connectionsTotal, 0, 'no connection was proxied to the refusing backend');
    const text = await (await fetch(`${lb.adminUrl}/metrics`)).text();
    t.match(text, /berth_lb_backend_connect_failures_total\{service="\/web",port="http",backend="dead"\} [1-9]/, 'its refusals are counted');
  });

  void t.test(`${forwarding}: a draining backend keeps its open connection until its grace ends and gets no new ones`, async (t) => {
    const stream = await EndpointsStream.start(t);
    const [a, b] = await Promise.all(['a', 'b'].map((n) => httpBackend(t, n)));
    const port = await freePort();
    const lb = await startLb(t, stream, forwarding);
    const ea = endpoint('a', a!.port);
    const eb = endpoint('b', b!.port);
    stream.set([serviceOf('/web', port, [ea, eb], { killGracePeriodSeconds: 600 })]);
    await answeredBy(port, 'b');
    // An open keep-alive connection to a.
    let sock: Socket | undefined;
    for (let i = 0; i < 4 && !sock; i++) {
      const s = connect(port, '127.0.0.1');
      t.teardown(() => s.destroy());
      if ((await requestOn(s)) === 'a') sock = s;
      else s.destroy();
    }
    if (!sock) throw new Error('no connection reached a');
    const held = sock;
    let closed = false;
    held.once('close', () => (closed = true));

    stream.set([serviceOf('/web', port, [eb], { killGracePeriodSeconds: 600, draining: [{ ...ea, drainingSinceMs: Date.now() }] })]);
    await until('a is draining', async () => (await stats(lb))[0]?.backends.find((x) => x.id === 'a')?.draining);
    a!.requests = 0;
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await get(port));
    t.same(answers.map((r) => ('body' in r ? r.body : r.error)), Array(10).fill('b'), 'new connections go to b only');
    t.equal(await requestOn(held), 'a', 'the open connection to the draining backend still works');
    t.equal(a!.requests, 1);
    t.equal((await stats(lb))[0]?.backends.find((x) => x.id === 'a')?.activeConnections, 1);
    t.notOk(closed);

    // Its grace ends: the document says it started draining longer ago than killGracePeriodSeconds.
    stream.set([serviceOf('/web', port, [eb], { killGracePeriodSeconds: 600, draining: [{ ...ea, drainingSinceMs: Date.now() - 601_000 }] })]);
    await until('the held connection is closed', () => closed);
    await until('no connection to a is counted', async () => (await stats(lb))[0]?.backends.find((x) => x.id === 'a')?.activeConnections === 0);
    t.equal(a!.open, 0, 'and the backend side is closed too');
  });

  void t.test(`${forwarding}: listeners follow the service ports; the last endpoints are served while the stream is away`, async (t) => {
    const stream = await EndpointsStream.start(t);
    const [a, b] = await Promise.all(['a', 'b'].map((n) => httpBackend(t, n)));
    const [p1, p2] = [await freePort(), await freePort()];
    const lb = await startLb(t, stream, forwarding);
    stream.set([serviceOf('/web', p1, [endpoint('a', a!.port)])]);
    await answeredBy(p1, 'a');
    stream.set([serviceOf('/web', p2, [endpoint('a', a!.port)]), serviceOf('/api', p1, [endpoint('b', b!.port)])]);
    await answeredBy(p2, 'a');
    await answeredBy(p1, 'b');
    t.same((await stats(lb)).map((s) => [s.id, s.servicePort]), [['/api', p1], ['/web', p2]]);
    stream.set([serviceOf('/api', p1, [endpoint('b', b!.port)]), serviceOf('/web', p2, [endpoint('a', a!.port)], { servicePorts: {} })]);
    await until(`:${p2} closed`, async () => {
      const r = await get(p2);
      return 'error' in r && r.error === 'ECONNREFUSED';
    });

    await stream.stop();
    await until('the stream is seen away', async () => ((await (await fetch(`${lb.adminUrl}/health`)).json()) as { stream: string }).stream === 'away');
    for (let i = 0; i < 5; i++) t.same(await get(p1), { status: 200, body: 'b' }, 'served from the last endpoints');
    await stream.resume();
    stream.set([serviceOf('/api', p1, [endpoint('a', a!.port)])]);
    await answeredBy(p1, 'a');
    t.ok(stream.opened >= 2, 'the load balancer reconnected');
    t.same(await get(p1), { status: 200, body: 'a' }, 'and follows the endpoints again');
  });

  void t.test(`${forwarding}: a stream that refuses the load balancer is tried again later`, async (t) => {
    const stream = await EndpointsStream.start(t);
    stream.refuse = 'include: unknown key endpoints';
    const a = await httpBackend(t, 'a');
    const port = await freePort();
    const lb = await startLb(t, stream, forwarding);
    await until('the stream refused the load balancer', () => stream.refused >= 1);
    t.equal(((await (await fetch(`${lb.adminUrl}/health`)).json()) as { stream: string }).stream, 'away');
    stream.refuse = undefined;
    stream.set([serviceOf('/web', port, [endpoint('a', a.port)])]);
    await answeredBy(port, 'a');
    t.equal(stream.opened, 1, 'a new watcher got the stream');
  });
}

for (const forwarding of FORWARDINGS) suite(forwarding);
