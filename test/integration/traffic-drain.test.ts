// Draining an agent (the master's drain route) that holds instances of a service while a client
// sends requests through the load balancer without pause: the framework moves the instances off,
// each leaving the rotation before its kill, so not one request fails; afterwards nothing on that
// agent answers.
import t from 'tap';
import { isTerminal } from '../../frameworks/services/index.js';
import { requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/poll.js';
import { applyService } from '../helpers/services-apply.js';
import { drain } from '../helpers/services-cluster.js';
import { httpdSpec, SLOW_PATH } from '../helpers/services-httpd.js';
import { startLoad, trafficStack, underLoad, untilServing } from '../helpers/traffic.js';

const ID = '/shop/pay';
const SERVICE_PORT = 27040;
const N = 6;
// Each request takes 0.3 s and an instance dies at once on SIGTERM: one killed while it still had
// requests would fail them. Only draining first (shutdownDelaySeconds) lets them finish.

void t.test('draining an agent that holds instances, under traffic through the load balancer: no failed request', async (t) => {
  if (!(await requireDocker(t))) return;
  const stack = await trafficStack(t, { agents: 3, portBase: 26500 });
  await applyService(stack.runtime, httpdSpec({ id: ID, instances: N, servicePort: SERVICE_PORT, slowSeconds: 0.3, exitOnTerm: true }));
  const before = await untilServing(stack, ID, SERVICE_PORT, N);
  const on = (agentId: string) => before.filter((i) => i.agentId === agentId).length;
  const agent = [...stack.cluster.agents].sort((a, b) => on(b.id) - on(a.id))[0];
  if (!agent) throw new Error('no agent');
  const moved = before.filter((i) => i.agentId === agent.id).map((i) => i.id);
  t.ok(moved.length >= 1, `${agent.hostname} holds ${moved.length} instance(s)`);

  const load = startLoad(t, SERVICE_PORT, { path: SLOW_PATH, concurrency: 8 });
  const e = await underLoad(t, load, 'the drain', async () => {
    await drain(stack.cluster, agent.id);
    // Stable with N before the framework even reacts: first wait for the moves to be over.
    await until(`the instances on ${agent.hostname} moved`, () => {
      const live = stack.runtime.view().instances.filter((i) => i.serviceId === ID && !isTerminal(i.state));
      return live.length === N && live.every((i) => i.agentId !== agent.id);
    }, 90_000, 100);
    return untilServing(stack, ID, SERVICE_PORT, N);
  });
  t.ok(e.value.every((i) => i.agentId !== agent.id), `no instance left on ${agent.hostname}`);
  t.equal(e.all.failures, 0, 'no request failed');
  t.ok(moved.some((id) => (load.summary(0, e.startMs).byInstance[id] ?? 0) > 0), 'the instances on the drained agent answered before the drain');
  t.same(Object.keys(e.after.byInstance).filter((id) => moved.includes(id)), [], 'once it settled, none of them answers');
  t.same(Object.keys(e.after.byInstance).sort(), e.value.map((i) => i.id).sort(), `the ${N} available answer`);
});
