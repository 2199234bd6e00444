// The services scheduler stopped in the middle of a rolling upgrade and started again on the same
// store (hollow agents: the real agents and protocol, tasks that only pretend to run): the new
// process subscribes as the same framework, reconciles, and finishes the deployment with exactly
// the asked number of instances, none of them launched twice; on the memory store and on Redis.
import t, { type Test } from 'tap';
import {
  MemoryServicesStore,
  RedisServicesStore,
  applySpec,
  newServiceState,
  parseServiceDocument,
  startServicesScheduler,
  type ServiceSpec,
  type ServicesRuntime,
  type FrameworkAuditEvent,
  type ServicesStore,
  type ServicesStoreChange,
} from '../../frameworks/services/index.js';
import { testAgent } from '../helpers/cluster.js';
import { testLogger } from '../helpers/log.js';
import { getState, testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';

function spec(command: string): ServiceSpec {
  const parsed = parseServiceDocument({
    id: '/app', instances: 4, container: { image: 'busybox:latest', command }, resources: { cpus: 0.1, memMb: 16 },
    upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 }, killGracePeriodSeconds: 0,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.services[0]!;
}

/** A store that tells a test about every write, so it can stop the scheduler mid-deployment. */
class WatchedStore implements ServicesStore {
  constructor(readonly inner: ServicesStore) {}
  onApply: ((c: ServicesStoreChange) => void) | undefined;
  async apply(c: ServicesStoreChange): Promise<void> {
    await this.inner.apply(c);
    this.onApply?.(c);
  }
  frameworkId = () => this.inner.frameworkId();
  getService = (id: string) => this.inner.getService(id);
  listServices = () => this.inner.listServices();
  listInstances = () => this.inner.listInstances();
  appendAudit = (e: FrameworkAuditEvent) => this.inner.appendAudit(e);
  audit = (count: number) => this.inner.audit(count);
  close = () => this.inner.close();
}

const stable = (r: ServicesRuntime) => r.view().plans.get('/app')?.deployment.status === 'stable';

/**
 * Runs one scheduler on `open()`'s store until the upgrade has written its first launches, stops
 * it, and runs a second on a store opened again (the same state, as a new process would see it).
 */
async function resumes(t: Test, open: () => Promise<ServicesStore>): Promise<void> {
  const master = await testMaster(t);
  for (let i = 0; i < 3; i++) await testAgent(t, master.url, 'hollow', { hostname: `h${i}`, ports: [34000 + i * 100, 34099 + i * 100] });
  const store = new WatchedStore(await open());
  const first = await startServicesScheduler({ masterUrl: master.url, store, log: testLogger(), clusterPollMs: 200 });
  await first.commit({ put: [newServiceState(spec('sleep 1000'), Date.now())], remove: [] });
  await until('version 1 stable', () => stable(first) && first.view().instances.filter((i) => i.state === 'running').length === 4, 30_000);
  const frameworkId = first.frameworkId;

  // Stop the first scheduler as soon as the upgrade has written its first launches.
  const midway = new Promise<void>((resolve) => (store.onApply = (c) => (c.instances?.some((i) => i.version === 2) ? resolve() : undefined)));
  const v2 = applySpec(first.view().states.get('/app')!, spec('sleep 2000'), Date.now());
  await first.commit({ put: [v2], remove: [] });
  await midway;
  await first.stop();
  store.onApply = undefined;
  t.equal((await store.getService('/app'))?.deployment?.phase, 'running', 'stopped mid-deployment');

  const reopened = await open();
  const second = await startServicesScheduler({ masterUrl: master.url, store: reopened, log: testLogger(), clusterPollMs: 200 });
  t.teardown(() => second.stop());
  await until('version 2 stable', () => stable(second), 60_000);
  t.equal(second.frameworkId, frameworkId, 'the same framework id');
  const state = await getState(master.httpUrl);
  const running = state.tasks.filter((x) => x.state === 'RUNNING');
  t.equal(running.length, 4, 'exactly the asked number runs');
  t.ok(running.every((x) => x.command === 'sleep 2000'), 'all of them the new version');
  const launched = [...state.tasks, ...state.completedTasks].filter((x) => x.command === 'sleep 2000');
  t.equal(new Set(launched.map((x) => x.id)).size, 4, 'no new-version instance was launched more than needed');
  t.equal(second.view().states.get('/app')?.lastGoodVersion, 2);
  t.same((await reopened.listInstances()).map((i) => i.taskId).sort(), running.map((x) => x.id).sort(), 'the records are exactly the running instances');
}

void t.test('a restarted scheduler resumes a rolling upgrade and ends with exactly the asked instances', async (t) => {
  const memory = new MemoryServicesStore();
  await resumes(t, async () => memory);
});

void t.test('the same on Redis, each scheduler with its own connection', async (t) => {
  const server = await startRedis(t);
  if (!server) return;
  const prefix = uniquePrefix('services-failover');
  await resumes(t, async () => {
    const store = await RedisServicesStore.connect(server.url, prefix);
    t.teardown(() => store.close());
    return store;
  });
});
