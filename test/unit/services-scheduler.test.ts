// The services scheduler against an in-memory driver and store: records are written before a
// launch is sent, endings are acknowledged only once written, a restart plans nothing until
// reconciliation answered, refused launches are replaced, and what is not ours is killed.
import t, { type Test } from 'tap';
import { MemoryServicesStore, newServiceState, parseServiceDocument, startServicesScheduler, type ServiceSpec, type ServicesRuntime } from '../../frameworks/services/index.js';
import type { ClusterAgentView } from '../../frameworks/services/sdk-adapter.js';
import { testLogger } from '../helpers/log.js';
import { until } from '../helpers/poll.js';
import { FakeServicesDriver } from '../helpers/services-driver.js';

function spec(instances: number, over: Record<string, unknown> = {}): ServiceSpec {
  const parsed = parseServiceDocument({ id: '/web', instances, container: { image: 'b', command: 'x' }, resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http' }] }, killGracePeriodSeconds: 2, ...over });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.services[0]!;
}

const agent = (id: string): ClusterAgentView => ({
  id, hostname: `host-${id}`, attributes: {}, free: { cpus: 4, memMb: 4096, diskMb: 1000, ports: [{ begin: 31000, end: 31999 }] },
  total: { cpus: 4, memMb: 4096, diskMb: 1000 }, draining: false, underPressure: false, unreachable: false,
});

async function harness(t: Test, store = new MemoryServicesStore()): Promise<{ driver: FakeServicesDriver; runtime: ServicesRuntime; store: MemoryServicesStore }> {
  const driver = new FakeServicesDriver();
  const runtime = await startServicesScheduler({ masterUrl: 'ws://127.0.0.1:1', store, log: testLogger(), connect: () => driver, readCluster: async () => [agent('a1'), agent('a2')], clusterPollMs: 50 });
  t.teardown(() => runtime.stop());
  return { driver, runtime, store };
}

void t.test('instance records are durable before the launch is sent', async (t) => {
  const { driver, runtime, store } = await harness(t);
  driver.push({ type: 'subscribed', frameworkId: 'fw-1' });
  const atLaunch: string[][] = [];
  driver.onLaunch = () => void store.listInstances().then((r) => atLaunch.push(r.map((i) => i.taskId)));
  await runtime.commit({ put: [newServiceState(spec(2), Date.now())], remove: [] });
  driver.push({ type: 'offers', offers: [driver.offer('a1'), driver.offer('a2')] });
  const launched = await until('2 launched', () => driver.launched().length === 2 && driver.launched());
  await until('store read at launch', () => atLaunch.length === 2);
  for (const seen of atLaunch) t.ok(launched.some((l) => seen.includes(l.taskId)), 'the store held the record when the launch went out');
  t.same(new Set(launched.map((l) => l.agentId)), new Set(['a1', 'a2']), 'spread over the agents');
  t.equal(await store.frameworkId(), 'fw-1');
  t.same(runtime.view().instances.map((i) => i.state), ['staging', 'staging'], 'launched instances count at once');
});

void t.test('an ending is acknowledged once written; a refused launch is replaced', async (t) => {
  const { driver, runtime, store } = await harness(t);
  driver.push({ type: 'subscribed', frameworkId: 'fw-1' });
  await runtime.commit({ put: [newServiceState(spec(1), Date.now())], remove: [] });
  driver.refuseLaunches = true;
  driver.push({ type: 'offers', offers: [driver.offer('a1')] });
  await until('a launch refused', () => driver.launched().length === 1);
  driver.refuseLaunches = false;
  driver.push({ type: 'offers', offers: [driver.offer('a1')] });
  const [first, second] = await until('launched again', () => driver.launched().length === 2 && driver.launched());
  t.not(first!.taskId, second!.taskId, 'the replacement is a new instance');
  await until('the refused record is gone', async () => (await store.listInstances()).length === 1);

  driver.push({ type: 'update', status: driver.status(second!.taskId, 'running') });
  await until('running acked', () => driver.acked.includes(`${second!.taskId}:running`));
  driver.push({ type: 'update', status: driver.status(second!.taskId, 'failed') });
  await until('failed acked', () => driver.acked.includes(`${second!.taskId}:failed`));
  t.same((await store.listInstances()).map((i) => i.taskId).filter((id) => id === second!.taskId), [], 'acknowledged after its record was removed');
  t.equal((await store.getService('/web'))?.backoff.consecutiveFailures, 1, 'and after the failure was counted');
});

void t.test('a restart reconciles every record and plans nothing until they are answered', async (t) => {
  const store = new MemoryServicesStore();
  const state = newServiceState(spec(2), Date.now());
  const record = (taskId: string) => ({ taskId, serviceId: '/web', version: 1, agentId: 'a1', hostname: 'host-a1', ports: { http: 31000 }, launchedAtMs: Date.now() });
  await store.apply({ frameworkId: 'fw-7', services: [state], instances: [record('web.v1.one'), record('web.v1.two')] });
  const { driver } = await harness(t, store);
  driver.push({ type: 'subscribed', frameworkId: 'fw-7' });
  driver.push({ type: 'offers', offers: [driver.offer('a1'), driver.offer('a2')] });
  const reconciled = await until('reconciled', () => driver.calls.find((c) => c.call === 'reconcile'));
  t.same(reconciled.call === 'reconcile' && reconciled.taskIds.sort(), ['web.v1.one', 'web.v1.two']);
  driver.push({ type: 'update', status: driver.status('web.v1.one', 'running') });
  await until('one answered', () => driver.acked.includes('web.v1.one:running'));
  t.equal(driver.launched().length, 0, 'no launch while an instance is unanswered');
  driver.push({ type: 'update', status: driver.status('web.v1.two', 'lost') });
  await until('the lost one replaced', () => driver.launched().length === 1);
  t.equal(driver.launched().length, 1, 'exactly one replacement');
});

void t.test('tasks that are not ours, and instances of a removed service, are killed', async (t) => {
  const { driver, runtime } = await harness(t);
  driver.push({ type: 'subscribed', frameworkId: 'fw-1' });
  driver.push({ type: 'update', status: driver.status('stranger.v1.x', 'running') });
  await until('the stranger killed', () => driver.killed().includes('stranger.v1.x'));
  t.ok(driver.acked.includes('stranger.v1.x:running'), 'and its update acknowledged');
  await runtime.commit({ put: [newServiceState(spec(1), Date.now())], remove: [] });
  driver.push({ type: 'offers', offers: [driver.offer('a1')] });
  const [launch] = await until('launched', () => driver.launched().length === 1 && driver.launched());
  await runtime.commit({ put: [], remove: ['/web'] });
  await until('killed with its grace period', () => driver.calls.some((c) => c.call === 'kill' && c.taskId === launch!.taskId && c.gracePeriodMs === 2000));
  driver.push({ type: 'update', status: driver.status(launch!.taskId, 'killed') });
  await until('forgotten', () => runtime.view().instances.length === 0);
  t.equal(runtime.view().states.size, 0);
});

void t.test('a pressure notice moves an instance: the replacement runs before the old one is killed', async (t) => {
  const { driver, runtime } = await harness(t);
  driver.push({ type: 'subscribed', frameworkId: 'fw-1' });
  await runtime.commit({ put: [newServiceState(spec(1), Date.now())], remove: [] });
  driver.push({ type: 'offers', offers: [driver.offer('a1')] });
  const [old] = await until('launched on a1', () => driver.launched().length === 1 && driver.launched());
  t.equal(old!.agentId, 'a1');
  driver.push({ type: 'update', status: driver.status(old!.taskId, 'running') });
  await until('stable', () => runtime.view().plans.get('/web')?.deployment.status === 'stable');

  driver.push({ type: 'agent-notice', agentId: 'a1', notice: 'pressure', message: 'memory' });
  driver.push({ type: 'offers', offers: [driver.offer('a1'), driver.offer('a2')] });
  const moved = await until('replacement launched', () => driver.launched().length === 2 && driver.launched()[1]);
  t.equal(moved!.agentId, 'a2', 'not on the pressured agent');
  t.notOk(driver.killed().includes(old!.taskId), 'the old instance still runs while its replacement starts');
  driver.push({ type: 'update', status: driver.status(moved!.taskId, 'running') });
  await until('old killed', () => driver.killed().includes(old!.taskId));
  t.equal(runtime.view().instances.find((i) => i.id === old!.taskId)?.state, 'killing');
});

void t.test('bad options are refused at once, every problem named', async (t) => {
  const err = await startServicesScheduler({ masterUrl: [], store: {} as MemoryServicesStore, roles: [''], clusterPollMs: 1, failoverTimeoutMs: -1, log: {} as never })
    .then((): unknown => new Error('started'), (e: unknown) => e) as Error & { code?: string };
  t.equal(err.code, 'INVALID_CALL');
  for (const field of ['masterUrl', 'store', 'roles', 'clusterPollMs', 'failoverTimeoutMs', 'log']) t.match(err.message, new RegExp(`${field} must`), `names ${field}`);
});

void t.test('a malformed change is refused before anything is written', async (t) => {
  const { runtime, store } = await harness(t);
  const state = newServiceState(spec(1), Date.now());
  await t.rejects(runtime.commit({ put: [{ ...state, targetVersion: 9 }], remove: [] }), { code: 'INVALID_CALL', message: /put\[0\]\.targetVersion must be one of its versions/ });
  await t.rejects(runtime.commit({ put: [state], remove: ['/web'] }), { message: /must not be removed in the same change/ });
  t.same(await store.listServices(), []);
});

void t.test('an instance whose health checks fail is killed, and its end counts as a failure', async (t) => {
  const { driver, runtime, store } = await harness(t);
  driver.push({ type: 'subscribed', frameworkId: 'fw-1' });
  const checked = spec(1, { healthChecks: [{ protocol: 'TCP', portName: 'http' }] });
  await runtime.commit({ put: [newServiceState(checked, Date.now())], remove: [] });
  driver.push({ type: 'offers', offers: [driver.offer('a1')] });
  const [first] = await until('launched', () => driver.launched().length === 1 && driver.launched());
  driver.push({ type: 'update', status: driver.status(first!.taskId, 'running', true) });
  await until('stable', () => runtime.view().plans.get('/web')?.deployment.status === 'stable');
  driver.push({ type: 'update', status: driver.status(first!.taskId, 'running', false) });
  await until('killed', () => driver.killed().includes(first!.taskId));
  driver.push({ type: 'update', status: driver.status(first!.taskId, 'killed') });
  await until('counted', async () => (await store.getService('/web'))?.backoff.consecutiveFailures === 1);
  t.equal(runtime.view().plans.get('/web')?.deployment.status !== 'stable', true, 'the service is not stable while it replaces the instance');
});
