// The hello framework on paths that are not the happy one: it rides out a master failover (two
// masters share a real redis-server, the leader is killed with -9 while hello's tasks run, and
// hello still sees every task finish as the same framework), and Ctrl-C ends it, torn down.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import t, { type Test } from 'tap';
import { testAgent } from '../helpers/cluster.js';
import { until } from '../helpers/poll.js';
import { leaderOf, spawnMaster } from '../helpers/processes.js';
import { startRedis } from '../helpers/redis.js';

const HELLO = 'dist/examples/hello-framework.js';

/** Starts hello; `output()` is everything it printed, `exited` its exit code. */
function hello(t: Test, args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  if (!existsSync(HELLO)) throw new Error(`${HELLO} is missing: run 'npm run build' (npm test does it first)`);
  const child = spawn(process.execPath, [HELLO, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  // hello cannot hang by design; this only bounds a broken build.
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  t.teardown(() => {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

t.test('hello finishes every task across a kill -9 of the leading master', async (t) => {
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) return;
  const lease = ['--redis', redis.url, '--lease', '1s'];
  const a = await spawnMaster(t, lease);
  await leaderOf([a]);
  const b = await spawnMaster(t, lease);
  const urls = `${a.url},${b.url}`;
  await testAgent(t, urls, 'process', { ports: [32400, 32449] });

  const run = hello(t, ['--master', urls, '--tasks', '4', '--cmd', 'sleep 4']);
  await until('every task RUNNING', () => (run.output().match(/ RUNNING on /g) ?? []).length >= 4, 30_000);
  a.proc.kill('SIGKILL');
  await leaderOf([b], 20_000);
  const code = await run.exited;
  const out = run.output();
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

t.test('Ctrl-C tears hello down: its tasks are killed, the master forgets it, it exits 1', async (t) => {
  const master = await spawnMaster(t, []);
  await testAgent(t, master.url, 'process', { ports: [32450, 32499] });
  const run = hello(t, ['--master', master.url, '--tasks', '2', '--cmd', 'sleep 600']);
  await until('both tasks RUNNING', () => (run.output().match(/ RUNNING on /g) ?? []).length >= 2, 30_000);
  run.child.kill('SIGINT');
  t.equal(await run.exited, 1);
  t.match(run.output(), /0 of 2 tasks finished/);
  const state = (await (await fetch(`${master.http}/api/v1/state`)).json()) as { frameworks: unknown[]; tasks: unknown[] };
  t.same([state.frameworks.length, state.tasks.length], [0, 0], 'no framework and no task is left');
});
