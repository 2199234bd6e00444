// The services HTTP API over loopback, on the real commands and an in-memory control: apply, get,
// list, history, scale, restart, rollback and rm round trips; a newer apply supersedes a running
// deployment; routing, body checks, and a store that is down.
import t from 'tap';
import { fakeServicesApi, FakeServicesControl } from '../helpers/services-control.js';

const web = (over: Record<string, unknown> = {}) => ({
  id: '/team/web',
  instances: 3,
  container: { image: 'busybox:1', command: 'httpd -f -p $PORT0' },
  resources: { cpus: 0.5, memMb: 128, ports: [{ name: 'http' }] },
  upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5 },
  ...over,
});
const yaml = (image: string, instances = 3) => [
  'id: /team/web',
  `instances: ${instances}`,
  'container:',
  `  image: ${image}`,
  '  command: httpd -f -p $PORT0',
  'resources: { cpus: 0.5, memMb: 128, ports: [{ name: http }] }',
  'upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5 }',
  '',
].join('\n');

void t.test('apply, get, list and history round trip', async (t) => {
  const { call, control } = await fakeServicesApi(t);
  const applied = await call('POST', '/api/v1/services', yaml('busybox:1'), 'text/yaml');
  t.equal(applied.status, 200, JSON.stringify(applied.body));
  t.same(applied.body, { services: [{ id: '/team/web', version: 1, change: 'create' }], warnings: [], unsupported: [] });
  t.equal(control.commits.length, 1, 'one commit');
  control.settle();

  const got = await call('GET', '/api/v1/services/team/web');
  t.equal(got.status, 200);
  t.match(got.body, { id: '/team/web', version: 1, status: 'stable', spec: { instances: 3, container: { image: 'busybox:1' } }, deployment: { toVersion: 1, fromVersion: null, phase: 'succeeded' }, versions: [1] });
  t.equal(got.body.instances.length, 3);
  t.same(new Set(got.body.instances.map((i: { hostname: string }) => i.hostname)), new Set(['host1', 'host2', 'host3']), 'spread over the three agents');
  t.ok(got.body.instances.every((i: { state: string; healthy: boolean | null; ports: { http: number } }) => i.state === 'running' && i.ports.http >= 31000), 'running, each with its http port');
  const encoded = await call('GET', `/api/v1/services/${encodeURIComponent('/team/web')}`);
  t.equal(encoded.status, 200, 'a percent-encoded id names the same service');
  t.equal(encoded.body.id, '/team/web');

  const list = await call('GET', '/api/v1/services');
  t.same(list.body.services.map((s: { id: string; version: number; instances: number; running: number; healthy: number; status: string; role: string }) => [s.id, s.version, s.instances, s.running, s.healthy, s.status, s.role]), [['/team/web', 1, 3, 3, 3, 'stable', '*']]);

  const again = await call('POST', '/api/v1/services', JSON.stringify(web()), 'application/json');
  t.same(again.body.services, [{ id: '/team/web', version: 1, change: 'unchanged' }], 'the same spec in JSON changes nothing');
  t.equal(control.commits.length, 1, 'and commits nothing');

  const upgraded = await call('POST', '/api/v1/services', yaml('busybox:2'), 'application/x-yaml');
  t.same(upgraded.body.services, [{ id: '/team/web', version: 2, change: 'update' }]);
  control.settle();
  const after = await call('GET', '/api/v1/services/team/web');
  t.ok(after.body.instances.every((i: { version: number }) => i.version === 2), 'every instance replaced by version 2');
  const history = await call('GET', '/api/v1/services/team/web/history');
  t.equal(history.status, 200);
  t.same(history.body.versions.map((v: { version: number; configVersion: number; spec: { container: { image: string } } }) => [v.version, v.configVersion, v.spec.container.image]), [[1, 1, 'busybox:1'], [2, 2, 'busybox:2']]);
  t.same(history.body.deployments.map((d: { fromVersion: number | null; toVersion: number; phase: string }) => [d.fromVersion, d.toVersion, d.phase]), [[null, 1, 'succeeded'], [1, 2, 'succeeded']]);
});

