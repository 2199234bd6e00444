// The autoscaler's loop over the real commands and a fake control: samples per instance in
// rotation (fresh ones only), decisions applied as new versions whose history says why, the
// cooldown and the window between them, refusals, metrics, and the options it refuses.
import t, { type Test } from 'tap';
import { Registry } from 'prom-client';
import { detailText, historyText } from '../../cli/services/render.js';
import {
  Autoscaler,
  ServicesCommands,
  autoscaleMetrics,
  autoscaleOptionProblems,
  startServicesFramework,
  MemoryServicesStore,
  type CpuSample,
  type Instance,
} from '../../frameworks/services/index.js';
import { FakeServicesControl } from '../helpers/services-control.js';
import { FakeTimers } from '../helpers/fake-timers.js';
import { testLogger } from '../helpers/log.js';

const ID = '/team/web';
const doc = (autoscale: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({
  id: ID,
  instances: 1,
  container: { image: 'busybox', command: 'httpd -f' },
  resources: { cpus: 0.5, memMb: 32 },
  autoscale: { min: 1, max: 4, target: { cpuUtilization: 0.5 }, stabilizationWindowSeconds: 60, cooldownSeconds: 10, ...autoscale },
  ...extra,
});

interface World {
  control: FakeServicesControl;
  commands: ServicesCommands;
  scaler: Autoscaler;
  registry: Registry;
  /** CPU per instance id, as a share of one core (0.5 = half a core); missing ids have no sample. */
  cpu: Map<string, number>;
  /** When the samples were taken (default: now). */
  sampledAtMs?: number;
  cpuFails: boolean;
  running(): Instance[];
  /** Every running instance at this share of its 0.5 cpus. */
  load(share: number): void;
  instances(): number;
}

async function world(t: Test, autoscale: Record<string, unknown> = {}): Promise<World> {
  const control = new FakeServicesControl();
  const commands = new ServicesCommands(control);
  const applied = await commands.apply(doc(autoscale));
  t.equal(applied.ok, true, 'applied');
  control.settle();
  control.nowMs += 60_000;
  const registry = new Registry();
  const w: World = {
    control,
    commands,
    registry,
    cpu: new Map(),
    cpuFails: false,
    scaler: undefined as unknown as Autoscaler,
    running: () => control.instances.filter((i) => i.serviceId === ID && i.state === 'running'),
    load(share) {
      w.cpu = new Map(w.running().map((i) => [i.id, share * 0.5]));
    },
    instances: () => {
      const s = control.states.get(ID)!;
      return s.versions.find((v) => v.version === s.targetVersion)!.spec.instances;
    },
  };
  w.scaler = new Autoscaler({
    view: () => commands.view(),
    scale: (id, from, n, reason) => commands.autoscale(id, from, n, reason),
    readCpu: async (): Promise<CpuSample[]> => {
      if (w.cpuFails) throw new Error('master unavailable');
      return [...w.cpu].map(([taskId, cores]) => ({ taskId, cpuPercent: cores * 100, atMs: w.sampledAtMs ?? control.nowMs }));
    },
    now: () => control.nowMs,
    timers: new FakeTimers(),
    intervalMs: 5_000,
    maxSampleAgeMs: 30_000,
    log: testLogger(),
    metrics: autoscaleMetrics(registry),
  });
  return w;
}

t.test('a saturated service scales up at once, as a new version that says why', async (t) => {
  const w = await world(t);
  w.load(1);
  const [out] = await w.scaler.tick();
  t.same(out && { applied: out.applied, decision: out.decision }, {
    applied: true,
    decision: { change: true, instances: 2, direction: 'up', reason: 'autoscale: cpu 100% of 0.5 cpus, target 50%, 1 -> 2' },
  });
  t.equal(w.instances(), 2);
  const h = await w.commands.history(ID);
  if (!h.ok) throw new Error('no history');
  const last = h.versions.at(-1)!;
  t.equal(last.reason, 'autoscale: cpu 100% of 0.5 cpus, target 50%, 1 -> 2');
  t.equal(last.configVersion, 1, 'scaling restarts nothing');
  t.equal(h.versions[0]!.reason, null, 'the applied version has no reason');
  t.match(historyText(h), /WHY[\s\S]*autoscale: cpu 100% of 0\.5 cpus, target 50%, 1 -> 2/, 'berth services history shows it');
  const detail = await w.commands.get(ID);
  t.match(detail.ok && detailText(detail, w.control.nowMs), /instances {2}2 \(autoscaled 1\.\.4 at cpu 50% of its cpus per instance; window 60s, cooldown 10s\)/, 'berth services get shows the range');
  const text = await w.registry.metrics();
  t.match(text, /berth_services_autoscale_decisions_total\{service="\/team\/web",direction="up"\} 1/);
  t.match(text, /berth_services_autoscale_target\{service="\/team\/web",metric="cpu_utilization"\} 0\.5/);
  t.match(text, /berth_services_autoscale_metric\{service="\/team\/web",metric="cpu_utilization"\} 1/);
});

t.test('the cooldown holds the next scaling; new instances without samples block a scale-down', async (t) => {
  const w = await world(t);
  w.load(1);
  await w.scaler.tick();
  w.control.step();
  w.control.step();
  t.equal(w.running().length, 2);
  w.load(1);
  const [held] = await w.scaler.tick();
  t.match(held?.decision.reason, /cooling down/);
  t.equal(w.instances(), 2);
  w.control.nowMs += 10_000;
  w.load(0.1);
  w.cpu.delete(w.running()[1]!.id);
  const [missing] = await w.scaler.tick();
  t.match(missing?.decision.reason, /\(1 of 2 instances sampled\): no scale-down while instances lack samples/);
  t.equal(w.instances(), 2);
});

t.test('a scale-down waits for the window, then goes to the highest recommendation in it', async (t) => {
  const w = await world(t);
  w.load(1);
  await w.scaler.tick();
  w.control.settle();
  w.control.nowMs += 20_000;
  w.load(0.05);
  const [early] = await w.scaler.tick();
  t.match(early?.decision.reason, /1 recommended; 2 within the last 60s/);
  t.equal(w.instances(), 2);
  w.control.nowMs += 61_000;
  w.load(0.05);
  const [late] = await w.scaler.tick();
  t.same(late?.decision, { change: true, instances: 1, direction: 'down', reason: 'autoscale: cpu 5% of 0.5 cpus, target 50%, 2 -> 1' });
  t.equal(w.instances(), 1);
  t.match(await w.registry.metrics(), /berth_services_autoscale_decisions_total\{service="\/team\/web",direction="down"\} 1/);
});

t.test('a service seen for the first time does not scale down before a window has passed', async (t) => {
  const w = await world(t, { min: 1 });
  await w.commands.scale(ID, 3);
  w.control.settle();
  w.control.nowMs += 60_000;
  w.load(0.05);
  const [first] = await w.scaler.tick();
  t.match(first?.decision.reason, /1 recommended; 3 within the last 60s/);
  w.control.nowMs += 60_001;
  w.load(0.05);
  const [later] = await w.scaler.tick();
  t.equal(later?.decision.change && later.decision.instances, 1);
});

t.test('only fresh samples of instances in rotation count', async (t) => {
  const w = await world(t);
  w.load(1);
  w.sampledAtMs = w.control.nowMs - 31_000;
  const [stale] = await w.scaler.tick();
  t.equal(stale?.decision.reason, 'no samples yet', 'older than maxSampleAgeMs');
  w.sampledAtMs = w.running()[0]!.startedAtMs - 1;
  const [before] = await w.scaler.tick();
  t.equal(before?.decision.reason, 'no samples yet', 'taken before the instance started');
  delete w.sampledAtMs;
  w.control.instances = w.control.instances.map((i) => ({ ...i, state: 'staging' as const }));
  const [notRunning] = await w.scaler.tick();
  t.equal(notRunning?.decision.reason, 'no samples yet', 'an instance not running');
  t.equal(w.instances(), 1);
});

t.test('unhealthy instances are out of rotation', async (t) => {
  const control = new FakeServicesControl();
  const commands = new ServicesCommands(control);
  await commands.apply(doc({}, { resources: { cpus: 0.5, memMb: 32, ports: [{ name: 'http' }] }, healthChecks: [{ protocol: 'TCP', portName: 'http' }] }));
  control.settle();
  control.nowMs += 60_000;
  control.instances = control.instances.map((i) => ({ ...i, healthy: false }));
  const id = control.instances[0]!.id;
  const scaler = new Autoscaler({
    view: () => commands.view(), scale: (s, f, n, r) => commands.autoscale(s, f, n, r),
    readCpu: async () => [{ taskId: id, cpuPercent: 50, atMs: control.nowMs }],
    now: () => control.nowMs, timers: new FakeTimers(), intervalMs: 5_000, maxSampleAgeMs: 30_000, log: testLogger(),
  });
  const [out] = await scaler.tick();
  t.equal(out?.decision.reason, 'no samples yet');
});

t.test('a master that does not answer changes nothing', async (t) => {
  const w = await world(t);
  w.load(1);
  w.cpuFails = true;
  const [out] = await w.scaler.tick();
  t.equal(out?.decision.reason, 'no samples yet');
  t.equal(w.instances(), 1);
  t.notMatch(await w.registry.metrics(), /berth_services_autoscale_metric\{/, 'no measured value without samples');
});

t.test('a decision made on a version the service has moved past is refused', async (t) => {
  const w = await world(t);
  const r = await w.commands.autoscale(ID, 99, 3, 'autoscale: test');
  t.same(r.ok ? 'ok' : [r.code, r.field], ['CONFLICT', 'version']);
  t.equal(w.instances(), 1);
});

t.test('manual scale stays within the range; applying the file again keeps the autoscaled count', async (t) => {
  const w = await world(t);
  const beyond = await w.commands.scale(ID, 7);
  t.same(beyond.ok ? 'ok' : [beyond.code, beyond.message], ['BAD_REQUEST', `instances must be within autoscale.min..max (1..4) while ${ID} is autoscaled, not 7; change autoscale in the spec to go beyond`]);
  t.equal((await w.commands.scale(ID, 3)).ok, true);
  t.equal(w.instances(), 3);
  const again = await w.commands.apply(doc({}));
  t.same(again.ok && again.services.map((s) => s.change), ['unchanged'], 'the file\'s instances: 1 is only the starting count');
  t.equal(w.instances(), 3);
  await w.commands.apply(doc({ max: 2 }));
  t.equal(w.instances(), 2, 'clamped into the new range');
  await w.commands.apply(doc({ min: 1, max: 2 }, { autoscale: undefined, instances: 5 }));
  t.equal(w.instances(), 5, 'without autoscale the file\'s count holds again');
});

t.test('the loop ticks on its interval and stops', async (t) => {
  const timers = new FakeTimers();
  let reads = 0;
  const control = new FakeServicesControl();
  const commands = new ServicesCommands(control);
  await commands.apply(doc({}));
  const scaler = new Autoscaler({
    view: () => commands.view(), scale: (s, f, n, r) => commands.autoscale(s, f, n, r),
    readCpu: async () => {
      reads++;
      return [];
    },
    now: () => timers.nowMs, timers, intervalMs: 5_000, maxSampleAgeMs: 30_000, log: testLogger(),
  });
  scaler.start();
  await timers.advance(4_999);
  t.equal(reads, 0);
  await timers.advance(1);
  t.equal(reads, 1);
  await timers.advance(10_000);
  t.equal(reads, 3);
  await scaler.stop();
  await timers.advance(20_000);
  t.equal(reads, 3, 'stopped');
  t.equal(timers.pending, 0);
});

t.test('options are checked, every problem named', async (t) => {
  t.same(autoscaleOptionProblems({}), []);
  t.same(autoscaleOptionProblems({ intervalMs: 50, maxSampleAgeMs: -1, lbUrls: ['127.0.0.1:5090', 'http://127.0.0.1:5090'] }), [
    'autoscale.intervalMs must be a number of milliseconds >= 100, got 50',
    'autoscale.maxSampleAgeMs must be a number of milliseconds >= 1, got -1',
    'autoscale.lbUrls[0] must be an http:// or https:// URL, got "127.0.0.1:5090"',
  ]);
  await t.rejects(startServicesFramework({ masterUrl: 'ws://127.0.0.1:1', store: new MemoryServicesStore(), http: { port: 0 }, log: testLogger(), autoscale: { intervalMs: 0 } }), /invalid services framework options: autoscale\.intervalMs must be a number of milliseconds >= 100, got 0/);
});

t.test('requests per second: rates per instance in rotation, and none without load balancers', async (t) => {
  const control = new FakeServicesControl();
  const commands = new ServicesCommands(control);
  await commands.apply(doc({ target: { requestsPerSecond: 20 } }, { instances: 2 }));
  control.settle();
  control.nowMs += 60_000;
  const ids = control.instances.map((i) => i.id);
  let rates: { rates: Map<string, number> } | { failed: string } = { rates: new Map([[ids[0]!, 45], [ids[1]!, 35], ['other.9', 1000]]) };
  const warnings: string[] = [];
  const log = { ...testLogger(), warn: (_: object, msg?: string) => void warnings.push(msg ?? '') };
  const deps = {
    view: () => commands.view(), scale: (s: string, f: number, n: number, r: string) => commands.autoscale(s, f, n, r),
    readCpu: async () => [], now: () => control.nowMs, timers: new FakeTimers(), intervalMs: 5_000, maxSampleAgeMs: 30_000, log,
  };
  const scaler = new Autoscaler({ ...deps, readRequests: async () => rates });
  const [up] = await scaler.tick();
  t.same(up?.decision, { change: true, instances: 4, direction: 'up', reason: 'autoscale: 40 requests/s per instance, target 20, 2 -> 4' }, 'another service\'s instance does not count');
  rates = { failed: 'http://127.0.0.1:5090: HTTP 503' };
  control.nowMs += 60_000;
  const [failed] = await scaler.tick();
  t.equal(failed?.decision.reason, 'no samples yet');
  t.match(warnings, ['autoscale: could not read every load balancer']);

  const blind = new Autoscaler(deps);
  const [none] = await blind.tick();
  await blind.tick();
  t.equal(none?.decision.reason, 'no samples yet');
  t.equal(warnings.filter((w) => /no load balancer is configured/.test(w)).length, 1, 'said once');
});
