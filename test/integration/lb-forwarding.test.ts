// The load balancer's byte moving, with either forwarding (Node's TCP handles, node:net streams),
// over plain TCP backends on loopback: megabytes pass whole both ways while a reader holds back
// (backpressure), an end from the client reaches the backend while the answer still flows back
// (half-close), a backend that ends first ends the client, and a client's reset closes the
// backend side, and a backend that does not accept (its accept queue full, the process stopped) is
// given up after the connect timeout for the next one. The byte counters match what was sent.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { FORWARDINGS, startLoadBalancer, type Forwarding, type LoadBalancer, type ServicePortStats } from '../../frameworks/services/lb/index.js';
import { get, httpBackend } from '../helpers/lb-backends.js';
import { endpoint, EndpointsStream, serviceOf } from '../helpers/lb-endpoints-stream.js';
import { until } from '../helpers/poll.js';
import { freePort } from '../helpers/processes.js';

const MB = 1024 * 1024;

/** A TCP backend on a free loopback port; `onSocket` plays its part. */
async function tcpBackend(t: Test, onSocket: (s: Socket) => void): Promise<{ port: number; closed: number }> {
  const state = { port: 0, closed: 0 };
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => undefined);
    s.once('close', () => state.closed++);
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return state;
}

async function throughLb(t: Test, forwarding: Forwarding, backendPort: number): Promise<{ lb: LoadBalancer; port: number }> {
  const stream = await EndpointsStream.start(t);
  const port = await freePort();
  const lb = await startLoadBalancer({ servicesUrl: stream.url, adminPort: 0, forwarding });
  t.teardown(() => lb.close());
  stream.set([serviceOf('/raw', port, [endpoint('a', backendPort)])]);
  await until('the service port listens', () => new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => resolve(true));
    s.once('error', () => resolve(false));
    s.once('close', () => resolve(false));
    s.on('data', () => undefined);
    s.end();
  }));
  return { lb, port };
}

async function backendStats(lb: LoadBalancer): Promise<ServicePortStats['backends'][number] | undefined> {
  const res = await fetch(`${lb.adminUrl}/api/v1/stats`);
  return ((await res.json()) as { services: ServicePortStats[] }).services[0]?.backends[0];
}

const digest = (chunks: Buffer[]): string => createHash('sha256').update(Buffer.concat(chunks)).digest('hex');