void t.test('scale, restart, rollback and rm', async (t) => {
  const { call, control } = await fakeServicesApi(t);
  await call('POST', '/api/v1/services', web());
  control.settle();
  const ids = async () => (await call('GET', '/api/v1/services/team/web')).body.instances.map((i: { id: string }) => i.id).sort() as string[];
  const before = await ids();

  const scaled = await call('POST', '/api/v1/services/team/web/scale', { instances: 5 });
  t.same(scaled, { status: 200, body: { id: '/team/web', version: 2 } });
  control.settle();
  const five = await ids();
  t.equal(five.length, 5);
  t.ok(before.every((id) => five.includes(id)), 'scaling keeps the running instances');
  const h = await call('GET', '/api/v1/services/team/web/history');
  t.same(h.body.versions.map((v: { configVersion: number }) => v.configVersion), [1, 1], 'same configuration');
  t.same(await call('POST', '/api/v1/services/team/web/scale', { instances: 5 }), { status: 200, body: { id: '/team/web', version: 2 } }, 'scaling to the same count adds no version');

  const restarted = await call('POST', '/api/v1/services/team/web/restart');
  t.same(restarted.body, { id: '/team/web', version: 3 });
  control.settle();
  const fresh = await ids();
  t.equal(fresh.length, 5);
  t.ok(fresh.every((id) => !five.includes(id)), 'a restart replaces every instance');

  const upgraded = await call('POST', '/api/v1/services', web({ instances: 5, container: { image: 'busybox:2', command: 'httpd -f -p $PORT0' } }));
  t.equal(upgraded.body.services[0].version, 4);
  control.settle();
  const back = await call('POST', '/api/v1/services/team/web/rollback', {});
  t.same(back.body, { id: '/team/web', version: 5 }, 'rollback is a new version');
  control.settle();
  const rolled = await call('GET', '/api/v1/services/team/web');
  t.equal(rolled.body.spec.container.image, 'busybox:1', 'with the spec of the last good version before the upgrade');
  const toFirst = await call('POST', '/api/v1/services/team/web/rollback', { toVersion: 4 });
  t.same(toFirst.body, { id: '/team/web', version: 6 });
  t.match(await call('POST', '/api/v1/services/team/web/rollback', { toVersion: 99 }), { status: 400, body: { code: 'BAD_REQUEST', field: 'toVersion' } });
  t.match(await call('POST', '/api/v1/services/nope/rollback', {}), { status: 404, body: { code: 'NOT_FOUND' } });
  const history = await call('GET', '/api/v1/services/team/web/history');
  t.same(history.body.deployments.at(-1), { ...history.body.deployments.at(-1), toVersion: 6, rollbackOf: 5, phase: 'running' }, 'a rollback deployment says what it rolls back');

  const removed = await call('DELETE', '/api/v1/services/team/web');
  t.same(removed, { status: 200, body: { id: '/team/web', removed: true } });
  t.ok(control.instances.every((i) => i.state === 'killed'), 'its instances are killed');
  t.match(await call('GET', '/api/v1/services/team/web'), { status: 404, body: { code: 'NOT_FOUND', field: 'id' } });
  t.match(await call('DELETE', '/api/v1/services/team/web'), { status: 404 });
});

