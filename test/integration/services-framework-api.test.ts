// The services framework composed as `berth dev` runs it (scheduler, store, commands, HTTP API) on
// a real master with three Docker agents: apply a YAML file over HTTP, read it back healthy one
// per host, plan a fourth instance that has nowhere to go, restart, upgrade, roll back, remove.
import t from 'tap';
import { MemoryServicesStore, startServicesFramework } from '../../frameworks/services/index.js';
import { testAgent } from '../helpers/cluster.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';
import { testLogger } from '../helpers/log.js';
import { getState, testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import type { ApiBody } from '../helpers/services-control.js';

const file = (instances: number, page: string) => `
id: /demo/web
instances: ${instances}
container:
  image: ${BUSYBOX_IMAGE}
  command: mkdir -p /www && echo "${page} $BERTH_INSTANCE_ID" > /www/index.html && exec httpd -f -p "$PORT_HTTP" -h /www
resources: { cpus: 0.1, memMb: 32, ports: [{ name: http }] }
constraints: [{ field: hostname, operator: UNIQUE }]
healthChecks: [{ protocol: HTTP, portName: http, delaySeconds: 0, intervalSeconds: 1, timeoutSeconds: 1, gracePeriodSeconds: 10 }]
upgradeStrategy: { minimumHealthCapacity: 0.6, maximumOverCapacity: 0 }
killGracePeriodSeconds: 1
`;

interface InstanceAnswer {
  id: string;
  version: number;
  hostname: string;
  state: string;
  healthy: boolean | null;
  ports: { http: number };
}

void t.test('the services HTTP API on the real scheduler', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const master = await testMaster(t);
  for (let i = 0; i < 3; i++) {
    await testAgent(t, master.url, 'docker', { hostname: `api-host-${i + 1}`, attributes: {}, ports: [34000 + i * 100, 34099 + i * 100], cpus: 1, memMb: 512 });
  }
  const fw = await startServicesFramework({ masterUrl: master.url, store: new MemoryServicesStore(), http: { port: 0 }, log: testLogger(), failoverTimeoutMs: 60_000, clusterPollMs: 200 });
  t.teardown(() => fw.stop());
  t.match(fw.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'on loopback by default');
  const call = async (method: string, path: string, body?: string, type = 'application/json') => {
    const res = await fetch(`${fw.url}${path}`, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': type } }) });
    return { status: res.status, body: (await res.json()) as ApiBody };
  };
  const get = async () => (await call('GET', '/api/v1/services/demo/web')).body;
  const page = async (i: InstanceAnswer) => (await (await fetch(`http://127.0.0.1:${i.ports.http}/`)).text()).trim();
  const settled = (version: number) => until(`version ${version} stable with 3 healthy instances`, async () => {
    const s = await get();
    const instances = s.instances as InstanceAnswer[];
    return s.status === 'stable' && s.version === version && instances.length === 3 && instances.every((i) => i.state === 'running' && i.healthy === true) && instances;
  }, 90_000, 200);

  const applied = await call('POST', '/api/v1/services', file(3, 'v1'), 'text/yaml');
  t.same(applied.body, { services: [{ id: '/demo/web', version: 1, change: 'create' }], warnings: [], unsupported: [] });
  const one = await settled(1);
  t.same(new Set(one.map((i) => i.hostname)), new Set(['api-host-1', 'api-host-2', 'api-host-3']), 'one instance per host');
  for (const i of one) t.equal(await page(i), `v1 ${i.id}`, 'each serves a page that names it');
  t.match((await call('GET', '/api/v1/services')).body.services, [{ id: '/demo/web', version: 1, instances: 3, running: 3, healthy: 3, status: 'stable' }]);

  const plan = await call('POST', '/api/v1/services/plan', file(4, 'v1'), 'text/yaml');
  t.match(plan.body.services[0], { change: 'update', patch: [{ op: 'replace', path: '/instances', value: 4 }], pending: [{ count: 1, reason: /UNIQUE hostname/ }] }, 'a fourth instance would stay pending, and the plan says why');
  t.equal((await get()).version, 1, 'plan changed nothing');

  const before = new Set(one.map((i) => i.id));
  t.same((await call('POST', '/api/v1/services/demo/web/restart')).body, { id: '/demo/web', version: 2 });
  const two = await settled(2);
  t.ok(two.every((i) => !before.has(i.id)), 'restart replaced every instance');

  t.same((await call('POST', '/api/v1/services', file(3, 'v3'), 'text/yaml')).body.services, [{ id: '/demo/web', version: 3, change: 'update' }]);
  const three = await settled(3);
  t.equal((await page(three[0]!)).split(' ')[0], 'v3', 'the upgrade serves the new page');
  t.same((await call('POST', '/api/v1/services/demo/web/rollback', '{}')).body, { id: '/demo/web', version: 4 });
  const four = await settled(4);
  t.equal((await page(four[0]!)).split(' ')[0], 'v1', 'rolled back to the spec of version 2');
  const history = (await call('GET', '/api/v1/services/demo/web/history')).body;
  t.same(history.deployments.map((d: { toVersion: number; phase: string }) => [d.toVersion, d.phase]), [[1, 'succeeded'], [2, 'succeeded'], [3, 'succeeded'], [4, 'succeeded']]);
  t.equal(history.deployments[3].rollbackOf, 3, 'the last one is a rollback of version 3');

  t.match(await (await fetch(`${fw.url}/metrics`)).text(), /^berth_services_instances\{state="running"\} 3$/m);

  t.same((await call('DELETE', '/api/v1/services/demo/web')).body, { id: '/demo/web', removed: true });
  await until('every task gone', async () => (await getState(master.httpUrl)).tasks.filter((x) => x.state === 'RUNNING').length === 0, 60_000, 200);
  t.match(await call('GET', '/api/v1/services/demo/web'), { status: 404 });
});
