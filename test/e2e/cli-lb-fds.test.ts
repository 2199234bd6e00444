// berth lb out of file descriptors: started under a small `ulimit -n` and sent more clients than it
// can hold, it keeps running on both forwardings: libuv closes the clients it has no descriptor for
// (what it cannot handle that way would reach berth_lb_accept_failures_total and one warning, not
// the process), and the port proxies again when the clients are gone.
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import t from 'tap';
import { CLI } from '../helpers/cli.js';
import { endpoint, EndpointsStream, serviceOf } from '../helpers/lb-endpoints-stream.js';
import { get, httpBackend } from '../helpers/lb-backends.js';
import { until } from '../helpers/poll.js';
import { freePort } from '../helpers/processes.js';

/** Enough descriptors for Node, the stream and the admin server, and a few clients; not for 200. */
const FD_LIMIT = 64;
const CLIENTS = 200;

/** A client that connects and sends nothing; `closed` turns true when the other side ends it. */
function holdClient(port: number): Promise<{ socket: Socket; closed: boolean } | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const c = { socket, closed: false };
    socket.once('connect', () => resolve(c));
    socket.once('error', () => resolve(undefined));
    socket.once('close', () => (c.closed = true));
    socket.on('data', () => undefined);
  });
}

for (const forwarding of ['handles', 'streams']) {
  void t.test(`--forwarding ${forwarding}: clients past the descriptor limit are closed, the process lives on, and the port serves again after`, async (t) => {
    const stream = await EndpointsStream.start(t);
    const a = await httpBackend(t, 'a');
    const port = await freePort();
    stream.set([serviceOf('/web', port, [endpoint('a', a.port)])]);
    const command = `ulimit -n ${FD_LIMIT} && exec "$0" "$@"`;
    const child = spawn('/bin/sh', ['-c', command, process.execPath, CLI, 'lb', '--services', stream.url, '--admin-port', '0', '--forwarding', forwarding, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
    const admin = await until('the admin URL', () => /admin\s+(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(out)?.[1], 20_000);
    await until('the service port answers', async () => {
      const r = await get(port);
      return 'body' in r && r.body === 'a';
    });

    const clients = (await Promise.all(Array.from({ length: CLIENTS }, () => holdClient(port)))).filter((c) => c !== undefined);
    const dropped = await until('the clients past the limit are closed', () => {
      const n = clients.filter((c) => c.closed).length;
      return n > 0 ? n : undefined;
    });
    t.ok(dropped < CLIENTS, `some clients are held, the ones past the limit closed (${dropped} of ${clients.length})`);
    t.equal(child.exitCode, null, 'the load balancer is still running');
    for (const c of clients) c.socket.destroy();

    await until('the service port answers again', async () => {
      const r = await get(port);
      return 'body' in r && r.body === 'a';
    });
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    t.match(metrics, /berth_lb_accept_failures_total\{service="\/web",port="[^"]*"\} \d+/, 'the accept failures are in the metrics');
    t.ok((out.match(/cannot accept connections on the service port/g)?.length ?? 0) <= 1, 'at most one warning, not one per client');
    t.equal(child.exitCode, null, 'the load balancer is still running');
  });
}
