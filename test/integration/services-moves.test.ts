// Instances move off a draining agent, replacement first (hollow agents: the real agents and
// protocol, tasks that only pretend to run): the old instance is killed only once its replacement
// runs elsewhere, and the number running never drops below the asked number on the way. An
// unreachable agent's instance is replaced too.
import t, { type Test } from 'tap';
import type { StartMasterOptions } from '../../master/index.js';
import { MemoryServicesStore, newServiceState, parseServiceDocument, startServicesScheduler } from '../../frameworks/services/index.js';
import { testAgent } from '../helpers/cluster.js';
import { testLogger } from '../helpers/log.js';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

/** Three hollow agents and a stable service of two instances on them. */
async function twoInstances(t: Test, id: string, firstPort: number, master: Partial<StartMasterOptions> = {}) {
  const m = await testMaster(t, master);
  const agents = [];
  for (let i = 0; i < 3; i++) agents.push(await testAgent(t, m.url, 'hollow', { hostname: `${id.slice(1)}-${i}`, ports: [firstPort + i * 100, firstPort + 99 + i * 100] }));
  const runtime = await startServicesScheduler({ masterUrl: m.url, store: new MemoryServicesStore(), log: testLogger(), clusterPollMs: 100 });
  t.teardown(() => runtime.stop());
  const parsed = parseServiceDocument({ id, instances: 2, container: { image: 'busybox:latest', command: 'sleep 1000' }, resources: { cpus: 0.1, memMb: 16 }, killGracePeriodSeconds: 0 });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  await runtime.commit({ put: [newServiceState(parsed.services[0]!, Date.now())], remove: [] });
  const running = () => runtime.view().instances.filter((i) => i.state === 'running');
  const before = await until('2 running', () => running().length === 2 && runtime.view().plans.get(id)?.deployment.status === 'stable' && running(), 30_000);
  return { master: m, agents, runtime, running, before };
}

void t.test('a drained agent\'s instances are replaced elsewhere before they are killed', async (t) => {
  const { master, runtime, running, before } = await twoInstances(t, '/mover', 35000);

  const victim = before[0]!;
  let lowest = Infinity;
  let killedBeforeReplacement = false;
  const sampler = setInterval(() => {
    const now = running();
    const replaced = now.some((i) => i.agentId !== victim.agentId && !before.some((b) => b.id === i.id));
    lowest = Math.min(lowest, now.length);
    if (!now.some((i) => i.id === victim.id) && !replaced) killedBeforeReplacement = true;
  }, 20);
  t.teardown(() => clearInterval(sampler));
  const res = await fetch(`${master.httpUrl}/api/v1/agents/${victim.agentId}/drain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deadline: '5m' }) });
  t.ok(res.ok, `drain answered ${res.status}`);
  const after = await until('moved off the drained agent', () => {
    const now = running();
    return now.length === 2 && now.every((i) => i.agentId !== victim.agentId) && runtime.view().instances.length === 2 && runtime.view().plans.get('/mover')?.deployment.status === 'stable' && now;
  }, 30_000);
  clearInterval(sampler);
  t.ok(after.some((i) => i.id === before[1]!.id) || before[1]!.agentId === victim.agentId, 'the instance on a usable agent stays');
  t.notOk(killedBeforeReplacement, 'the old instance was not killed before its replacement ran');
  t.ok(lowest >= 2, `never fewer than 2 running (lowest ${lowest})`);
});

void t.test('an unreachable agent\'s instance is replaced elsewhere', async (t) => {
  const { agents, runtime, running, before } = await twoInstances(t, '/survivor', 35500, { agentReregisterTimeoutMs: 300 });
  const lostAgentId = before[0]!.agentId;
  const agent = agents.find((a) => a.agentId === lostAgentId);
  t.ok(agent, 'the agent of the first instance');
  await agent!.stop({ killTasks: false });
  const after = await until('replaced on a reachable agent', () => {
    const now = running();
    return now.length === 2 && now.every((i) => i.agentId !== lostAgentId) && now;
  }, 30_000);
  t.ok(after.some((i) => i.id === before[1]!.id), 'the other instance stays');
  t.equal(runtime.view().instances.find((i) => i.id === before[0]!.id)?.state, 'unreachable', 'the lost instance waits as unreachable, to be killed if its agent returns');
});
