// berth lb and berth dev's load balancer as a user runs them (the built CLI): bad flags are all
// listed with exit 2; berth lb proxies a service port of the endpoints it follows and stops on
// SIGTERM; berth dev prints its load balancer's admin URL, which follows the services framework.
import { spawn } from 'node:child_process';
import t from 'tap';
import { berth, CLI, dev, lbAdminUrlOf } from '../helpers/cli.js';
import { endpoint, EndpointsStream, serviceOf } from '../helpers/lb-endpoints-stream.js';
import { get, httpBackend } from '../helpers/lb-backends.js';
import { until } from '../helpers/poll.js';
import { freePort } from '../helpers/processes.js';

void t.test('berth lb lists every bad flag and exits 2', async (t) => {
  const r = await berth(['lb', '--admin-port', '99999', '--algorithm', 'random', '--services', 'nope']);
  t.equal(r.code, 2);
  t.match(r.stderr, /--admin-port must be a whole number from 0 to 65535, got '99999'/);
  t.match(r.stderr, /--algorithm must be one of round-robin, least-connections, got 'random'/);
  t.match(r.stderr, /--services must be an http:\/\/ or ws:\/\/ URL/);
  const help = await berth(['lb', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--admin-port P/);
});

void t.test('berth lb proxies the service ports it follows and stops on SIGTERM', async (t) => {
  const stream = await EndpointsStream.start(t);
  const a = await httpBackend(t, 'a');
  const port = await freePort();
  stream.set([serviceOf('/web', port, [endpoint('a', a.port)])]);
  const child = spawn(process.execPath, [CLI, 'lb', '--services', stream.url, '--admin-port', '0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  const admin = await until('the admin URL', () => /admin\s+(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(out)?.[1], 20_000);
  await until('the service port answers', async () => {
    const r = await get(port);
    return 'body' in r && r.body === 'a';
  });
  const stats = (await (await fetch(`${admin}/api/v1/stats`)).json()) as { services: { id: string; backends: { id: string }[] }[] };
  t.same(stats.services.map((s) => [s.id, s.backends.map((b) => b.id)]), [['/web', ['a']]]);
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exits 0 on SIGTERM');
});

void t.test('berth dev starts a load balancer and prints its admin URL', async (t) => {
  const cluster = await dev(t, ['--runtime', 'process', '--agents', '1', '--services-port', '0', '--lb-admin-port', '0']);
  const admin = await lbAdminUrlOf(cluster);
  const health = await until("the load balancer is on the services framework's stream", async () => {
    const body = (await (await fetch(`${admin}/health`)).json()) as { ok: boolean; stream: string };
    return body.stream === 'connected' ? body : undefined;
  });
  t.match(health, { ok: true, listeners: 0 });
  t.same(await (await fetch(`${admin}/api/v1/stats`, { headers: cluster.headers })).json(), { services: [] }, 'no service ports yet');
  t.equal((await fetch(`${admin}/api/v1/stats`)).status, 401, "the admin server asks for a token, as berth dev's servers all do");
});
