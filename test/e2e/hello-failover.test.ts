// The hello framework rides out a master failover: two masters share a real redis-server, the
// leader is killed with -9 while hello's tasks run, and hello still sees every task finish (it
// reconnects to the new leader as the same framework within its failover timeout).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import t from 'tap';
import { testAgent } from '../helpers/cluster.js';
import { until } from '../helpers/poll.js';
import { leaderOf, spawnMaster } from '../helpers/processes.js';
import { startRedis } from '../helpers/redis.js';

const HELLO = 'dist/examples/hello-framework.js';

t.test('hello finishes every task across a kill -9 of the leading master', async (t) => {
  if (!existsSync(HELLO)) throw new Error(`${HELLO} is missing: run 'npm run build' (npm test does it first)`);
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) return;
  const lease = ['--redis', redis.url, '--lease-ms', '1000'];
  const a = await spawnMaster(t, lease);
  await leaderOf([a]);
  const b = await spawnMaster(t, lease);
  const urls = `${a.url},${b.url}`;
  await testAgent(t, urls, 'process', { ports: [32400, 32449] });

  const hello = spawn(process.execPath, [HELLO, '--master', urls, '--tasks', '4', '--cmd', 'sleep 4'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  hello.stdout.on('data', (d: Buffer) => (out += d.toString()));
  hello.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // hello cannot hang by design; this only bounds a broken build.
  const timer = setTimeout(() => hello.kill('SIGKILL'), 90_000);
  t.teardown(() => {
    clearTimeout(timer);
    if (hello.exitCode === null) hello.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => hello.on('close', (code) => resolve(code)));

  await until('every task RUNNING', () => (out.match(/ RUNNING on /g) ?? []).length >= 4, 30_000);
  a.proc.kill('SIGKILL');
  await leaderOf([b], 20_000);
  const code = await exited;
  if (code !== 0) t.comment(out);
  t.equal(code, 0, 'hello exits 0');
  t.match(out, /4 of 4 tasks finished/);
  t.match(out, /disconnected/, 'hello saw the leader go');
  const ids = [...out.matchAll(/subscribed as (\S+)/g)].map((m) => m[1]);
  t.equal(ids.length, 2, 'it subscribed, then re-subscribed to the new leader');
  t.equal(ids[1], ids[0], 'as the same framework');
  t.equal((out.match(/ FINISHED on /g) ?? []).length, 4, 'each task finished once');
  t.notMatch(out, /queued again/, 'none was launched again');
});