void t.test('a newer apply supersedes a running deployment', async (t) => {
  const { call, control } = await fakeServicesApi(t);
  await call('POST', '/api/v1/services', web());
  control.settle();
  await call('POST', '/api/v1/services', web({ container: { image: 'busybox:2', command: 'httpd -f -p $PORT0' } }));
  control.step();
  const mid = await call('GET', '/api/v1/services/team/web');
  t.match(mid.body, { status: 'deploying', deployment: { toVersion: 2, phase: 'running' } });
  await call('POST', '/api/v1/services', web({ container: { image: 'busybox:3', command: 'httpd -f -p $PORT0' } }));
  const h = await call('GET', '/api/v1/services/team/web/history');
  t.match(h.body.deployments.map((d: { toVersion: number; phase: string; supersededBy?: number }) => ({ to: d.toVersion, phase: d.phase, by: d.supersededBy })), [{ to: 1, phase: 'succeeded' }, { to: 2, phase: 'superseded', by: 3 }, { to: 3, phase: 'running' }]);
  control.settle();
  const done = await call('GET', '/api/v1/services/team/web');
  t.match(done.body, { version: 3, status: 'stable', deployment: { toVersion: 3, fromVersion: 2, phase: 'succeeded' } });
  t.ok(done.body.instances.every((i: { version: number }) => i.version === 3), 'only version 3 runs');
  t.equal(done.body.instances.length, 3);
});

