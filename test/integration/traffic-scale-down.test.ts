// A scale-down from ten busybox httpd instances to three on three Docker agents while a client
// sends requests through the load balancer without pause: the seven removed leave the rotation
// before they are killed, so not one request fails, and afterwards only the three kept answer.
import t from 'tap';
import { requireDocker } from '../helpers/docker.js';
import { applyService } from '../helpers/services-apply.js';
import { httpdSpec, SLOW_PATH } from '../helpers/services-httpd.js';
import { lbStats, startLoad, trafficStack, underLoad, untilServing } from '../helpers/traffic.js';

const ID = '/shop/stock';
const SERVICE_PORT = 27030;
// Each request takes 0.3 s and an instance dies at once on SIGTERM: one killed while it still had
// requests would fail them. Only draining first (shutdownDelaySeconds) lets them finish.
const spec = (instances: number) => httpdSpec({ id: ID, instances, servicePort: SERVICE_PORT, slowSeconds: 0.3, exitOnTerm: true });

void t.test('a scale-down from 10 to 3 under traffic through the load balancer: no failed request', async (t) => {
  if (!(await requireDocker(t))) return;
  const stack = await trafficStack(t, { agents: 3, portBase: 26200 });
  await applyService(stack.runtime, spec(10));
  const ten = (await untilServing(stack, ID, SERVICE_PORT, 10)).map((i) => i.id);

  const load = startLoad(t, SERVICE_PORT, { path: SLOW_PATH, concurrency: 8 });
  const e = await underLoad(t, load, 'the scale-down', async () => {
    await applyService(stack.runtime, spec(3));
    return (await untilServing(stack, ID, SERVICE_PORT, 3)).map((i) => i.id).sort();
  });
  const three = e.value;
  t.equal(e.all.failures, 0, 'no request failed');
  t.equal(three.length, 3, 'three instances left');
  t.ok(three.every((id) => ten.includes(id)), 'the three kept are among the ten: a scale-down starts nothing');
  t.same(Object.keys(e.after.byInstance).sort(), three, 'once it settled, the three kept answer, and only they');
  const stats = (await lbStats(stack.lbAdminUrl)).services.find((x) => x.servicePort === SERVICE_PORT);
  t.same(stats?.backends.map((b) => b.id).sort(), three, 'the load balancer lists the three');
});
