// Autoscaling on request rates through the whole services framework: a real master and agent
// (hollow tasks), the framework reading a load balancer's stats route (a small one in the test
// that counts a fixed total rate over the running instances, in the contract's shape). The count
// settles where the rate needs it, stays there, and comes back to min when the traffic stops.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { MemoryServicesStore, startServicesFramework, type ServiceDetail, type ServiceHistory } from '../../frameworks/services/index.js';
import { testAgent } from '../helpers/cluster.js';
import { testLogger } from '../helpers/log.js';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

const ID = '/api/orders';

void t.test('a service scaled on requests per second settles at the count the rate needs', async (t) => {
  const master = await testMaster(t);
  await testAgent(t, master.url, 'hollow', { ports: [25500, 25599] });

  // The balancer: `totalRps` spread evenly over the running instances, counted since start.
  let servicesUrl = '';
  let totalRps = 50;
  let lastMs = Date.now();
  let reads = 0;
  const counters = new Map<string, number>();
  const lb = createServer((_req, res) => {
    void (async () => {
      const detail = (await (await fetch(`${servicesUrl}/api/v1/services${ID}`)).json()) as ServiceDetail;
      const running = detail.instances.filter((i) => i.state === 'running').map((i) => i.id);
      const now = Date.now();
      for (const id of running) counters.set(id, (counters.get(id) ?? 0) + (totalRps * (now - lastMs)) / 1000 / running.length);
      lastMs = now;
      reads++;
      const backends = running.map((id) => ({ id, address: '127.0.0.1:1', connectionsTotal: 0, requestsTotal: counters.get(id) ?? 0, activeConnections: 0, draining: false }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ services: [{ id: ID, servicePort: 10080, port: 'http', connectionsTotal: 0, requestsTotal: 0, activeConnections: 0, backends }] }));
    })().catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => lb.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => lb.close(() => resolve())));
  const lbUrl = `http://127.0.0.1:${(lb.address() as AddressInfo).port}`;

  const fw = await startServicesFramework({ masterUrl: master.url, store: new MemoryServicesStore(), http: { port: 0 }, log: testLogger(), clusterPollMs: 200, autoscale: { intervalMs: 500, lbUrls: [lbUrl] } });
  t.teardown(() => fw.stop());
  servicesUrl = fw.url;
  const spec = {
    id: ID,
    instances: 1,
    container: { image: 'orders:1', command: 'serve' },
    resources: { cpus: 0.1, memMb: 16, ports: [{ name: 'http' }] },
    autoscale: { min: 1, max: 5, target: { requestsPerSecond: 20 }, stabilizationWindowSeconds: 3, cooldownSeconds: 1 },
  };
  const applied = await fetch(`${fw.url}/api/v1/services`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
  t.equal(applied.status, 200);
  const detail = async () => (await (await fetch(`${fw.url}/api/v1/services${ID}`)).json()) as ServiceDetail;
  const seen: number[] = [];
  const desired = async () => {
    const d = await detail();
    seen.push(d.spec.instances);
    return d;
  };

  // 50 requests/s at 20 per instance: 3 instances (2.5 rounded up; far enough from 2 and 4 that
  // the timing of reads on a busy machine does not tip it).
  await until('scaled to 3', async () => {
    const d = await desired();
    return d.spec.instances === 3 && d.instances.filter((i) => i.state === 'running').length === 3;
  }, 30_000, 100);
  const readsAt3 = reads;
  await until('ten more reads of the balancer at 3 instances', async () => (await desired(), reads >= readsAt3 + 10), 30_000, 100);
  t.equal((await desired()).spec.instances, 3, 'at the target it stays');

  totalRps = 0;
  await until('back to min without traffic', async () => (await desired()).spec.instances === 1, 30_000, 100);
  t.same(seen.filter((n) => n < 1 || n > 3), [], 'never past what the rate needs, never below min');

  const history = (await (await fetch(`${fw.url}/api/v1/services${ID}/history`)).json()) as ServiceHistory;
  const reasons = history.versions.slice(1).map((v) => v.reason ?? '');
  t.ok(reasons.length >= 2, reasons.join(' | '));
  for (const r of reasons) t.match(r, /^autoscale: \d+(\.\d)? requests\/s per instance, target 20(?: \(\d of \d instances sampled\))?(?: \(the highest recommendation of the last 3s\))?, \d -> \d$/);
  t.match(reasons.at(-1), /, 3 -> 1$/);
});
