// The services framework on a real master with five Docker agents: five httpd instances with
// UNIQUE hostname land one per agent, healthy, each page naming its instance; scaled to six, the
// sixth stays pending and the plan says why, while the five keep serving. Then an agent drains:
// its instance has nowhere to go, so it stays (never killed without a replacement serving).
import t from 'tap';
import { requireDocker } from '../helpers/docker.js';
import { getState } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { masterTaskEvents } from '../helpers/services-events.js';
import { drain, servicesCluster, servicesRuntime } from '../helpers/services-cluster.js';
import { applyService, available, untilStable } from '../helpers/services-apply.js';
import { httpdSpec, readPage } from '../helpers/services-httpd.js';
import { ServiceSampler } from '../helpers/services-sampler.js';

const ID = '/shop/web';

void t.test('UNIQUE hostname over 5 agents: 5 healthy, one per agent; a sixth stays pending with why; a drained agent keeps an instance that cannot move', async (t) => {
  if (!(await requireDocker(t))) return;
  const cluster = await servicesCluster(t, { agents: 5, portBase: 21000 });
  const runtime = await servicesRuntime(t, cluster);
  const spec = httpdSpec({ id: ID, instances: 5, constraints: [{ field: 'hostname', operator: 'UNIQUE' }] });
  await applyService(runtime, spec);
  await untilStable(runtime, ID, 5);

  const instances = available(runtime, ID);
  t.equal(instances.length, 5, 'five instances running and healthy');
  t.same(instances.map((i) => i.hostname).sort(), cluster.agents.map((a) => a.hostname).sort(), 'one on each hostname');
  t.same(instances.map((i) => i.agentId).sort(), cluster.agents.map((a) => a.id).sort(), 'one on each agent');
  for (const i of instances) {
    const port = i.ports.http;
    const range = cluster.agents.find((a) => a.id === i.agentId)?.ports;
    t.ok(port !== undefined && range !== undefined && port >= range[0] && port <= range[1], `${i.id} has an http port of its agent's range: ${port}`);
    const page = await readPage(port ?? 0);
    t.equal(page?.taskId, i.id, `the page on port ${port} names instance ${i.id}`);
    t.equal(page?.tag, 'v1', 'of version 1');
  }
  const master = await getState(cluster.master.httpUrl);
  const fw = master.frameworks.find((f) => f.name === 'services');
  const tasks = master.tasks.filter((x) => x.frameworkId === fw?.id);
  t.same(tasks.map((x) => x.id).sort(), instances.map((i) => i.id).sort(), 'the master runs exactly those five');
  t.ok(tasks.every((x) => x.state === 'RUNNING' && x.health === 'healthy'), 'all RUNNING and healthy at the master');

  const sampler = new ServiceSampler({ serviceId: ID, masterHttpUrl: cluster.master.httpUrl, control: runtime }).start();
  await applyService(runtime, { ...spec, instances: 6 });
  const pending = await until('the plan of version 2 says why the sixth waits', () => {
    const view = runtime.view();
    const plan = view.plans.get(ID);
    if (view.states.get(ID)?.targetVersion !== 2 || !plan) return undefined;
    const hints = plan.steps.flatMap((s) => (s.kind === 'launch' ? s.placementHints.pending : []));
    const reason = [...plan.reasons, ...hints.map((p) => p.reason)].find((r) => r.includes('UNIQUE hostname'));
    return reason === undefined ? undefined : { reason, hints, plan };
  }, 30_000, 50);
  t.match(pending.reason, /UNIQUE hostname: 5 agents already hold an instance/, `the reason: ${pending.reason}`);
  t.equal(pending.hints.reduce((n, p) => n + p.count, 0), 1, 'one instance pending');
  t.not(pending.plan.deployment.status, 'stable', 'the service is not reported stable with 5 of 6');
  t.equal(pending.plan.deployment.desired, 6, 'six asked for');

  // Keep watching while offers keep coming: the sixth never starts, the five keep serving.
  await sampler.more(30);
  await sampler.stop();
  t.comment(`${sampler.samples.length} samples, longest gap ${sampler.longestGapMs()} ms`);
  t.equal(sampler.max((s) => s.viewLive), 5, 'the framework never had a sixth instance');
  t.equal(sampler.max((s) => s.masterLive), 5, 'the master never had a sixth task');
  t.equal(sampler.min((s) => s.viewHealthy), 5, 'the five stayed healthy (scaling restarts nothing)');
  t.equal(sampler.min((s) => s.httpServing), 5, 'the five kept answering over HTTP');
  const still = runtime.view().plans.get(ID);
  t.ok(still?.reasons.some((r) => r.includes('UNIQUE hostname')) || still?.steps.some((s) => s.kind === 'launch' && s.placementHints.pending.some((p) => p.reason.includes('UNIQUE hostname'))), 'still pending, for the same reason');

  // Drain an agent: UNIQUE hostname leaves its instance no other agent, so it must stay.
  const [target] = cluster.agents;
  if (!target) throw new Error('no agent');
  const stays = available(runtime, ID).find((i) => i.agentId === target.id);
  t.ok(stays, `${target.hostname} holds ${stays?.id}`);
  const watch = new ServiceSampler({ serviceId: ID, masterHttpUrl: cluster.master.httpUrl, control: runtime }).start();
  await drain(cluster, target.id);
  const stuck = await until('the plan says the draining agent\'s instance cannot move', () => {
    const view = runtime.view();
    if (!view.agents.find((a) => a.id === target.id)?.draining) return undefined;
    const plan = view.plans.get(ID);
    const reasons = [...(plan?.reasons ?? []), ...(plan?.steps ?? []).flatMap((s) => (s.kind === 'launch' ? s.placementHints.pending.map((p) => p.reason) : []))];
    return reasons.find((r) => /draining/.test(r));
  }, 30_000, 50);
  t.match(stuck, /draining/, `why it stays: ${stuck}`);
  await watch.more(30);
  await watch.stop();
  t.equal(watch.min((s) => s.viewHealthy), 5, 'five healthy at every sample while the agent drains');
  t.equal(watch.min((s) => s.httpServing), 5, 'five answering over HTTP at every sample');
  t.equal(watch.max((s) => s.masterLive), 5, 'nothing extra launched');
  t.ok(available(runtime, ID).some((i) => i.id === stays?.id), `${stays?.id} still runs on the draining agent`);
  const events = await masterTaskEvents(cluster.masterStore);
  t.notOk(events.some((e) => e.taskId === stays?.id && e.killAsked), 'nobody asked to kill it');
});
