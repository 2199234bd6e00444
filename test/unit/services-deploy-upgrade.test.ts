// Rolling upgrades in the simulator: the capacity floor and ceiling hold at every step whatever
// the health timings and strategy, new instances gate the killing of old ones, and an upgrade
// whose checks never pass rolls back after its deadline.
import t from 'tap';
import fc from 'fast-check';
import { fillDefaults, type ServiceInput, type ServiceSpec } from '../../frameworks/services/index.js';
import { ServicesSim, simAgents } from '../helpers/services-sim.js';

function spec(over: Partial<ServiceInput> = {}): ServiceSpec {
  return fillDefaults({
    id: '/t/web', instances: 10, container: { image: 'web:1' }, resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http' }] },
    healthChecks: [{ protocol: 'HTTP', portName: 'http' }], ...over,
  });
}

/** A sim already running version 1 (10 healthy instances). */
function steady(s: ServiceSpec, agents = simAgents(5)): ServicesSim {
  const sim = new ServicesSim(s, agents);
  sim.run();
  return sim;
}

t.test('property: healthy >= ceil(10 × 0.8) and live <= floor(10 × (1 + mOC)) at every step', async (t) => {
  const prop = fc.property(
    fc.constantFrom(0, 0.1, 0.2, 0.3, 0.5, 1),
    // Ticks until each new instance (by launch order) becomes healthy, or never (-1).
    fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 8 }) }, { weight: 1, arbitrary: fc.constant(-1) }), { minLength: 40, maxLength: 40 }),
    fc.integer({ min: 30, max: 120 }),
    (mOC, delays, deadlineSeconds) => {
      const v1 = spec({ upgradeStrategy: { minimumHealthCapacity: 0.8, maximumOverCapacity: mOC }, deploymentDeadlineSeconds: deadlineSeconds });
      const sim = steady(v1);
      let launchIndex = 0;
      const healthyAt = new Map<string, number>();
      sim.health = (i, s) => {
        if (i.version === 1) return true;
        if (!healthyAt.has(i.id)) {
          const delay = delays[launchIndex++ % delays.length]!;
          healthyAt.set(i.id, delay < 0 ? Infinity : s.ticks + delay);
        }
        return s.ticks >= healthyAt.get(i.id)! ? true : undefined;
      };
      const floor = Math.ceil(10 * 0.8);
      const ceiling = Math.floor(10 * (1 + mOC) + 1e-9);
      sim.onStep = (s, when) => {
        if (s.healthy() < floor) throw new Error(`${when} at tick ${s.ticks}: ${s.healthy()} healthy < ${floor}`);
        if (s.live() > ceiling) throw new Error(`${when} at tick ${s.ticks}: ${s.live()} live > ${ceiling}`);
      };
      sim.apply({ ...v1, container: { ...v1.container, image: 'web:2' } });
      const end = sim.run(400, (p) => p.deployment.status === 'stable');
      // Either the upgrade went through or it rolled back; either way 10 instances of one version.
      const version = end.state.targetVersion;
      const running = sim.instances.filter((i) => i.state === 'running');
      if (running.length !== 10 || running.some((i) => i.version !== version)) throw new Error(`ended with ${JSON.stringify(running.map((i) => i.version))}`);
      if (version === 1 && end.state.history.at(-1)?.phase !== 'rolled-back' && end.state.history.at(-2)?.phase !== 'rolled-back') throw new Error('back on 1 without a rollback');
    },
  );
  t.doesNotThrow(() => fc.assert(prop, { numRuns: 60, seed: 42 }));
});

t.test('old instances are killed only as new ones become healthy and ready', async (t) => {
  const v1 = spec({ upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0.2 }, readinessCheck: { portName: 'http' } });
  const sim = steady(v1);
  const readyAfter = new Map<string, number>();
  sim.health = (i, s) => {
    if (i.version === 1) return true;
    if (!readyAfter.has(i.id)) readyAfter.set(i.id, s.ticks + 2);
    return s.ticks >= readyAfter.get(i.id)! ? true : undefined;
  };
  sim.onStep = (s) => {
    const readyNew = s.of(2).filter((i) => i.state === 'running' && i.healthy && i.ready).length;
    const oldServing = s.of(1).filter((i) => i.state === 'running').length;
    t.ok(oldServing + readyNew >= 10, `tick ${s.ticks}: ${oldServing} old + ${readyNew} ready new`);
    t.ok(s.live() <= 12, `tick ${s.ticks}: ${s.live()} live`);
  };
  sim.apply({ ...v1, container: { ...v1.container, image: 'web:2' } });
  const first = sim.tick();
  t.same(first.steps.map((s) => s.kind), ['launch'], 'the first step surges, it does not kill');
  t.same(first.steps[0], { kind: 'launch', version: 2, count: 2, placementHints: first.steps[0]!.kind === 'launch' ? first.steps[0]!.placementHints : undefined });
  t.equal(first.deployment.status, 'deploying');
  const end = sim.run();
  t.equal(end.state.deployment?.phase, 'succeeded');
  t.equal(end.state.lastGoodVersion, 2);
  t.equal(sim.of(2).filter((i) => i.state === 'running').length, 10);
});

