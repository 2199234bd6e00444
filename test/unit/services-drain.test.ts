// Drain before kill in the services scheduler, on an in-memory driver and a clock the test moves:
// an instance in rotation leaves the endpoints at once and is killed only after the service's
// shutdownDelaySeconds (with its kill grace period); one that is not in rotation (unhealthy) is
// killed at once; the planner does not count a draining instance as available.
import t, { type Test } from 'tap';
import { allEndpoints, applySpec, MemoryServicesStore, newServiceState, parseServiceDocument, planService, startServicesScheduler, type Instance, type ServiceSpec, type ServicesRuntime } from '../../frameworks/services/index.js';
import type { ClusterAgentView } from '../../frameworks/services/sdk-adapter.js';
import { testLogger } from '../helpers/log.js';
import { until } from '../helpers/poll.js';
import { FakeServicesDriver } from '../helpers/services-driver.js';

function spec(instances: number, over: Record<string, unknown> = {}): ServiceSpec {
  const parsed = parseServiceDocument({ id: '/web', instances, container: { image: 'b', command: 'x' }, resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http', servicePort: 44100 }] }, killGracePeriodSeconds: 3, shutdownDelaySeconds: 5, upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 }, ...over });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.services[0]!;
}

const agent = (id: string): ClusterAgentView => ({
  id, hostname: `host-${id}`, address: `127.0.0.${id.slice(1)}`, attributes: {}, free: { cpus: 4, memMb: 4096, diskMb: 1000, ports: [{ begin: 31000, end: 31999 }] },
  total: { cpus: 4, memMb: 4096, diskMb: 1000 }, draining: false, underPressure: false, unreachable: false,
});

interface Harness {
  driver: FakeServicesDriver;
  runtime: ServicesRuntime;
  clock: { nowMs: number };
}

async function harness(t: Test): Promise<Harness> {
  const driver = new FakeServicesDriver();
  const clock = { nowMs: 1_000_000 };
  const runtime = await startServicesScheduler({ masterUrl: 'ws://127.0.0.1:1', store: new MemoryServicesStore(), log: testLogger(), connect: () => driver, readCluster: async () => [agent('a1'), agent('a2')], clusterPollMs: 60_000, now: () => clock.nowMs });
  t.teardown(() => runtime.stop());
  driver.push({ type: 'subscribed', frameworkId: 'fw-1' });
  return { driver, runtime, clock };
}

/** Runs `instances` instances of `s` and waits for them to be in rotation. */
async function running(h: Harness, s: ServiceSpec, healthy?: boolean): Promise<string[]> {
  await h.runtime.commit({ put: [newServiceState(s, h.clock.nowMs)], remove: [] });
  h.driver.push({ type: 'offers', offers: [h.driver.offer('a1'), h.driver.offer('a2')] });
  const launched = await until('launched', () => h.driver.launched().length === s.instances && h.driver.launched());
  for (const l of launched) h.driver.push({ type: 'update', status: h.driver.status(l.taskId, 'running', healthy) });
  await until('in rotation', () => endpointsNow(h.runtime).endpoints.length === s.instances);
  return launched.map((l) => l.taskId);
}

const endpointsNow = (runtime: ServicesRuntime) => allEndpoints(runtime.view())[0]!;

/**
 * Lets one planning pass run and waits until it is done: a status update asks for a pass, and a
 * second one is handled only after it (events and passes run one at a time, in order).
 */
async function pass(h: Harness, taskId: string): Promise<void> {
  const acks = () => h.driver.acked.filter((a) => a === `${taskId}:running`).length;
  const before = acks();
  h.driver.push({ type: 'update', status: h.driver.status(taskId, 'running') });
  h.driver.push({ type: 'update', status: h.driver.status(taskId, 'running') });
  await until('the pass after an update done', () => acks() >= before + 2);
}

t.test('a scale down drains the instance it stops: out of the endpoints at once, killed after the shutdown delay', async (t) => {
  const h = await harness(t);
  const ids = await running(h, spec(2));
  const drainStart = h.clock.nowMs;
  const state = h.runtime.view().states.get('/web')!;
  await h.runtime.commit({ put: [applySpec(state, spec(1), h.clock.nowMs)], remove: [] });

  const e = endpointsNow(h.runtime);
  t.equal(e.endpoints.length, 1, 'one instance left the endpoints as soon as the change was committed');
  t.equal(e.draining.length, 1);
  const drained = e.draining[0]!;
  t.ok(ids.includes(drained.id));
  t.match(drained, { drainingSinceMs: drainStart, host: /^127\.0\.0\.[12]$/, ports: { http: Number } });
  t.same(h.driver.killed(), [], 'no kill yet');
  t.equal(h.runtime.view().instances.find((i) => i.id === drained.id)?.state, 'running', 'it still runs, out of rotation');
  const kept = ids.find((id) => id !== drained.id)!;

  h.clock.nowMs = drainStart + 4_999;
  await pass(h, kept);
  t.equal(h.runtime.view().plans.get('/web')?.deployment.available, 1, 'the planner does not count the draining instance as available');
  t.same(h.driver.killed(), [], 'still no kill just before the shutdown delay ends');
  t.equal(endpointsNow(h.runtime).draining.length, 1);

  h.clock.nowMs = drainStart + 5_000;
  await pass(h, kept);
  t.same(h.driver.calls.filter((c) => c.call === 'kill'), [{ call: 'kill', taskId: drained.id, gracePeriodMs: 3_000 }], 'killed once the delay is over, with its kill grace period');
  t.equal(endpointsNow(h.runtime).draining.length, 1, 'listed as draining until it ends');
  h.driver.push({ type: 'update', status: h.driver.status(drained.id, 'killed') });
  await until('gone from the endpoints', () => endpointsNow(h.runtime).draining.length === 0);
  t.same(endpointsNow(h.runtime).endpoints.map((x) => x.id), [kept]);
});

t.test('an instance out of rotation is killed at once: one failing its health checks', async (t) => {
  const h = await harness(t);
  const [id] = await running(h, spec(1, { healthChecks: [{ protocol: 'TCP', portName: 'http' }] }), true);
  h.driver.push({ type: 'update', status: h.driver.status(id!, 'running', false) });
  await until('killed', () => h.driver.killed().includes(id!));
  t.equal(h.clock.nowMs, 1_000_000, 'with no time passing: no shutdown delay');
  t.same(endpointsNow(h.runtime).draining, [], 'it was never draining');
  t.same(endpointsNow(h.runtime).endpoints, []);
});

t.test('shutdownDelaySeconds 0 kills at once; removing a service drains its instances', async (t) => {
  const h = await harness(t);
  const [id] = await running(h, spec(1, { shutdownDelaySeconds: 0 }));
  const state = h.runtime.view().states.get('/web')!;
  await h.runtime.commit({ put: [applySpec(state, spec(0, { shutdownDelaySeconds: 0 }), h.clock.nowMs)], remove: [] });
  await until('killed without a delay', () => h.driver.killed().includes(id!));

  const other = await harness(t);
  const [kept] = await running(other, spec(1));
  await other.runtime.commit({ put: [], remove: ['/web'] });
  await pass(other, kept!);
  t.same(other.driver.killed(), [], 'a removed service\'s instance drains first');
  other.clock.nowMs += 5_000;
  await pass(other, kept!);
  t.same(other.driver.killed(), [kept]);
});

t.test('the planner: a draining instance is not available, is not killed again, and is replaced', async (t) => {
  const now = 1_000_000;
  const state = newServiceState(spec(2, { upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0.5 } }), now);
  const instance = (id: string, agentId: string, over: Partial<Instance> = {}): Instance => ({
    id, serviceId: '/web', version: 1, agentId, hostname: `host-${agentId}`, state: 'running', healthy: undefined, ready: undefined, startedAtMs: now, ports: { http: 31000 }, ...over,
  });
  const r = planService({ state, instances: [instance('w1', 'a1'), instance('w2', 'a2', { drainingSinceMs: now })], agents: [agent('a1'), agent('a2')], nowMs: now });
  t.equal(r.deployment.available, 1, 'only the instance in rotation is available');
  t.notOk(r.steps.some((s) => s.kind === 'kill'), 'the draining one is already on its way out');
  t.match(r.steps, [{ kind: 'launch', count: 1 }], 'and a replacement is launched for it (it still holds its resources: maxLive counts it)');
});
