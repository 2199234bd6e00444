// The endpoints with real Docker containers: a service with a health check and a readiness check
// is followed through the services stream (one document per change, so services, details and
// endpoints are seen together), and in every document the endpoints are exactly the instances
// that run, pass their health checks and are ready, at the agent's address and host ports. A scale
// down shows the stopped instance draining (still running, out of the endpoints) before it ends.
import t from 'tap';
import { MemoryServicesStore, startServicesFramework } from '../../frameworks/services/index.js';
import type { InstanceView, ServiceEndpoints } from '../../frameworks/services/index.js';
import { watchState } from '../../protocol/index.js';
import { BUSYBOX_IMAGE, requireDocker } from '../helpers/docker.js';
import { testLogger } from '../helpers/log.js';
import { until } from '../helpers/poll.js';
import { servicesCluster } from '../helpers/services-cluster.js';

// The ready file appears a few seconds after the start, so that instances are seen running but not ready.
const spec = (instances: number) => ({
  id: '/traffic/echo',
  instances,
  container: {
    image: BUSYBOX_IMAGE,
    command: 'mkdir -p /www && echo up > /www/index.html && (sleep 3; echo ok > /www/ready) & exec httpd -f -p "$PORT0" -h /www',
  },
  resources: { cpus: 0.1, memMb: 32, ports: [{ name: 'http', servicePort: 24550 }] },
  healthChecks: [{ protocol: 'HTTP', portName: 'http', path: '/', delaySeconds: 0, intervalSeconds: 1, timeoutSeconds: 1, gracePeriodSeconds: 10 }],
  readinessCheck: { portName: 'http', path: '/ready', intervalSeconds: 1, timeoutSeconds: 1 },
  upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 },
  shutdownDelaySeconds: 2,
  killGracePeriodSeconds: 1,
});

interface Doc {
  details: { instances: InstanceView[] }[];
  endpoints: ServiceEndpoints[];
}

t.test('in every published document the endpoints are the running, healthy and ready instances', async (t) => {
  if (!(await requireDocker(t))) return;
  const cluster = await servicesCluster(t, { agents: 2, portBase: 24000 });
  const fw = await startServicesFramework({ masterUrl: cluster.master.url, store: new MemoryServicesStore(), http: { port: 0 }, log: testLogger(), clusterPollMs: 200 });
  t.teardown(() => fw.stop());

  const docs: Doc[] = [];
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  watchState(`${fw.url.replace(/^http/, 'ws')}/api/v1/stream?include=details,endpoints&service=/traffic/echo`, {
    onUpdate: (doc) => void docs.push(structuredClone(doc) as unknown as Doc),
    signal: controller.signal,
  });
  const apply = async (instances: number) => {
    const res = await fetch(`${fw.url}/api/v1/services`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec(instances)) });
    t.equal(res.status, 200, await res.text());
  };
  await apply(2);
  const inRotation = (i: InstanceView) => i.state === 'running' && i.healthy === true && i.ready === true && i.drainingSinceMs === null;
  const last = () => docs.at(-1);
  await until('both instances in the endpoints', () => last()?.endpoints[0]?.endpoints.length === 2, 90_000, 100);

  await apply(1);
  await until('one instance left', () => {
    const d = last();
    return d?.details[0]?.instances.length === 1 && d.endpoints[0]?.endpoints.length === 1 && d.endpoints[0].draining.length === 0;
  }, 60_000, 100);
  controller.abort();

  let notReadyYet = 0;
  let drainingWhileRunning = 0;
  for (const [k, d] of docs.entries()) {
    const instances = d.details[0]?.instances ?? [];
    const e = d.endpoints[0];
    if (!e) continue;
    const expected = instances.filter(inRotation).map((i) => i.id).sort();
    t.same(e.endpoints.map((x) => x.id), expected, `document ${k}: the endpoints are the instances in rotation`);
    for (const x of e.endpoints) {
      const i = instances.find((y) => y.id === x.id)!;
      t.same([x.host, x.ports, x.agentId, x.hostname], ['127.0.0.1', i.ports, i.agentId, i.hostname], `document ${k}: ${x.id} at its agent's address and host port`);
    }
    t.same(e.draining.map((x) => x.id).sort(), instances.filter((i) => i.drainingSinceMs !== null).map((i) => i.id).sort(), `document ${k}: draining instances are listed apart`);
    if (instances.some((i) => i.state === 'running' && i.healthy === true && i.ready !== true)) notReadyYet++;
    if (instances.some((i) => i.state === 'running' && i.drainingSinceMs !== null)) drainingWhileRunning++;
  }
  t.ok(notReadyYet > 0, 'some documents showed a healthy instance not ready yet, and out of the endpoints');
  t.ok(drainingWhileRunning > 0, 'the scale down drained the stopped instance while it still ran');
  t.same(docs.at(-1)?.endpoints[0]?.servicePorts, { http: 24550 });
});
