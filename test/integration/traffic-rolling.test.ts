// A rolling upgrade of ten busybox httpd instances on four Docker agents while a client sends
// requests through the load balancer without pause: each old instance leaves the rotation before
// it is killed (drain before kill, shutdownDelaySeconds at its default), so not one request fails;
// the client was answered by both versions along the way and by the new ones only at the end.
import t from 'tap';
import { requireDocker } from '../helpers/docker.js';
import { applyService } from '../helpers/services-apply.js';
import { httpdSpec, SLOW_PATH } from '../helpers/services-httpd.js';
import { startLoad, trafficStack, underLoad, untilServing } from '../helpers/traffic.js';

const ID = '/shop/cart';
const SERVICE_PORT = 27020;
const upgradeStrategy = { minimumHealthCapacity: 0.8, maximumOverCapacity: 0.2 };
// Each request takes 0.3 s and an instance dies at once on SIGTERM: one killed while it still had
// requests would fail them. Only draining first (shutdownDelaySeconds) lets them finish.

void t.test('a rolling upgrade of 10 under traffic through the load balancer: no failed request', async (t) => {
  if (!(await requireDocker(t))) return;
  const stack = await trafficStack(t, { agents: 4, portBase: 25800 });
  const spec = (tag: string) => httpdSpec({ id: ID, instances: 10, tag, upgradeStrategy, servicePort: SERVICE_PORT, slowSeconds: 0.3, exitOnTerm: true });
  const before = await applyService(stack.runtime, spec('v1'));
  const old = (await untilServing(stack, ID, SERVICE_PORT, 10)).map((i) => i.id);

  const load = startLoad(t, SERVICE_PORT, { path: SLOW_PATH, concurrency: 8 });
  const e = await underLoad(t, load, 'the upgrade', async () => {
    const applied = await applyService(stack.runtime, spec('v2'));
    t.equal(applied.targetVersion, before.targetVersion + 1, 'the upgrade is a new version');
    return (await untilServing(stack, ID, SERVICE_PORT, 10, 120_000)).map((i) => i.id);
  });
  const now = e.value;
  t.equal(e.all.failures, 0, 'no request failed');
  t.ok(now.every((id) => !old.includes(id)), 'ten new instances replaced the old ten');
  t.ok(e.during.requests >= 100, `requests went on throughout the upgrade (${e.during.requests})`);
  const answered = Object.keys(e.during.byInstance);
  t.ok(answered.some((id) => old.includes(id)) && answered.some((id) => now.includes(id)), 'old and new instances both answered during the upgrade');
  t.same(Object.keys(e.after.byInstance).filter((id) => !now.includes(id)), [], 'once it settled, only the new instances answer');
});
