// The planner's other rules: superseding applies, dependencies, which instances a scale-down
// kills, the deployment phase table, and what a plan says when instances cannot be placed.
import t from 'tap';
import {
  applySpec,
  canMoveDeployment,
  fillDefaults,
  moveDeployment,
  newServiceState,
  pickKills,
  planService,
  pruneVersions,
  type AgentView,
  type Instance,
  type ServiceInput,
  type ServiceSpec,
} from '../../frameworks/services/index.js';
import { ServicesSim, simAgents } from '../helpers/services-sim.js';

function spec(over: Partial<ServiceInput> = {}): ServiceSpec {
  return fillDefaults({
    id: '/t/web', instances: 4, container: { image: 'web:1' }, resources: { cpus: 0.5, memMb: 64 },
    healthChecks: [{ protocol: 'TCP', portName: 'http' }], ...over,
    ...(over.resources ? {} : { resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http' }] } }),
  });
}
const image = (s: ServiceSpec, img: string): ServiceSpec => ({ ...s, container: { ...s.container, image: img } });

t.test('a superseding apply mid-deployment: the old deployment is recorded as superseded and the newest wins', async (t) => {
  const v1 = spec({ upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5 } });
  const sim = new ServicesSim(v1, simAgents(4));
  sim.run();
  sim.health = (i, s) => (i.version === 1 ? true : s.ticks - s.launched.get(i.id)! >= 3 ? true : undefined);
  sim.apply(image(v1, 'web:2'));
  sim.tick();
  sim.tick();
  t.ok(sim.of(2).length > 0, 'version 2 is on its way');
  const floor = 2;
  sim.onStep = (s) => t.ok(s.healthy() >= floor, `tick ${s.ticks}: ${s.healthy()} healthy`);
  sim.apply(image(v1, 'web:3'));
  t.equal(sim.state.targetVersion, 3);
  const superseded = sim.state.history.at(-1)!;
  t.match(superseded, { toVersion: 2, phase: 'superseded', supersededBy: 3, reason: 'superseded by version 3' });
  t.match(sim.state.deployment, { fromVersion: 2, toVersion: 3, phase: 'running', stepsDone: 0 });
  t.equal(sim.state.lastGoodVersion, 1, 'the rollback target is still the last good version');
  const next = sim.tick();
  const kill = next.steps.find((s) => s.kind === 'kill');
  t.ok(kill?.kind === 'kill' && sim.of(2).filter((i) => i.state !== 'killing' && i.state !== 'killed').length === 0, 'version 2 instances not yet serving are killed at once');
  t.equal(kill?.kind === 'kill' && kill.reason, 'replaced by a new version (not serving)');
  const end = sim.run();
  t.equal(end.state.deployment?.phase, 'succeeded');
  t.equal(end.state.lastGoodVersion, 3);
  t.same(sim.instances.filter((i) => i.state === 'running').map((i) => i.version), [3, 3, 3, 3]);
});

t.test('applying the same spec again changes nothing', async (t) => {
  const s0 = newServiceState(spec(), 0);
  t.equal(applySpec(s0, spec(), 5), s0);
  t.equal(applySpec(s0, spec({ instances: 5 }), 5).versions.at(-1)!.configVersion, 1, 'a scale keeps the configuration');
  t.equal(applySpec(s0, image(spec(), 'web:9'), 5).versions.at(-1)!.configVersion, 2, 'a new image is a new configuration');
  const traffic = spec({ shutdownDelaySeconds: 10, loadBalancer: { algorithm: 'least-connections' }, resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http', servicePort: 10080 }] } });
  t.equal(applySpec(s0, traffic, 5).versions.at(-1)!.configVersion, 1, 'service ports, the shutdown delay and the algorithm are no new configuration');
  t.equal(applySpec(s0, spec({ resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http', number: 8080 }] } }), 5).versions.at(-1)!.configVersion, 2, 'a host port is');
});

t.test('a service waits until its dependencies are deployed and healthy', async (t) => {
  let dbStatus: 'deploying' | 'stable' = 'deploying';
  const app = spec({ id: '/t/app', dependencies: ['/t/db'], deploymentDeadlineSeconds: 10 });
  const sim = new ServicesSim(app, simAgents(2), { dependencies: () => [{ id: '/t/db', status: dbStatus }] });
  for (let k = 0; k < 30; k++) {
    const p = sim.tick();
    t.same(p.steps, [{ kind: 'wait', until: { event: 'dependencies' }, why: 'waiting for /t/db to be deployed and healthy' }]);
    t.equal(p.deployment.status, 'waiting-for-dependencies');
  }
  t.equal(sim.instances.length, 0);
  t.equal(sim.state.deployment?.phase, 'running', 'waiting does not use up the deadline');
  dbStatus = 'stable';
  const go = sim.tick();
  t.same(go.steps.map((s) => s.kind), ['launch']);
  t.equal(sim.run().state.deployment?.phase, 'succeeded');
  const missing = new ServicesSim(app, simAgents(1)).tick();
  t.equal(missing.deployment.status, 'waiting-for-dependencies', 'a dependency nobody reported on is not met');
});

function inst(id: string, agentId: string, over: Partial<Instance> = {}): Instance {
  return { id, serviceId: '/t/web', version: 1, agentId, hostname: agentId, state: 'running', healthy: true, ready: undefined, startedAtMs: 100, ports: {}, ...over };
}

t.test('scale-down kills the unhealthiest first, then from the most crowded agent, then the newest', async (t) => {
  const s = spec();
  const agents = new Map<string, AgentView>();
  const available = (i: Instance) => i.state === 'running' && i.healthy === true;
  const xs = [inst('a1', 'A'), inst('a2', 'A', { startedAtMs: 300 }), inst('a3', 'A', { startedAtMs: 200 }), inst('b1', 'B'), inst('c1', 'C', { healthy: false })];
  t.same(pickKills(xs, 3, [], s, agents, available).map((i) => i.id), ['c1', 'a2', 'a3']);
  // With a UNIQUE-style constraint on a field, the field's values count, not agents.
  const racks = new Map<string, AgentView>(['A', 'B', 'C'].map((id) => [id, { id, hostname: id, attributes: { rack: id === 'C' ? 'r1' : 'r2' }, free: { cpus: 0, memMb: 0, diskMb: 0, ports: [] }, draining: false, underPressure: false, unreachable: false }]));
  const byRack = spec({ constraints: [{ field: 'rack', operator: 'GROUP_BY' }] });
  const ys = [inst('a1', 'A'), inst('b1', 'B', { startedAtMs: 50 }), inst('c1', 'C', { startedAtMs: 900 })];
  t.same(pickKills(ys, 1, [], byRack, racks, available).map((i) => i.id), ['a1'], 'rack r2 holds two; the newer of them goes');
});

t.test('a plan previews placement and says why instances cannot be placed', async (t) => {
  const s = spec({ instances: 3, constraints: [{ field: 'hostname', operator: 'UNIQUE' }] });
  const agents: AgentView[] = ['A', 'B'].map((id) => ({ id, hostname: id, attributes: {}, free: { cpus: 4, memMb: 1024, diskMb: 0, ports: [{ begin: 1, end: 10 }] }, draining: false, underPressure: false, unreachable: false }));
  const p = planService({ state: newServiceState(s, 0), instances: [], agents, nowMs: 10 });
  t.same(p.steps, [{ kind: 'launch', version: 1, count: 3, placementHints: { placements: [{ agentId: 'A', ports: { http: 1 } }, { agentId: 'B', ports: { http: 1 } }], avoidAgentIds: [], pending: [{ count: 1, reason: 'UNIQUE hostname: 2 agents already hold an instance' }] } }]);
  t.same(p.reasons, ['1 instance cannot be placed now: UNIQUE hostname: 2 agents already hold an instance']);
  t.match(p.deployment, { status: 'deploying', desired: 3, live: 0, available: 0, minAvailable: 3, maxLive: 6 });
  t.equal(p.wakeAtMs, 600_000, 'plan again at the deadline (600 s after the apply)');
});

t.test('a converged service plans done, and planning is a function of its input', async (t) => {
  const sim = new ServicesSim(spec(), simAgents(2));
  const end = sim.run();
  t.same(end.steps, [{ kind: 'done' }]);
  const input = { state: sim.state, instances: sim.instances, agents: sim.views(), nowMs: sim.nowMs };
  const frozen = JSON.stringify(input);
  t.same(planService(input), planService(input));
  t.equal(JSON.stringify(input), frozen, 'the input is not changed');
});

t.test('deployment phases: only a running deployment moves, and only to an ending', async (t) => {
  t.ok(canMoveDeployment('running', 'succeeded'));
  t.ok(canMoveDeployment('running', 'superseded'));
  t.notOk(canMoveDeployment('succeeded', 'running'));
  t.notOk(canMoveDeployment('rolled-back', 'failed'));
  t.throws(() => moveDeployment({ phase: 'failed' as const }, 'succeeded'), /illegal deployment move failed -> succeeded/);
});

t.test('applying another service\'s spec is a bug; old versions nothing needs can be pruned', async (t) => {
  t.throws(() => applySpec(newServiceState(spec(), 0), spec({ id: '/t/other' }), 1), /spec \/t\/other applied to service \/t\/web/);
  let s = newServiceState(spec(), 0);
  for (let k = 2; k <= 30; k++) s = applySpec(s, image(spec(), `web:${k}`), k);
  // Nothing succeeded, the history holds the newest 20 superseded deployments.
  const kept = pruneVersions(s, [{ serviceId: '/t/web', version: 3 }], 5);
  t.ok(kept.versions.some((v) => v.version === 3), 'an observed instance keeps its version');
  t.ok(kept.versions.some((v) => v.version === 30), 'the target stays');
  t.notOk(kept.versions.some((v) => v.version === 2), 'version 2 is needed by nothing');
  t.ok(kept.versions.length < s.versions.length);
  t.equal(pruneVersions(kept, [{ serviceId: '/t/web', version: 3 }], 5), kept, 'pruning again changes nothing');
});
