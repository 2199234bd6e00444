// The services framework as a process of its own (dist/frameworks/services/main.js; npm test builds
// dist/ first): bad flags are refused with every problem named; on Redis, a service applied over
// HTTP survives a kill -9 of the process and is served by the next one; Redis down answers 503.
import { spawn, type ChildProcess } from 'node:child_process';
import t, { type Test } from 'tap';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';

const MAIN = 'dist/frameworks/services/main.js';

function spawnServices(t: Test, args: string[]): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return { proc, output: () => out, exited };
}

const spec = JSON.stringify({ id: '/main/web', instances: 2, container: { image: 'busybox:latest', command: 'sleep 1000' }, resources: { cpus: 0.1, memMb: 16 } });

void t.test('bad flags: exit 2 with every problem', async (t) => {
  const run = spawnServices(t, ['--master', 'http://x', '--port', '70000', '--log-level', 'loud', '--redis', 'localhost:6379']);
  t.equal(await run.exited, 2);
  t.match(run.output(), /--master must be ws:\/\/ URLs/);
  t.match(run.output(), /--port must be a port number 0-65535, got 70000/);
  t.match(run.output(), /--log-level must be one of/);
  t.match(run.output(), /--redis must be a redis:\/\/ or rediss:\/\/ URL .*redis-sentinel:\/\//);
});

void t.test('bad autoscale flags: exit 2 naming each', async (t) => {
  const run = spawnServices(t, ['--lb-url', 'http://127.0.0.1:5090', '--lb-url', '127.0.0.1:5091', '--autoscale-interval-ms', '10']);
  t.equal(await run.exited, 2);
  t.match(run.output(), /--lb-url must be an http:\/\/ URL \(a load balancer's admin address\), got 127\.0\.0\.1:5091/);
  t.notMatch(run.output(), /got http:\/\/127\.0\.0\.1:5090/, 'the good one passes');
  t.match(run.output(), /--autoscale-interval-ms must be a number >= 100, got 10/);
});

void t.test('on Redis a service outlives the process; a store that is down answers 503', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const master = await testMaster(t);
  const args = ['--master', master.url, '--redis', redis.url, '--key-prefix', uniquePrefix('services-main'), '--port', '0', '--log-level', 'warn'];
  const start = async () => {
    const run = spawnServices(t, args);
    const url = await until('the url line', () => /\{"url":"(http:[^"]+)"\}/.exec(run.output())?.[1], 20_000);
    return { ...run, url };
  };
  const first = await start();
  const applied = await fetch(`${first.url}/api/v1/services`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: spec });
  t.equal(applied.status, 200, await applied.clone().text());
  first.proc.kill('SIGKILL');
  await first.exited;

  const second = await start();
  const got = await fetch(`${second.url}/api/v1/services/main/web`);
  t.equal(got.status, 200);
  t.match(await got.json(), { id: '/main/web', version: 1, spec: { instances: 2 }, versions: [1] }, 'the new process serves the stored service');

  await redis.kill();
  const refused = await fetch(`${second.url}/api/v1/services/main/web/scale`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"instances": 3}' });
  t.equal(refused.status, 503);
  t.match(await refused.json(), { code: 'STORE_UNAVAILABLE' });
  t.equal((await fetch(`${second.url}/health`)).status, 200, 'the process still serves');
  await redis.restart();
  const scaled = await until('scale once Redis is back', async () => {
    const r = await fetch(`${second.url}/api/v1/services/main/web/scale`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"instances": 3}' });
    return r.status === 200 ? ((await r.json()) as { version: number }) : undefined;
  }, 20_000, 200);
  t.same(scaled, { id: '/main/web', version: 2 }, 'nothing half-written before: version 2 is the next');
  second.proc.kill('SIGTERM');
  t.equal(await second.exited, 0, 'SIGTERM stops it cleanly');
});
