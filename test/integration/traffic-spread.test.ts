// Requests through the load balancer reach every instance: five busybox httpd instances on two
// Docker agents behind one service port, each page naming its instance; a client sending requests
// on new connections gets answers from all five, none failing, and the load balancer's stats
// count them per backend.
import t from 'tap';
import { requireDocker } from '../helpers/docker.js';
import { applyService } from '../helpers/services-apply.js';
import { httpdSpec } from '../helpers/services-httpd.js';
import { lbStats, startLoad, trafficStack, untilServing } from '../helpers/traffic.js';

const ID = '/shop/front';
const SERVICE_PORT = 27010;

void t.test('requests through the load balancer reach all five instances', async (t) => {
  if (!(await requireDocker(t))) return;
  const stack = await trafficStack(t, { agents: 2, portBase: 25600 });
  await applyService(stack.runtime, httpdSpec({ id: ID, instances: 5, servicePort: SERVICE_PORT }));
  const ids = (await untilServing(stack, ID, SERVICE_PORT, 5)).map((i) => i.id).sort();
  t.equal(ids.length, 5, 'five instances run, healthy, in rotation');

  const load = startLoad(t, SERVICE_PORT, { concurrency: 4 });
  await load.more(200);
  const s = await load.stop();
  t.comment(load.describe(s));
  t.equal(s.failures, 0, `no request failed (${JSON.stringify(s.failuresByCode)})`);
  t.same(Object.keys(s.byInstance).sort(), ids, 'every one of the five answered, and nothing else did');
  for (const id of ids) t.ok((s.byInstance[id] ?? 0) >= s.requests / 10, `${id} answered ${s.byInstance[id]} of ${s.requests}: round robin spreads them`);

  const stats = (await lbStats(stack.lbAdminUrl)).services.find((x) => x.servicePort === SERVICE_PORT);
  t.equal(stats?.id, ID, 'the stats name the service on its service port');
  t.same(stats?.backends.map((b) => b.id).sort(), ids, 'and list the five backends');
  t.ok((stats?.connectionsTotal ?? 0) >= s.requests, `the load balancer counted the connections (${stats?.connectionsTotal} for ${s.requests} requests)`);
  for (const b of stats?.backends ?? []) t.equal(b.connectionsTotal, s.byInstance[b.id], `${b.id}: the load balancer counted as many connections as it answered`);
});
