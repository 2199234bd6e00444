// A leader change keeps the history of finished tasks: found from outside, a new leader's completed
// list held only what finished after the failover, and reconciling a task that had finished and
// been acknowledged before it answered LOST "task is unknown to this master". Acknowledged endings
// are written to the store as they are retired, so a new leader loads them.
import t from 'tap';
import { SchedulerClient } from '../../frameworks/sdk/index.js';
import { RedisStore } from '../../master/store/index.js';
import { TaskState as S } from '../../protocol/index.js';
import { TestFramework, testAgent, testFramework } from '../helpers/cluster.js';
import { getState, testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';

const TASKS = 6;

void t.test('after a leader change, tasks finished and acknowledged before it are still known', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const keyPrefix = uniquePrefix('completed');
  const open = async (): Promise<RedisStore> => {
    const store = await RedisStore.open({ url: redis.url, keyPrefix, commandTimeoutMs: 2_000 });
    t.teardown(() => store.close());
    return store;
  };
  const first = await testMaster(t, { store: await open(), allocationIntervalMs: 50 });
  await testAgent(t, first.url, 'process', { cpus: 8 });
  const fw = await testFramework(t, first.url);
  const offer = await fw.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  const ids = Array.from({ length: TASKS }, (_, i) => `done-${i}`);
  await fw.client.launch([offer.id], ids.map((taskId) => ({ taskId, resources: { cpus: 0.1, memMb: 16 }, command: { value: 'true', shell: true } })));
  // Acknowledged (the SDK acknowledges as it hands updates out), so the master retires them.
  await until('all retired as completed', async () => {
    const state = await getState(first.httpUrl);
    return ids.every((id) => state.completedTasks.some((x) => x.id === id)) ? true : undefined;
  }, 20_000);
  const frameworkId = fw.client.frameworkId;
  await fw.client.close();
  await first.close();

  const second = await testMaster(t, { store: await open(), allocationIntervalMs: 50 });
  const completed = (await getState(second.httpUrl)).completedTasks.filter((x) => ids.includes(x.id));
  t.same(completed.map((x) => x.id).sort(), [...ids].sort(), 'the new leader lists every task finished before the failover');
  t.ok(completed.every((x) => x.state === 'FINISHED'), 'as FINISHED');

  const again = new TestFramework(new SchedulerClient({ masterUrl: second.url, frameworkId, framework: { name: 'test', roles: ['*'], failoverTimeoutMs: 60_000 } }));
  t.teardown(() => again.client.close());
  await again.next('subscribed again', (e) => (e.type === 'subscribed' ? e : undefined));
  const from = again.events.length;
  await again.client.reconcile(ids.map((taskId) => ({ taskId })));
  for (const id of ids) {
    const status = await again.next(`${id} reconciled`, (e) => (e.type === 'update' && e.status.taskId === id ? e.status : undefined), from);
    t.equal(status.state, S.TASK_FINISHED, `${id}: reconciled as FINISHED, not LOST`);
  }
});