t.test('an upgrade whose health check never passes rolls back after the deadline, never below capacity', async (t) => {
  const v1 = spec({ upgradeStrategy: { minimumHealthCapacity: 0.8, maximumOverCapacity: 0.5 }, deploymentDeadlineSeconds: 60 });
  const sim = steady(v1);
  sim.health = (i) => (i.version === 1 ? true : false);
  let lowestOld = Infinity;
  sim.onStep = (s) => {
    lowestOld = Math.min(lowestOld, s.of(1).filter((i) => i.state === 'running' && i.healthy).length);
  };
  sim.apply({ ...v1, container: { ...v1.container, image: 'web:broken' } });
  const startedAt = sim.nowMs;
  const rollback = sim.run(200, (p) => p.steps.some((s) => s.kind === 'rollback'));
  t.ok(sim.nowMs - startedAt >= 60_000, 'not before the deadline');
  t.same(rollback.steps[0], { kind: 'rollback', toVersion: 1, why: 'version 2: 0 of 10 instances healthy and ready after 60 s' });
  t.equal(rollback.deployment.status, 'rolling-back');
  t.equal(rollback.state.targetVersion, 1);
  t.equal(rollback.state.history.at(-1)?.phase, 'rolled-back');
  const killNew = rollback.steps.find((s) => s.kind === 'kill');
  t.ok(killNew && killNew.kind === 'kill' && killNew.instanceIds.length === sim.of(2).length, 'the new, unhealthy instances are killed at once');
  const end = sim.run();
  t.equal(end.state.deployment?.phase, 'succeeded');
  t.equal(end.state.deployment?.rollbackOf, 2);
  t.equal(sim.of(1).filter((i) => i.state === 'running').length, 10);
  t.equal(sim.of(2).filter((i) => i.state !== 'killed').length, 0);
  t.ok(lowestOld >= 8, `old version never below ceil(10 × 0.8): lowest ${lowestOld}`);
});

t.test('a failed first deployment has nothing to roll back to: it fails and keeps trying', async (t) => {
  const sim = new ServicesSim(spec({ instances: 2, deploymentDeadlineSeconds: 5 }), simAgents(2), { health: () => false });
  const failed = sim.run(50, (p) => p.state.deployment?.phase === 'failed');
  t.match(failed.reasons.join('\n'), /deployment failed: version 1: 0 of 2 instances healthy and ready after 5 s \(no earlier version to roll back to\)/);
  t.notOk(failed.steps.some((s) => s.kind === 'rollback'));
  t.equal(failed.deployment.status, 'recovering');
});

t.test('scaling changes no running instance: same configuration, only the count moves', async (t) => {
  const v1 = spec({ instances: 4 });
  const sim = steady(v1);
  const before = new Set(sim.instances.map((i) => i.id));
  sim.apply({ ...v1, instances: 6 });
  const up = sim.tick();
  t.same(up.steps.map((s) => s.kind), ['launch']);
  sim.run();
  t.equal(sim.instances.filter((i) => i.state === 'running').length, 6);
  t.ok([...before].every((id) => sim.instances.some((i) => i.id === id)), 'the first four kept running');
  sim.apply({ ...sim.state.versions.at(-1)!.spec, instances: 3 });
  const down = sim.tick();
  t.same(down.steps.map((s) => s.kind), ['kill', 'wait'], 'kill three, then wait for them to end');
  t.equal(down.steps[0]!.kind === 'kill' && down.steps[0]!.instanceIds.length, 3);
  const end = sim.run();
  t.equal(sim.instances.filter((i) => i.state === 'running').length, 3);
  t.equal(end.state.deployment?.phase, 'succeeded');
});

t.test('minimumHealthCapacity 1 with maximumOverCapacity 0 still progresses, one extra instance at a time', async (t) => {
  const v1 = spec({ instances: 4, upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 0 } });
  const sim = steady(v1);
  sim.onStep = (s) => {
    t.ok(s.healthy() >= 4, `tick ${s.ticks}: ${s.healthy()} healthy`);
    t.ok(s.live() <= 5, `tick ${s.ticks}: ${s.live()} live`);
  };
  sim.apply({ ...v1, container: { ...v1.container, image: 'web:2' } });
  const first = sim.tick();
  t.match(first.deployment, { minAvailable: 4, maxLive: 5 });
  const end = sim.run();
  t.equal(end.state.lastGoodVersion, 2);
});

t.test('UNIQUE hostname on as many agents as instances: an upgrade needs a floor below n', async (t) => {
  const unique = (mHC: number) => spec({ instances: 5, constraints: [{ field: 'hostname', operator: 'UNIQUE' }], upgradeStrategy: { minimumHealthCapacity: mHC, maximumOverCapacity: 1 } });
  const stuck = steady(unique(1));
  stuck.apply({ ...unique(1), container: { ...unique(1).container, image: 'web:2' } });
  const p = stuck.tick();
  t.same(p.reasons, ['5 instances cannot be placed now: UNIQUE hostname: 5 agents already hold an instance']);
  t.notOk(p.steps.some((s) => s.kind === 'kill'), 'a floor of 5 kills nothing');
  const moving = steady(unique(0.8));
  moving.apply({ ...unique(0.8), container: { ...unique(0.8).container, image: 'web:2' } });
  moving.onStep = (s) => t.ok(s.healthy() >= 4, `tick ${s.ticks}: ${s.healthy()} healthy`);
  const end = moving.run();
  t.equal(end.state.lastGoodVersion, 2);
  t.equal(new Set(moving.of(2).filter((i) => i.state === 'running').map((i) => i.hostname)).size, 5, 'one per host again');
});
