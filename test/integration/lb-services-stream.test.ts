// The load balancer on the services framework's own state stream (the real HTTP API and
// commands over an in-memory control): a service with a service port is proxied to its
// instances' host ports, and an instance the framework marks draining gets no new connections.
import t from 'tap';
import { startLoadBalancer, type ServicePortStats } from '../../frameworks/services/lb/index.js';
import { get, httpBackend } from '../helpers/lb-backends.js';
import { until } from '../helpers/poll.js';
import { freePort } from '../helpers/processes.js';
import { fakeAgents, fakeServicesApi, FakeServicesControl } from '../helpers/services-control.js';

void t.test('the load balancer follows the services framework stream', async (t) => {
  const agents = fakeAgents(2);
  for (const a of agents) a.address = '127.0.0.1';
  const control = new FakeServicesControl(agents);
  const { url, call } = await fakeServicesApi(t, control);
  const servicePort = await freePort();
  const applied = await call('POST', '/api/v1/services', {
    id: '/team/web',
    instances: 2,
    container: { image: 'busybox:1', command: 'httpd -f -p $PORT0' },
    resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http', servicePort }] },
  });
  t.equal(applied.status, 200, JSON.stringify(applied.body));
  control.settle();
  // The fake control only pretends to run instances: real backends stand at their host ports.
  const backends = await Promise.all(control.instances.map((i) => httpBackend(t, i.id)));
  control.instances = control.instances.map((i, k) => ({ ...i, ports: { http: backends[k]!.port } }));

  const lb = await startLoadBalancer({ servicesUrl: url, adminPort: 0 });
  t.teardown(() => lb.close());
  await until('both instances answer through the service port', async () => {
    for (const b of backends) b.requests = 0;
    for (let i = 0; i < 4; i++) await get(servicePort);
    return backends.every((b) => b.requests === 2);
  });

  const [gone, stays] = control.instances;
  control.instances = control.instances.map((i) => (i.id === gone!.id ? { ...i, drainingSinceMs: Date.now() } : i));
  await until('the draining instance is seen', async () => {
    const res = await fetch(`${lb.adminUrl}/api/v1/stats`);
    const s = ((await res.json()) as { services: ServicePortStats[] }).services[0];
    return s?.backends.find((b) => b.id === gone!.id)?.draining;
  });
  const answers = [];
  for (let i = 0; i < 6; i++) answers.push(await get(servicePort));
  t.same(answers.map((a) => ('body' in a ? a.body : a.error)), Array(6).fill(stays!.id), 'new connections go to the instance in rotation only');
});
