// The DNS server on the real services framework with real Docker busybox instances: dig answers
// the SRV records of the instances the framework has in rotation (each pointing at the instance
// that serves there), and they change after a scale up and down.
import t from 'tap';
import { startDnsServer } from '../../frameworks/services/dns/index.js';
import { instanceLabels } from '../../frameworks/services/dns/instance-label.js';
import { MemoryServicesStore, startServicesFramework } from '../../frameworks/services/index.js';
import { digShort, requireDig } from '../helpers/dns-client.js';
import { requireDocker } from '../helpers/docker.js';
import { testLogger } from '../helpers/log.js';
import { until } from '../helpers/poll.js';
import { servicesCluster } from '../helpers/services-cluster.js';
import { getPage, httpdDocument } from '../helpers/services-httpd.js';

interface EndpointAnswer {
  id: string;
  host: string;
  ports: Record<string, number>;
}

t.test('dig answers the current instances\' SRV records, and they change after scale', async (t) => {
  if (!(await requireDocker(t)) || !(await requireDig(t))) return;
  const cluster = await servicesCluster(t, { agents: 2, portBase: 24600 });
  const fw = await startServicesFramework({ masterUrl: cluster.master.url, store: new MemoryServicesStore(), http: { port: 0 }, log: testLogger(), clusterPollMs: 200 });
  t.teardown(() => fw.stop());
  const dns = await startDnsServer({ servicesUrl: fw.url, port: 0, log: testLogger() });
  t.teardown(() => dns.close());

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${fw.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  };
  const endpoints = async (): Promise<EndpointAnswer[]> => {
    const res = await fetch(`${fw.url}/api/v1/services/team/web/endpoints`);
    return ((await res.json()) as { endpoints: EndpointAnswer[] }).endpoints;
  };
  const expected = (es: EndpointAnswer[]) => {
    const labels = instanceLabels('/team/web', es.map((e) => e.id));
    return es.map((e) => `0 1 ${e.ports.http} ${labels.get(e.id)}.web.team.services.berth.`).sort();
  };
  const srv = () => digShort(dns.port, 'SRV', '_http._tcp.web.team.services.berth');
  /** Waits for `count` endpoints in rotation and for dig to answer exactly them. */
  const answersFor = async (count: number) => {
    const es = await until(`${count} endpoints in rotation`, async () => {
      const got = await endpoints();
      return got.length === count && got;
    }, 120_000, 200);
    await until(`dig answering the ${count} endpoints`, async () => JSON.stringify(await srv()) === JSON.stringify(expected(es)), 10_000, 100);
    return { es, lines: await srv() };
  };

  await post('/api/v1/services', httpdDocument({ id: '/team/web', instances: 2 }));
  const two = await answersFor(2);
  t.same(two.lines, expected(two.es), 'two SRV records, one per instance');
  const labels = instanceLabels('/team/web', two.es.map((e) => e.id));
  for (const e of two.es) {
    const label = labels.get(e.id) as string;
    t.same(await digShort(dns.port, 'A', `${label}.web.team.services.berth`), [e.host], `${label} has its host's address`);
    const page = await getPage(e.ports.http);
    t.same(page.ok && page.taskId, e.id, 'the SRV record\'s port is that instance\'s server');
  }
  t.same(await digShort(dns.port, 'A', 'web.team.services.berth'), [...new Set(two.es.map((e) => e.host))].sort());

  await post('/api/v1/services/team/web/scale', { instances: 4 });
  const four = await answersFor(4);
  t.same(four.lines, expected(four.es), 'four after scaling up');
  t.ok(two.lines.every((l) => four.lines.includes(l)), 'the first two kept their records');

  await post('/api/v1/services/team/web/scale', { instances: 1 });
  const one = await answersFor(1);
  t.same(one.lines, expected(one.es), 'one after scaling down');
  t.equal(one.lines.length, 1);
});
