// Self-healing in the simulator: failed instances are replaced after an exponential backoff,
// repeated failures are reported as a crash loop, and instances move off draining, pressured or
// unreachable agents replacement-first.
import t from 'tap';
import { backoffDelayMs, fillDefaults, type ServiceInput, type ServiceSpec } from '../../frameworks/services/index.js';
import { ServicesSim, simAgents } from '../helpers/services-sim.js';

function spec(over: Partial<ServiceInput> = {}): ServiceSpec {
  return fillDefaults({
    id: '/t/api', instances: 3, container: { image: 'api:1' }, resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http' }] },
    healthChecks: [{ protocol: 'HTTP', portName: 'http' }], backoff: { initialSeconds: 2, factor: 2, maxSeconds: 10 }, ...over,
  });
}

t.test('backoff delays grow by the factor up to the maximum', async (t) => {
  const b = { initialSeconds: 2, factor: 2, maxSeconds: 10 };
  t.same([0, 1, 2, 3, 4, 5].map((n) => backoffDelayMs(b, n)), [0, 2000, 4000, 8000, 10_000, 10_000]);
});

t.test('a failed instance is replaced after the backoff', async (t) => {
  const sim = new ServicesSim(spec(), simAgents(3));
  sim.run();
  const victim = sim.instances[0]!.id;
  sim.health = (i) => (i.id === victim ? 'crash' : true);
  const failedTick = sim.tick();
  t.equal(failedTick.state.backoff.consecutiveFailures, 1);
  const wait = failedTick.steps.find((s) => s.kind === 'wait');
  t.same(wait, { kind: 'wait', until: { atMs: sim.nowMs + 2000 }, why: 'restart backoff after 1 failure: next launch in 2 s' });
  t.equal(failedTick.deployment.status, 'backing-off');
  t.equal(failedTick.wakeAtMs, sim.nowMs + 2000);
  sim.health = () => true;
  const early = sim.tick();
  t.notOk(early.steps.some((s) => s.kind === 'launch'), 'no launch within the backoff (1 s later)');
  const launched = sim.tick();
  t.same(launched.steps.filter((s) => s.kind === 'launch').map((s) => s.kind === 'launch' && s.count), [1], 'replaced once 2 s have passed');
  const end = sim.run();
  t.equal(end.deployment.status, 'stable');
  t.equal(sim.instances.filter((i) => i.state === 'running').length, 3);
});

t.test('repeated failures: the delay grows and the service is reported crash-looping', async (t) => {
  const sim = new ServicesSim(spec({ instances: 1 }), simAgents(2), { options: { crashLoopFailures: 3, crashLoopWindowMs: 120_000 } });
  sim.run();
  sim.health = () => 'crash';
  const waits: number[] = [];
  let failures = 0;
  let last = sim.tick();
  for (let k = 0; k < 60 && last.deployment.status !== 'crash-looping'; k++) {
    const w = last.steps.find((s) => s.kind === 'wait');
    // The delay handed out at the tick each new failure is counted.
    if (last.state.backoff.consecutiveFailures > failures && w?.kind === 'wait' && 'atMs' in w.until) waits.push(w.until.atMs - sim.nowMs);
    failures = last.state.backoff.consecutiveFailures;
    last = sim.tick();
  }
  t.equal(last.deployment.status, 'crash-looping');
  t.match(last.reasons.join('\n'), /crash-looping: 3 failures within 120 s \(3 in a row\)/);
  t.same(waits, [2000, 4000], 'delays of 2 s then 4 s before the third failure');
  t.ok(last.steps.some((s) => s.kind === 'wait'), 'still backing off while looping');
  // Once it stays up long enough the backoff resets and the status clears.
  sim.health = () => true;
  const end = sim.run(200, (p) => p.deployment.status === 'stable' && p.state.backoff.consecutiveFailures === 0);
  t.same(end.state.backoff.recentFailuresMs, []);
});

t.test('an upgrade that crash-loops past its deadline is rolled back, and the reason names the crash loop', async (t) => {
  const sim = new ServicesSim(spec({ deploymentDeadlineSeconds: 20 }), simAgents(3), { options: { crashLoopFailures: 3, crashLoopWindowMs: 120_000 } });
  sim.run();
  sim.apply(spec({ container: { image: 'api:2' }, deploymentDeadlineSeconds: 20 }));
  sim.health = (i) => (i.version === 2 ? 'crash' : true);
  const plan = sim.run(100, (p) => p.steps.some((s) => s.kind === 'rollback'));
  const failed = plan.state.history.find((d) => d.toVersion === 2);
  t.equal(failed?.phase, 'rolled-back');
  t.match(failed?.reason, /^version 2: 0 of 3 instances healthy and ready after 20 s \(crash-looping: \d+ failures within 120 s \(\d+ in a row\)\)$/);
});

