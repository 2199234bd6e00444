// kill -9 of the batch framework's process (on the Redis store) while a 50-task job runs, twice: a new
// process re-subscribes as the same framework, reconciles, adopts the running tasks and finishes
// the job with exactly 50 completions — no index run to completion twice. Needs dist/ (npm test builds it).
import { spawn, type ChildProcess } from 'node:child_process';
import t, { type Test } from 'tap';
import { testCluster } from '../helpers/cluster.js';
import { masterTasks } from '../helpers/batch.js';
import { getState } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { freePort } from '../helpers/processes.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';

function spawnBatch(t: Test, args: string[]): { proc: ChildProcess; output: () => string } {
  const proc = spawn(process.execPath, ['dist/frameworks/batch/main.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return { proc, output: () => out };
}

void t.test('kill -9 of the framework twice during a 50-task job: restarted, exactly 50 completions', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const { master } = await testCluster(t, 'process', { agents: 1, agentCpus: 4 });
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const args = ['--master', master.url, '--redis', redis.url, '--key-prefix', uniquePrefix('batch-failover'), '--port', String(port), '--failover-timeout-ms', '120000', '--log-level', 'warn'];
  const first = spawnBatch(t, args);
  await until('the batch API answers', async () => (await fetch(`${api}/api/v1/jobs`).catch(() => undefined))?.ok, 20_000);

  const job = { id: '/frames', command: 'sleep 1; echo frame $BERTH_TASK_INDEX', resources: { cpus: 0.1, memMb: 16 }, parallelism: 10, completions: 50 };
  t.equal((await fetch(`${api}/api/v1/jobs`, { method: 'POST', body: JSON.stringify(job), headers: { 'content-type': 'application/json' } })).status, 201);
  const started = (await (await fetch(`${api}/api/v1/jobs/${encodeURIComponent('/frames')}/runs`, { method: 'POST' })).json()) as { runId: string };
  const runId = started.runId;

  // Kill it mid-run, twice: some frames finished, the others not yet.
  let current = first;
  for (const mark of [10, 25]) {
    await until(`${mark} frames finished`, async () => (await masterTasks(master.httpUrl, runId)).filter((x) => x.state === 'FINISHED').length >= mark, 60_000, 20);
    const exited = new Promise((resolve) => current.proc.once('exit', resolve));
    current.proc.kill('SIGKILL');
    await exited;
    const atKill = (await masterTasks(master.httpUrl, runId)).filter((x) => x.state === 'FINISHED').length;
    t.ok(atKill < 50, `killed with ${atKill} of 50 finished`);
    current = spawnBatch(t, args);
  }
  const second = current;
  const run = await until('the run finished after the restart', async () => {
    const res = await fetch(`${api}/api/v1/runs/${runId}`).catch(() => undefined);
    if (!res?.ok) return undefined;
    const body = (await res.json()) as { run: { state: string; reason: string; outcome?: { succeeded: number } } };
    return ['succeeded', 'failed', 'cancelled', 'deadline-exceeded'].includes(body.run.state) ? body.run : undefined;
  }, 120_000, 100).catch((err: unknown) => {
    t.comment(second.output());
    throw err;
  });
  t.equal(run.state, 'succeeded', run.reason);
  t.equal(run.outcome?.succeeded, 50);
  const tasks = await masterTasks(master.httpUrl, runId);
  const done = tasks.filter((x) => x.state === 'FINISHED');
  t.equal(done.length, 50, 'the master saw exactly 50 frames finish');
  t.equal(new Set(done.map((x) => x.taskId.split('.').at(-2))).size, 50, 'one per index');
  const frameworks = (await getState(master.httpUrl)).frameworks.filter((f) => f.name === 'batch');
  t.equal(frameworks.length, 1, 'the restarted process came back as the same framework');
  t.ok(frameworks[0]?.connected);
  await until('no task left running', async () => (await masterTasks(master.httpUrl, runId)).every((x) => ['FINISHED', 'KILLED', 'LOST', 'FAILED'].includes(x.state)));
});
