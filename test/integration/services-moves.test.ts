// Instances move off a draining agent, replacement first (hollow agents: the real agents and
// protocol, tasks that only pretend to run): the old instance is killed only once its replacement
// runs elsewhere, and the number running never drops below the asked number on the way.
import t from 'tap';
import { MemoryServicesStore, newServiceState, parseServiceDocument, startServicesScheduler } from '../../frameworks/services/index.js';
import { testAgent } from '../helpers/cluster.js';
import { testLogger } from '../helpers/log.js';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

void t.test('a drained agent\'s instances are replaced elsewhere before they are killed', async (t) => {
  const master = await testMaster(t);
  const agents = [];
  for (let i = 0; i < 3; i++) agents.push(await testAgent(t, master.url, 'hollow', { hostname: `m${i}`, ports: [35000 + i * 100, 35099 + i * 100] }));
  const runtime = await startServicesScheduler({ masterUrl: master.url, store: new MemoryServicesStore(), log: testLogger(), clusterPollMs: 100 });
  t.teardown(() => runtime.stop());
  const parsed = parseServiceDocument({ id: '/mover', instances: 2, container: { image: 'busybox:latest', command: 'sleep 1000' }, resources: { cpus: 0.1, memMb: 16 }, killGracePeriodSeconds: 0 });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  await runtime.commit({ put: [newServiceState(parsed.services[0]!, Date.now())], remove: [] });
  const running = () => runtime.view().instances.filter((i) => i.state === 'running');
  const before = await until('2 running', () => running().length === 2 && runtime.view().plans.get('/mover')?.deployment.status === 'stable' && running(), 30_000);

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