t.test('a drained agent: its instance is replaced elsewhere and killed only once the replacement is healthy', async (t) => {
  const agents = simAgents(4);
  const sim = new ServicesSim(spec({ upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5 } }), agents);
  sim.run();
  const drained = agents.find((a) => sim.instances.some((i) => i.agentId === a.id))!;
  const old = sim.instances.find((i) => i.agentId === drained.id)!;
  drained.draining = true;
  const readyAfter = new Map<string, number>();
  sim.health = (i, s) => {
    if (i.id === old.id || s.launched.get(i.id)! < 3) return true;
    if (!readyAfter.has(i.id)) readyAfter.set(i.id, s.ticks + 3);
    return s.ticks >= readyAfter.get(i.id)! ? true : undefined;
  };
  let killedAt: number | undefined;
  sim.onStep = (s, when) => {
    const o = s.instances.find((i) => i.id === old.id);
    if (when === 'acted' && o?.state === 'killing' && killedAt === undefined) {
      killedAt = s.ticks;
      const replacement = s.instances.find((i) => i.agentId !== drained.id && s.launched.get(i.id)! > 2);
      t.ok(replacement?.state === 'running' && replacement.healthy, 'the replacement is healthy when the old one is killed');
    }
  };
  const first = sim.tick();
  const launch = first.steps.find((s) => s.kind === 'launch');
  t.ok(launch?.kind === 'launch' && launch.count === 1 && launch.placementHints.avoidAgentIds.includes(drained.id), 'replacement first, avoiding the drained agent');
  t.notOk(first.steps.some((s) => s.kind === 'kill'), 'nothing killed before the replacement is healthy, though the floor (2 of 3) would allow it');
  t.equal(first.deployment.status, 'recovering');
  sim.run();
  t.ok(killedAt !== undefined && killedAt >= 4, `killed at tick ${killedAt}`);
  t.notOk(sim.instances.some((i) => i.agentId === drained.id && i.state === 'running'));
  t.equal(sim.instances.filter((i) => i.state === 'running').length, 3);
});

t.test('an unreachable agent: its instance is replaced, then killed once the replacement serves', async (t) => {
  const agents = simAgents(3);
  const sim = new ServicesSim(spec({ instances: 2 }), agents);
  sim.run();
  const lostAgent = agents.find((a) => sim.instances.some((i) => i.agentId === a.id))!;
  lostAgent.unreachable = true;
  const first = sim.tick();
  t.equal(first.deployment.available, 1, 'an instance on an unreachable agent does not count');
  t.same(first.steps.map((s) => s.kind), ['launch']);
  const end = sim.run(50, (p) => p.deployment.status === 'stable');
  t.equal(end.deployment.available, 2);
  const ghost = sim.instances.find((i) => i.agentId === lostAgent.id)!;
  t.same(end.steps, [{ kind: 'kill', instanceIds: [ghost.id], reason: 'moved off its agent (replacement healthy)' }], 'killed once the replacement serves, so it ends if its agent returns');
});

t.test('an instance stuck on an unreachable agent is killed again and again but does not hold a deployment back', async (t) => {
  const agents = simAgents(3);
  const v1 = fillDefaults({ id: '/t/api', instances: 2, container: { image: 'api:1' }, resources: { cpus: 0.5, memMb: 64 } });
  const sim = new ServicesSim(v1, agents);
  sim.run();
  const gone = sim.instances[0]!;
  // The agent went silent: the framework sees the instance as unreachable, and it stays so.
  agents.find((a) => a.id === gone.agentId)!.unreachable = true;
  sim.instances = sim.instances.map((i) => (i.id === gone.id ? { ...i, state: 'unreachable' } : i));
  sim.apply({ ...v1, container: { ...v1.container, image: 'api:2' } });
  const end = sim.run(50, (p) => p.state.deployment?.phase === 'succeeded');
  t.equal(end.state.lastGoodVersion, 2);
  t.ok(end.steps.some((s) => s.kind === 'kill' && s.instanceIds.includes(gone.id)), 'still asking for it to be killed');
});

t.test('an agent under pressure is moved off like a draining one', async (t) => {
  const agents = simAgents(2);
  const sim = new ServicesSim(spec({ instances: 1 }), agents);
  sim.run();
  const busy = agents.find((a) => a.id === sim.instances[0]!.agentId)!;
  busy.underPressure = true;
  sim.run();
  t.same(sim.instances.filter((i) => i.state === 'running').map((i) => i.agentId), [agents.find((a) => a !== busy)!.id]);
});

t.test('a drained agent with nowhere to move to: the instance stays and the plan says why', async (t) => {
  const agents = simAgents(3);
  const sim = new ServicesSim(spec({ constraints: [{ field: 'hostname', operator: 'UNIQUE' }] }), agents);
  sim.run();
  agents[0]!.draining = true;
  let plan = sim.tick();
  for (let k = 0; k < 5; k++) plan = sim.tick();
  t.ok(sim.instances.some((i) => i.agentId === 'a1' && i.state === 'running'), 'not killed without a replacement');
  t.ok(plan.reasons.includes('1 instance cannot be placed now: UNIQUE hostname: 2 agents already hold an instance; 1 agent is draining'), plan.reasons.join('; '));
  t.equal(plan.deployment.status, 'recovering');
  agents.push(...simAgents(4).slice(3));
  const end = sim.run();
  t.same(sim.instances.filter((i) => i.state === 'running').map((i) => i.agentId).sort(), ['a2', 'a3', 'a4']);
  t.equal(end.deployment.status, 'stable');
});
