// A framework away longer than its failover timeout is forgotten by the master, which kills its
// tasks. Coming back with the old id: the SDK stops by default (FRAMEWORK_UNKNOWN) or, with
// onForgotten 'resubscribe', subscribes afresh; the services framework then relaunches its instances
// to the declared count, and batch retries the lost task as no failure (its retries limit is 0),
// in process and as a process of its own (on Redis) killed with SIGKILL and started again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startBatchFramework, type BatchFramework } from '../../frameworks/batch/start.js';
import { MemoryBatchStore } from '../../frameworks/batch/store/index.js';
import { MemoryServicesStore, newServiceState, parseServiceDocument, startServicesScheduler } from '../../frameworks/services/index.js';
import { SchedulerClient, type SchedulerEvent, type SchedulerClientOptions } from '../../frameworks/sdk/index.js';
import { ErrorCode } from '../../protocol/index.js';
import { masterTasks, runNow, submit } from '../helpers/batch.js';
import { keepRunning } from '../helpers/cli.js';
import { testAgent } from '../helpers/cluster.js';
import { testLogger } from '../helpers/log.js';
import { getState, testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { freePort } from '../helpers/processes.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';

const FAILOVER_MS = 300;

/** Records a client's events until its stream ends. */
function record(client: SchedulerClient): { events: SchedulerEvent[]; ended: Promise<void> } {
  const events: SchedulerEvent[] = [];
  const ended = (async () => {
    for await (const e of client.events()) events.push(e);
  })();
  return { events, ended };
}

const frameworksNamed = async (httpUrl: string, name: string) => (await getState(httpUrl)).frameworks.filter((f) => f.name === name);

t.test('the SDK: a forgotten id stops the client by default, and is replaced with onForgotten resubscribe', async (t) => {
  const m = await testMaster(t);
  const options: SchedulerClientOptions = { masterUrl: m.url, framework: { name: 'away', roles: ['*'], failoverTimeoutMs: FAILOVER_MS }, reconnect: { initialMs: 50, maxMs: 200 } };
  const first = new SchedulerClient(options);
  const seen = record(first);
  await until('subscribed', () => seen.events.find((e) => e.type === 'subscribed'));
  const oldId = first.frameworkId;
  await first.close();
  await until('the master forgot it', async () => (await frameworksNamed(m.httpUrl, 'away')).length === 0);

  const stopping = new SchedulerClient({ ...options, frameworkId: oldId });
  const stopped = record(stopping);
  await stopped.ended;
  t.match(stopped.events.find((e) => e.type === 'error'), { error: { code: ErrorCode.FRAMEWORK_UNKNOWN } }, "by default the refusal is an error and the stream ends");
  t.notOk(stopped.events.some((e) => e.type === 'subscribed'), 'and it never subscribed');

  const healing = new SchedulerClient({ ...options, frameworkId: oldId, onForgotten: 'resubscribe' });
  t.teardown(() => healing.close());
  const healed = record(healing);
  const subscribed = await until('subscribed afresh', () => healed.events.find((e) => e.type === 'subscribed'));
  t.match(healed.events.find((e) => e.type === 'forgotten'), { frameworkId: oldId, message: /unknown to this master/ }, 'it was told the id was forgotten');
  t.ok(healed.events.findIndex((e) => e.type === 'forgotten') < healed.events.indexOf(subscribed), 'before the new subscription');
  t.not(healing.frameworkId, oldId, 'with a new id');
  t.equal((subscribed as { frameworkId: string }).frameworkId, healing.frameworkId);
  t.same((await frameworksNamed(m.httpUrl, 'away')).map((f) => [f.id, f.connected]), [[healing.frameworkId, true]], 'the master knows the new one');

  t.throws(() => new SchedulerClient({ ...options, onForgotten: 'retry' as never }), /onForgotten must be 'resubscribe' or 'stop'/);
});

function service(instances: number) {
  const parsed = parseServiceDocument({ id: '/kept', instances, container: { image: 'busybox:latest', command: 'sleep 1000' }, resources: { cpus: 0.1, memMb: 16 }, killGracePeriodSeconds: 0 });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.services[0]!;
}

t.test('services: restarted past the failover timeout, it subscribes afresh and relaunches its instances', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  await testAgent(t, m.url, 'hollow', { ports: [35000, 35099] });
  const store = new MemoryServicesStore();
  const start = () => startServicesScheduler({ masterUrl: m.url, store, log: testLogger(), clusterPollMs: 100, failoverTimeoutMs: FAILOVER_MS });
  const first = await start();
  await first.commit({ put: [newServiceState(service(3), Date.now())], remove: [] });
  await until('3 instances running', async () => (await getState(m.httpUrl)).tasks.filter((x) => x.state === 'RUNNING').length === 3, 30_000);
  const oldId = first.frameworkId;
  const oldTasks = (await getState(m.httpUrl)).tasks.map((x) => x.id);
  await first.stop();
  await until('the master forgot it and killed its instances', async () => {
    const state = await getState(m.httpUrl);
    return state.frameworks.length === 0 && state.tasks.length === 0;
  });

  const second = await start();
  t.teardown(() => second.stop());
  const running = await until('3 instances running again', async () => {
    const tasks = (await getState(m.httpUrl)).tasks.filter((x) => x.state === 'RUNNING');
    return tasks.length === 3 ? tasks : undefined;
  }, 30_000);
  t.not(second.frameworkId, oldId, 'a new framework id');
  t.equal(await store.frameworkId(), second.frameworkId, 'stored in place of the old one');
  t.ok(running.every((x) => !oldTasks.includes(x.id)), 'new instances, launched by the new framework');
  t.ok(running.every((x) => x.frameworkId === second.frameworkId));
  t.same((await store.listInstances()).map((i) => i.taskId).sort(), running.map((x) => x.id).sort(), 'the records are exactly the running instances');
});

