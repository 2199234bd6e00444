// restartService and rollbackService in the simulator: a restart replaces every instance, rolling,
// never below the floor; a rollback reuses the configuration of the version it goes back to, so
// instances still running that version stay, and a deployment under way is superseded.
import t from 'tap';
import { applySpec, fillDefaults, restartService, rollbackService, type ServiceInput, type ServiceSpec } from '../../frameworks/services/index.js';
import { ServicesSim, simAgents } from '../helpers/services-sim.js';

function spec(over: Partial<ServiceInput> = {}): ServiceSpec {
  return fillDefaults({
    id: '/t/web', instances: 6, container: { image: 'web:1' }, resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http' }] },
    healthChecks: [{ protocol: 'HTTP', portName: 'http' }], upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 }, ...over,
  });
}

t.test('a restart is a new version with a configuration of its own: every instance is replaced within the floor', async (t) => {
  const sim = new ServicesSim(spec(), simAgents(3));
  sim.run();
  const before = new Set(sim.instances.map((i) => i.id));
  sim.state = restartService(sim.state, sim.nowMs);
  t.equal(sim.state.targetVersion, 2);
  t.same(sim.state.versions.map((v) => [v.version, v.configVersion]), [[1, 1], [2, 2]]);
  t.same(sim.state.versions[1]!.spec, sim.state.versions[0]!.spec, 'the same spec');
  t.match(sim.state.deployment, { fromVersion: 1, toVersion: 2, phase: 'running' });
  let lowest = Infinity;
  sim.onStep = (s, when) => {
    if (when === 'acted') lowest = Math.min(lowest, s.healthy());
  };
  sim.run();
  t.equal(sim.instances.length, 6);
  t.ok(sim.instances.every((i) => !before.has(i.id) && i.version === 2), 'no instance of before the restart is left');
  t.ok(lowest >= 3, `never fewer than 3 healthy (lowest ${lowest})`);
  t.match(sim.state.history.at(-1), { toVersion: 2, phase: 'succeeded' });
});

t.test('a rollback during an upgrade keeps the instances of the version it goes back to', async (t) => {
  const sim = new ServicesSim(spec(), simAgents(3));
  sim.run();
  // Version 2 never becomes healthy; roll back by hand half way through.
  sim.health = (i) => (i.version === 1 ? true : undefined);
  sim.apply(spec({ container: { image: 'web:2' } }));
  for (let k = 0; k < 3; k++) sim.tick();
  const oldLeft = sim.of(1).filter((i) => i.state === 'running').map((i) => i.id);
  t.ok(oldLeft.length >= 3 && oldLeft.length < 6, `some version 1 instances were replaced (${oldLeft.length} left)`);
  sim.state = rollbackService(sim.state, 1, sim.nowMs);
  t.equal(sim.state.targetVersion, 3);
  t.same(sim.state.versions.map((v) => [v.version, v.configVersion]), [[1, 1], [2, 2], [3, 1]], 'version 3 has version 1\'s configuration');
  t.equal(sim.state.versions[2]!.spec.container.image, 'web:1');
  t.match(sim.state.deployment, { fromVersion: 2, toVersion: 3, rollbackOf: 2, phase: 'running' });
  t.match(sim.state.history.at(-1), { toVersion: 2, phase: 'superseded', supersededBy: 3 });
  sim.health = () => true;
  const plan = sim.run();
  t.equal(plan.deployment.status, 'stable');
  t.equal(sim.instances.length, 6);
  t.ok(oldLeft.every((id) => sim.instances.some((i) => i.id === id)), 'the version 1 instances were never restarted');
  t.ok(sim.instances.every((i) => i.version === 1 || i.version === 3), 'no version 2 instance is left');
});

t.test('applySpec still keeps the configuration for a change of instances only', async (t) => {
  const sim = new ServicesSim(spec(), simAgents(3));
  const scaled = applySpec(sim.state, spec({ instances: 8 }), sim.nowMs);
  t.same(scaled.versions.map((v) => v.configVersion), [1, 1]);
  t.equal(applySpec(scaled, spec({ instances: 8 }), sim.nowMs), scaled, 'the same spec again changes nothing');
});
