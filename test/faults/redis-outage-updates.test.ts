// Redis killed for 3 s while tasks finish: the FINISHED updates that arrive during the outage cannot
// be persisted, so the agent re-sends them; once Redis is back the master persists them and must
// then forward each to the framework, connected throughout, exactly once. Found from outside: the
// re-sends were persisted and acknowledged as duplicates, and the framework never heard of them.
// The leader rides the outage out (it is well within its lease) and says so on /health.
import t from 'tap';
import { RedisStore } from '../../master/store/index.js';
import { TaskState as S } from '../../protocol/index.js';
import { testAgent, testFramework } from '../helpers/cluster.js';
import { getState, testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';

const TASKS = 10;

void t.test('updates that arrive while Redis is down reach the framework once it is back, each exactly once', async (t) => {
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) return;
  const store = await RedisStore.open({ url: redis.url, keyPrefix: uniquePrefix('outage'), commandTimeoutMs: 1_000, connectTimeoutMs: 2_000 });
  t.teardown(() => store.close());
  const master = await testMaster(t, { store, allocationIntervalMs: 50 });
  await testAgent(t, master.url, 'process', { cpus: 8, memMb: 4096 });
  const fw = await testFramework(t, master.url);
  const epoch = (await getState(master.httpUrl)).epoch;
  const offer = await fw.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  const ids = Array.from({ length: TASKS }, (_, i) => `outage-${i}`);
  // Each task runs until its file appears, so they all finish inside the outage.
  const dir = redis.dir;
  await fw.client.launch([offer.id], ids.map((taskId) => ({
    taskId,
    resources: { cpus: 0.1, memMb: 16 },
    command: { value: `while [ ! -e ${dir}/finish ]; do sleep 0.05; done`, shell: true },
  })));
  for (const id of ids) await fw.next(`${id} RUNNING`, (e) => (e.type === 'update' && e.status.taskId === id && e.status.state === S.TASK_RUNNING ? true : undefined));

  await redis.kill();
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${dir}/finish`, '');
  // The agent sees them end and reports them while Redis is away: the master holds them in memory.
  await until('the master has heard every task end', async () => {
    const state = await getState(master.httpUrl);
    const ended = [...state.tasks, ...state.completedTasks].filter((x) => ids.includes(x.id) && x.state === 'FINISHED');
    return ended.length === TASKS ? true : undefined;
  }, 20_000);
  type Health = { status: string; leadership: string; epoch: number; store: { writable: boolean; failingSinceMs: number | null } };
  const health = async (): Promise<Health> => (await (await fetch(`${master.httpUrl}/health`)).json()) as Health;
  const during = await health();
  t.match(during, { status: 'degraded', leadership: 'leading', store: { writable: false } }, '/health says the leader cannot write');
  t.ok(typeof during.store.failingSinceMs === 'number', 'and since when');
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await redis.restart();

  for (const id of ids) await fw.next(`${id} FINISHED`, (e) => (e.type === 'update' && e.status.taskId === id && e.status.state === S.TASK_FINISHED ? true : undefined), 0, 30_000);
  // Every update of the outage has arrived; a late duplicate would come within the agent's re-send period.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  for (const id of ids) t.equal(fw.updates(id).filter((s) => s === String(S.TASK_FINISHED)).length, 1, `${id}: one FINISHED`);
  t.match(await health(), { status: 'ok', leadership: 'leading', epoch, store: { writable: true, failingSinceMs: null } }, 'the leader rode the outage out, and can write again');
});