t.test('batch: restarted past the failover timeout, the lost task is retried at no cost to retries', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  await testAgent(t, m.url, 'process');
  const dir = await mkdtemp(join(tmpdir(), 'berth-forgotten-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = new MemoryBatchStore();
  const start = (): Promise<BatchFramework> => startBatchFramework({ masterUrl: m.url, store, http: { port: 0 }, failoverTimeoutMs: FAILOVER_MS, log: testLogger() });
  const first = await start();
  // The first attempt runs until it is killed; the one after it succeeds.
  const marker = join(dir, 'first');
  await submit(first, { id: '/forgotten/once', command: `if [ -e ${marker} ]; then exit 0; fi; touch ${marker}; sleep 600`, resources: { cpus: 0.1, memMb: 16 }, retries: { limit: 0 } });
  const { runId } = await runNow(first, '/forgotten/once');
  await until('the first attempt runs', async () => (await masterTasks(m.httpUrl, runId)).some((x) => x.state === 'RUNNING'), 30_000);
  const oldId = first.scheduler.frameworkId;
  await first.stop();
  await until('the master forgot it and killed the task', async () => (await frameworksNamed(m.httpUrl, 'batch')).length === 0 && (await getState(m.httpUrl)).tasks.length === 0);

  const second = await start();
  t.teardown(() => second.stop());
  const run = await until('the run finished', async () => {
    const r = await second.commands.getRun(runId);
    return r.ok && 'run' in r && r.run.outcome ? r.run : undefined;
  }, 30_000);
  t.equal(run.state, 'succeeded', run.reason);
  t.equal(run.outcome?.preempted, 1, 'the lost attempt counts as taken back, not as a failure');
  t.match(run.outcome?.attempts.map((a) => a.result), ['preempted', 'succeeded']);
  t.not(second.scheduler.frameworkId, oldId, 'a new framework id');
  t.equal(await store.frameworkId(), second.scheduler.frameworkId, 'stored in place of the old one');
});

t.test('the batch process killed with SIGKILL and started again past the failover timeout (dist/, Redis)', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  await testAgent(t, m.url, 'process');
  const dir = await mkdtemp(join(tmpdir(), 'berth-forgotten-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const args = ['dist/frameworks/batch/main.js', '--master', m.url, '--redis', redis.url, '--key-prefix', uniquePrefix('forgotten'), '--port', String(port), '--failover-timeout-ms', String(FAILOVER_MS), '--log-level', 'warn'];
  const first = keepRunning(t, args);
  await until('the batch API answers', async () => (await fetch(`${api}/api/v1/jobs`).catch(() => undefined))?.ok, 20_000);
  const marker = join(dir, 'first');
  const job = { id: '/forgotten/killed', command: `if [ -e ${marker} ]; then exit 0; fi; touch ${marker}; sleep 600`, resources: { cpus: 0.1, memMb: 16 }, retries: { limit: 0 } };
  t.equal((await fetch(`${api}/api/v1/jobs`, { method: 'POST', body: JSON.stringify(job), headers: { 'content-type': 'application/json' } })).status, 201);
  const { runId } = (await (await fetch(`${api}/api/v1/jobs/${encodeURIComponent(job.id)}/runs`, { method: 'POST' })).json()) as { runId: string };
  await until('the first attempt runs', async () => (await masterTasks(m.httpUrl, runId)).some((x) => x.state === 'RUNNING'), 30_000);
  const oldId = (await frameworksNamed(m.httpUrl, 'batch'))[0]?.id;
  const exited = new Promise((resolve) => first.child.once('exit', resolve));
  first.child.kill('SIGKILL');
  await exited;
  await until('the master forgot it and killed the task', async () => (await frameworksNamed(m.httpUrl, 'batch')).length === 0 && (await getState(m.httpUrl)).tasks.length === 0);

  const second = keepRunning(t, args);
  const run = await until('the run finished after the restart', async () => {
    const res = await fetch(`${api}/api/v1/runs/${runId}`).catch(() => undefined);
    const body = res?.ok ? ((await res.json()) as { run: { state: string; reason: string; outcome?: { preempted: number } } }) : undefined;
    return body?.run.outcome ? body.run : undefined;
  }, 60_000).catch((err: unknown) => {
    t.comment(second());
    throw err;
  });
  t.equal(run.state, 'succeeded', run.reason);
  t.equal(run.outcome?.preempted, 1, 'the lost attempt was retried at no cost');
  t.match(second(), /the master forgot this framework \(away longer than its failover timeout\) and killed its tasks/, 'it says so');
  const now = await frameworksNamed(m.httpUrl, 'batch');
  t.equal(now.length, 1);
  t.not(now[0]?.id, oldId, 'as a new framework');
});