function suite(forwarding: Forwarding): void {
  void t.test(`${forwarding}: megabytes pass whole both ways under backpressure, and a half-close is passed on`, async (t) => {
    const answer = Buffer.alloc(24 * MB);
    for (let i = 0; i < answer.length; i++) answer[i] = (i * 7) % 251;
    let backendWrote = false;
    let answering: Socket | undefined;
    const backend = await tcpBackend(t, (s) => {
      const got: Buffer[] = [];
      s.on('data', (c: Buffer) => got.push(c));
      // The answer goes out only after the client's end arrived: the half-close reached the backend.
      s.once('end', () => {
        if (got.length === 0) {
          s.end();
          return;
        }
        answering = s;
        s.write(`${digest(got)}\n`);
        s.end(answer, () => (backendWrote = true));
      });
    });
    const { lb, port } = await throughLb(t, forwarding, backend.port);
    const before = await backendStats(lb);

    const sent = Buffer.alloc(8 * MB);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 13) % 241;
    const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const received: Buffer[] = [];
    let ended = false;
    client.on('data', (c: Buffer) => received.push(c));
    client.once('end', () => (ended = true));
    client.pause();
    for (let at = 0; at < sent.length; at += 256 * 1024) {
      if (!client.write(sent.subarray(at, at + 256 * 1024))) await new Promise((resolve) => client.once('drain', resolve));
    }
    client.end();
    // The client reads nothing while the backend answers: what the client's socket cannot take
    // waits in the load balancer, then in the backend's socket.
    await until('the backend answers and has to wait', () => answering !== undefined && answering.writableLength > 0, 20_000);
    t.notOk(backendWrote, 'the backend cannot hand over its whole answer while the client reads nothing');
    client.resume();
    await until('the client has the whole answer and the end', () => ended, 20_000);
    t.ok(backendWrote);
    const text = Buffer.concat(received);
    const nl = text.indexOf(0x0a);
    t.equal(text.subarray(0, nl).toString(), digest([sent]), 'the backend got every byte the client sent');
    t.equal(text.length - nl - 1, answer.length, 'the client got the whole answer');
    t.ok(text.subarray(nl + 1).equals(answer), 'in order');
    client.destroy();
    await until('the backend side is closed', () => backend.closed >= 2);
    const after = await until('the connection is closed', async () => {
      const b = await backendStats(lb);
      return b?.activeConnections === 0 ? b : undefined;
    });
    t.equal((after?.connectionsTotal ?? 0) - (before?.connectionsTotal ?? 0), 1);
  });

  void t.test(`${forwarding}: a backend that ends first ends the client; a client's reset closes the backend side`, async (t) => {
    let opened = 0;
    const backend = await tcpBackend(t, (s) => {
      opened++;
      if (opened === 2) s.end('bye\n');
      else s.resume().once('end', () => s.end());
    });
    const { lb, port } = await throughLb(t, forwarding, backend.port);
    await until('the probe connection is closed', () => backend.closed >= 1);

    const first = connect(port, '127.0.0.1');
    let got = '';
    let ended = false;
    first.on('data', (c: Buffer) => (got += c.toString()));
    first.once('end', () => (ended = true));
    await until('the client got the end', () => ended);
    t.equal(got, 'bye\n', 'what the backend sent before its end');
    await until('the backend side is closed', () => backend.closed >= 2);

    const second = connect(port, '127.0.0.1');
    second.on('error', () => undefined);
    await new Promise((resolve) => second.once('connect', resolve));
    second.write('hello');
    await until('the backend has the third connection', () => opened >= 3);
    second.resetAndDestroy();
    await until('the reset closed the backend side', () => backend.closed >= 3);
    await until('no connection is counted open', async () => (await backendStats(lb))?.activeConnections === 0);
  });
}

/** A listener in a process of its own, stopped once its accept queue is full: connects to it hang. */
async function stuckBackend(t: Test): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen({ port: ${port}, host: '127.0.0.1', backlog: 1 }, () => process.stdout.write('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.kill('SIGSTOP');
  // The kernel queues backlog + 1 connections the process has not accepted; once two have
  // connected, every further connect's SYN is dropped and it hangs.
  let connected = 0;
  const fillers = Array.from({ length: 4 }, () => connect(port, '127.0.0.1').on('error', () => undefined).once('connect', () => connected++));
  t.teardown(() => fillers.forEach((s) => s.destroy()));
  await until('the accept queue is full', () => connected >= 2);
  return port;
}

void t.test('a backend that does not accept within the connect timeout is given up for the next one, on both forwardings', async (t) => {
  const stuck = await stuckBackend(t);
  const live = await httpBackend(t, 'b');
  for (const forwarding of FORWARDINGS) {
    const stream = await EndpointsStream.start(t);
    const port = await freePort();
    const lb = await startLoadBalancer({ servicesUrl: stream.url, adminPort: 0, forwarding, connectTimeoutMs: 300 });
    t.teardown(() => lb.close());
    stream.set([serviceOf('/slow', port, [endpoint('a', stuck), endpoint('b', live.port)])]);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await until('an answer', async () => {
      const r = await get(port);
      return 'error' in r && r.error === 'ECONNREFUSED' ? undefined : r;
    }));
    t.same(answers, Array(4).fill({ status: 200, body: 'b' }), `${forwarding}: every request was answered by the backend that accepts`);
    const text = await (await fetch(`${lb.adminUrl}/metrics`)).text();
    t.match(text, /berth_lb_backend_connect_failures_total\{service="\/slow",port="http",backend="a"\} [1-9]/, `${forwarding}: the timed-out connect is counted`);
    await until(`${forwarding}: no connection is counted open`, async () => {
      const res = await fetch(`${lb.adminUrl}/api/v1/stats`);
      return ((await res.json()) as { services: ServicePortStats[] }).services[0]?.activeConnections === 0;
    });
  }
});

for (const forwarding of FORWARDINGS) suite(forwarding);