void t.test('routing, body checks and errors', async (t) => {
  const { call, control } = await fakeServicesApi(t);
  await call('POST', '/api/v1/services', web());
  const cases: [string, string, string | object | undefined, string | undefined, number, Record<string, unknown>][] = [
    ['POST', '/api/v1/services/team/web/scale', { instances: -1 }, undefined, 400, { code: 'BAD_REQUEST', field: 'instances' }],
    ['POST', '/api/v1/services/team/web/scale', { instances: 2.5 }, undefined, 400, { field: 'instances' }],
    ['POST', '/api/v1/services/team/web/scale', { instances: '3' }, undefined, 400, { field: 'instances' }],
    ['POST', '/api/v1/services/team/web/scale', {}, undefined, 400, { field: 'instances' }],
    ['POST', '/api/v1/services/team/web/scale', { instances: 2, replicas: 2 }, undefined, 400, { field: 'replicas' }],
    ['POST', '/api/v1/services/team/web/scale', '[3]', 'application/json', 400, { field: 'body' }],
    ['POST', '/api/v1/services/team/web/scale', '{"instances": ', 'application/json', 400, { field: 'body' }],
    ['POST', '/api/v1/services/team/web/scale', 'instances=3', 'application/x-www-form-urlencoded', 415, { code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' }],
    ['POST', '/api/v1/services/team/web/rollback', { toVersion: 0 }, undefined, 400, { field: 'toVersion' }],
    ['POST', '/api/v1/services/team/web/rollback', { to: 1 }, undefined, 400, { field: 'to' }],
    ['POST', '/api/v1/services/team/web/rollback', {}, undefined, 409, { code: 'CONFLICT', field: 'toVersion' }],
    ['POST', '/api/v1/services/team/web/restart', { now: true }, undefined, 400, { field: 'now' }],
    ['GET', '/api/v1/services/team/web/scale', undefined, undefined, 405, { code: 'METHOD_NOT_ALLOWED', field: 'method' }],
    ['PUT', '/api/v1/services/team/web', web(), undefined, 405, { code: 'METHOD_NOT_ALLOWED' }],
    ['DELETE', '/api/v1/services', undefined, undefined, 405, { code: 'METHOD_NOT_ALLOWED' }],
    ['GET', '/api/v1/servicesx', undefined, undefined, 404, { code: 'NOT_FOUND', field: 'path' }],
    ['GET', '/api/v1/services/%E0%A4%A', undefined, undefined, 400, { code: 'BAD_REQUEST', field: 'path' }],
    ['POST', '/api/v1/services/nope/scale', { instances: 1 }, undefined, 404, { code: 'NOT_FOUND', field: 'id' }],
    ['POST', '/api/v1/services', 'x', 'image/png', 415, { code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' }],
  ];
  for (const [method, path, body, type, status, expected] of cases) {
    const r = await call(method, path, body, type);
    t.match(r, { status, body: expected }, `${method} ${path} ${typeof body === 'string' ? body : JSON.stringify(body)} -> ${status}`);
    t.type(r.body.message, 'string');
  }
  t.equal(control.commits.length, 1, 'none of them committed anything');
  t.same(await call('GET', '/health'), { status: 200, body: { ok: true } });
});

void t.test('a store that is down: 503, nothing changed, and it works once the store is back', async (t) => {
  const control = new FakeServicesControl();
  const { call } = await fakeServicesApi(t, control);
  await call('POST', '/api/v1/services', web());
  control.storeDown = true;
  const refused = await call('POST', '/api/v1/services', web({ instances: 4 }));
  t.match(refused, { status: 503, body: { code: 'STORE_UNAVAILABLE' } });
  t.match(await call('POST', '/api/v1/services/team/web/scale', { instances: 6 }), { status: 503, body: { code: 'STORE_UNAVAILABLE' } });
  t.match(await call('DELETE', '/api/v1/services/team/web'), { status: 503 });
  const still = await call('GET', '/api/v1/services/team/web');
  t.match(still.body, { version: 1, spec: { instances: 3 }, versions: [1] }, 'the service is as it was');
  control.storeDown = false;
  t.same((await call('POST', '/api/v1/services', web({ instances: 4 }))).body.services, [{ id: '/team/web', version: 2, change: 'update' }]);
});

void t.test('metrics: services, instances by state, deployments by phase', async (t) => {
  const { call, control } = await fakeServicesApi(t);
  await call('POST', '/api/v1/services', web());
  control.settle();
  await call('POST', '/api/v1/services', web({ id: '/team/api', instances: 1 }));
  const res = await call('GET', '/metrics');
  t.equal(res.status, 200);
  const text = res.body.text as string;
  t.match(text, /^berth_services_services 2$/m);
  t.match(text, /^berth_services_instances\{state="running"\} 3$/m);
  t.match(text, /^berth_services_deployments\{phase="succeeded"\} 1$/m);
  t.match(text, /^berth_services_deployments\{phase="running"\} 1$/m);
});

void t.test('plan: a dependency on a running service, the untouched ones, and an update\'s patch', async (t) => {
  const { call, control } = await fakeServicesApi(t);
  await call('POST', '/api/v1/services', JSON.stringify({ services: [web({ id: '/team/db', instances: 1 }), web({ id: '/team/cache', instances: 1 })] }));
  control.settle();
  const file = web({ dependencies: ['/team/db'] });
  const plan = await call('POST', '/api/v1/services/plan', JSON.stringify(file), '');
  t.equal(plan.status, 200, JSON.stringify(plan.body));
  t.same(plan.body.untouched, ['/team/cache', '/team/db'], 'apply would leave the services the file does not name');
  t.match(plan.body.services[0], { id: '/team/web', change: 'create', steps: [{ kind: 'launch', count: 3 }] }, 'its dependency is stable, so it launches at once');
  t.equal(control.commits.length, 1, 'plan commits nothing');
  t.equal((await call('POST', '/api/v1/services', JSON.stringify(file))).status, 200, 'and apply takes it');
  control.settle();
  const update = await call('POST', '/api/v1/services/plan', JSON.stringify({ ...file, instances: 4 }), 'text/plain');
  t.match(update.body.services[0], { change: 'update', fromVersion: 1, patch: [{ op: 'replace', path: '/instances', value: 4 }] });
  t.same(update.body.services[0].patch.length, 1, 'only instances changes');
  t.match(update.body.services[0].steps, [{ kind: 'launch', count: 1 }], 'one more instance, the three running stay');
  t.same(update.body.services[0].dominantShare.before.resource, 'cpus');
  t.ok(update.body.services[0].dominantShare.after.share > update.body.services[0].dominantShare.before.share, 'the role\'s share grows');
  const removed = await call('DELETE', '/api/v1/services/team/db');
  t.match(removed, { status: 409, body: { code: 'CONFLICT', field: 'id' } }, 'a service others depend on stays');
});
