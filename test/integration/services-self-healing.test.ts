// Self-healing and moving instances on four Docker agents: a container killed behind the
// framework's back (docker kill) is replaced; the instances of a drained agent and of an agent
// under memory pressure are moved elsewhere, each replacement reported healthy (in the master's
// event log) before an old instance is killed, and never fewer than the service's size serving;
// the instances of an agent that drops off are replaced, and killed once it comes back.
import t, { type Test } from 'tap';
import { dockerClient, requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/poll.js';
import { drain, servicesCluster, servicesRuntime, type ClusterAgent, type ServicesCluster } from '../helpers/services-cluster.js';
import { applyService, available, untilStable } from '../helpers/services-apply.js';
import { firstKill, killsBeforeReplacements, masterTaskEvents, moveOrder } from '../helpers/services-events.js';
import { httpdSpec } from '../helpers/services-httpd.js';
import { ServiceSampler } from '../helpers/services-sampler.js';
import type { ServicesRuntime } from '../../frameworks/services/index.js';

const ID = '/shop/search';
const N = 6;

/** The busiest agent among those given (the one that holds the most instances). */
function busiest(runtime: ServicesRuntime, agents: ClusterAgent[]): ClusterAgent {
  const on = (a: ClusterAgent) => available(runtime, ID).filter((i) => i.agentId === a.id).length;
  const sorted = [...agents].sort((a, b) => on(b) - on(a));
  if (!sorted[0] || on(sorted[0]) === 0) throw new Error('no agent holds an instance');
  return sorted[0];
}

/**
 * Makes `agent` unusable with `act`, then checks its instances moved: each killed only after one
 * more replacement was healthy, none left there (framework, master, Docker), N serving throughout.
 */
async function checkMoved(t: Test, cluster: ServicesCluster, runtime: ServicesRuntime, agent: ClusterAgent, act: () => Promise<void>): Promise<void> {
  const before = available(runtime, ID);
  const moved = before.filter((i) => i.agentId === agent.id).map((i) => i.id);
  t.ok(moved.length >= 1, `${agent.hostname} holds ${moved.length} instance(s) to move`);
  const sampler = new ServiceSampler({ serviceId: ID, masterHttpUrl: cluster.master.httpUrl, control: runtime }).start();
  await sampler.more(3);
  await act();
  await until(`the instances on ${agent.hostname} moved`, () => {
    const now = available(runtime, ID);
    return now.length === N && now.every((i) => i.agentId !== agent.id) && runtime.view().instances.every((i) => i.agentId !== agent.id || ['killed', 'failed', 'finished', 'error', 'lost', 'gone'].includes(i.state));
  }, 90_000, 100);
  await untilStable(runtime, ID, N);
  await sampler.more(3);
  await sampler.stop();
  t.comment(`${sampler.samples.length} samples, longest gap ${sampler.longestGapMs()} ms`);

  const after = available(runtime, ID);
  const replacements = after.filter((i) => !before.some((b) => b.id === i.id)).map((i) => i.id);
  t.equal(replacements.length, moved.length, `${moved.length} replacement(s) started`);
  t.ok(after.every((i) => i.agentId !== agent.id), `nothing left on ${agent.hostname}`);
  const events = await masterTaskEvents(cluster.masterStore);
  for (const id of moved) t.ok(firstKill(events, id) !== undefined, `${id} was killed`);
  for (const line of moveOrder(events, moved, replacements)) t.comment(`master log ${line}`);
  t.same(killsBeforeReplacements(events, moved, replacements), [], 'each old instance was killed only after one more replacement was healthy');
  t.ok(sampler.min((s) => s.viewHealthy) >= N, `${N} healthy at every sample (lowest ${sampler.min((s) => s.viewHealthy)})`);
  const low = sampler.lowest((s) => s.httpServing);
  t.ok(sampler.min((s) => s.httpServing) >= N, `${N} answering over HTTP at every sample (lowest ${low?.httpServing}; missing then: ${JSON.stringify(low?.httpMisses)})`);
  const left = await until(`no container left on ${agent.hostname}`, async () => {
    const list = await dockerClient().listContainers({ filters: { label: [`berth.agent_id=${agent.id}`], status: ['running'] } });
    return list.length === 0 ? list : undefined;
  }, 20_000);
  t.equal(left.length, 0, 'no container of the framework runs there');
}

void t.test('killed, drained and pressured: instances are replaced and moved, replacement first', async (t) => {
  if (!(await requireDocker(t))) return;
  const cluster = await servicesCluster(t, { agents: 4, portBase: 22800, agentReregisterTimeoutMs: 1_000 });
  const runtime = await servicesRuntime(t, cluster);
  await applyService(runtime, httpdSpec({ id: ID, instances: N }));
  await untilStable(runtime, ID, N);

  await t.test('a container killed with docker kill is replaced', async (t) => {
    const [victim] = available(runtime, ID);
    if (!victim) throw new Error('no instance');
    const [container] = await dockerClient().listContainers({ filters: { label: [`berth.task_id=${victim.id}`] } });
    t.ok(container, `${victim.id} has a container`);
    await dockerClient().getContainer(container?.Id ?? '').kill();
    await until(`${victim.id} seen ended`, () => !available(runtime, ID).some((i) => i.id === victim.id), 30_000, 50);
    await untilStable(runtime, ID, N);
    const now = available(runtime, ID);
    t.equal(now.length, N, `${N} healthy again`);
    t.notOk(now.some((i) => i.id === victim.id), 'the killed instance is not among them');
    const events = await masterTaskEvents(cluster.masterStore);
    const end = events.filter((e) => e.taskId === victim.id).at(-1);
    t.match(end?.state, /^(FAILED|KILLED)$/, `the master recorded its end: ${end?.state}`);
    t.notOk(events.some((e) => e.taskId === victim.id && e.killAsked), 'nobody asked the master to kill it');
  });

  await t.test('a drained agent\'s instances are moved', async (t) => {
    const agent = busiest(runtime, cluster.agents);
    await checkMoved(t, cluster, runtime, agent, () => drain(cluster, agent.id));
    const undrain = await fetch(`${cluster.master.httpUrl}/api/v1/agents/${agent.id}/undrain`, { method: 'POST' });
    t.equal(undrain.status, 200, 'undrained for the next subtest');
  });

  await t.test('a pressured agent\'s instances are moved', async (t) => {
    const agent = busiest(runtime, cluster.agents);
    t.teardown(() => agent.setPressure(false));
    await checkMoved(t, cluster, runtime, agent, async () => agent.setPressure(true));
  });

  await t.test('an unreachable agent\'s instances are replaced, and killed when it comes back', async (t) => {
    const agent = busiest(runtime, cluster.agents);
    const before = available(runtime, ID);
    const cut = before.filter((i) => i.agentId === agent.id).map((i) => i.id);
    t.ok(cut.length >= 1, `${agent.hostname} holds ${cut.length} instance(s)`);
    await agent.disconnect();
    await until(`instances on ${agent.hostname} seen unreachable`, () => runtime.view().instances.filter((i) => cut.includes(i.id) && i.state === 'unreachable').length === cut.length, 30_000, 50);
    await until(`${N} available elsewhere`, () => available(runtime, ID).filter((i) => i.agentId !== agent.id).length === N, 60_000, 100);
    const fwId = runtime.frameworkId ?? '';
    const stillThere = await dockerClient().listContainers({ filters: { label: [`berth.agent_id=${agent.id}`, `berth.framework_id=${fwId}`], status: ['running'] } });
    t.equal(stillThere.length, cut.length, 'the cut-off containers still run while their agent is away (nothing could stop them)');

    await agent.reconnect();
    await until(`the old instances on ${agent.hostname} killed`, async () => {
      const list = await dockerClient().listContainers({ filters: { label: [`berth.agent_id=${agent.id}`, `berth.framework_id=${fwId}`], status: ['running'] } });
      return list.length === 0;
    }, 60_000, 100);
    await untilStable(runtime, ID, N);
    const after = available(runtime, ID);
    t.equal(after.length, N, `${N} available`);
    t.notOk(after.some((i) => cut.includes(i.id)), 'none of the cut-off instances among them');
    const total = await dockerClient().listContainers({ filters: { label: [`berth.framework_id=${fwId}`], status: ['running'] } });
    t.equal(total.length, N, `exactly ${N} containers of the framework run in Docker`);
    const events = await masterTaskEvents(cluster.masterStore);
    for (const id of cut) {
      const last = events.filter((e) => e.taskId === id).at(-1);
      t.match(last?.state, /^(KILLED|GONE|LOST)$/, `${id} ended at the master: ${last?.state}`);
    }
  });
});
