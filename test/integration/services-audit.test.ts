// The services framework's audit log over HTTP: every change (apply per service, scale, restart,
// rollback, remove) is recorded with who asked before the answer, refused ones with their error;
// GET /api/v1/audit reads it back with a checked limit.
import t from 'tap';
import { MemoryServicesStore, RedisServicesStore, type FrameworkAuditEvent } from '../../frameworks/services/index.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import { fakeServicesApi, FakeServicesControl } from '../helpers/services-control.js';

const web = (over: Record<string, unknown> = {}) => ({
  id: '/team/web',
  instances: 2,
  container: { image: 'busybox:1', command: 'httpd -f -p $PORT0' },
  resources: { cpus: 0.5, memMb: 128, ports: [{ name: 'http' }] },
  ...over,
});

const brief = (events: FrameworkAuditEvent[]) => events.map((e) => ({ who: e.who, action: e.action, subject: e.subject, details: e.details, result: e.result }));

void t.test('each change is recorded with who asked, what and when, before the answer', async (t) => {
  const store = new MemoryServicesStore();
  const { call, control } = await fakeServicesApi(t, new FakeServicesControl(), store);
  const before = Date.now();
  const applied = await call('POST', '/api/v1/services', { services: [web(), web({ id: '/team/api', instances: 1 })] }, undefined, 'alice');
  t.equal(applied.status, 200, JSON.stringify(applied.body));
  const first = await store.audit(10);
  t.same(brief(first), [
    { who: 'alice', action: 'service.apply', subject: 'service/team/web', details: { version: 1, change: 'create' }, result: 'ok' },
    { who: 'alice', action: 'service.apply', subject: 'service/team/api', details: { version: 1, change: 'create' }, result: 'ok' },
  ], 'written by the time the answer came');
  t.ok(first.every((e) => /^audit-[0-9a-f-]{36}$/.test(e.id) && e.atMs >= before && e.atMs <= Date.now() && e.error === undefined));
  control.settle();

  await call('POST', '/api/v1/services/team/web/scale', { instances: 4 }, undefined, 'bob');
  control.settle();
  await call('POST', '/api/v1/services/team/web/restart', undefined, undefined, 'bob');
  control.settle();
  const back = await call('POST', '/api/v1/services/team/web/rollback', { toVersion: 1 });
  t.equal(back.status, 200, JSON.stringify(back.body));
  t.equal((await call('DELETE', '/api/v1/services/team/api', undefined, undefined, 'carol')).status, 200);

  const read = await call('GET', '/api/v1/audit');
  t.equal(read.status, 200);
  t.same(brief(read.body.events as FrameworkAuditEvent[]).slice(2), [
    { who: 'bob', action: 'service.scale', subject: 'service/team/web', details: { instances: 4 }, result: 'ok' },
    { who: 'bob', action: 'service.restart', subject: 'service/team/web', details: {}, result: 'ok' },
    { who: 'anonymous', action: 'service.rollback', subject: 'service/team/web', details: { toVersion: 1 }, result: 'ok' },
    { who: 'carol', action: 'service.remove', subject: 'service/team/api', details: {}, result: 'ok' },
  ]);
  t.same((await call('GET', '/api/v1/audit?limit=1')).body.events.map((e: FrameworkAuditEvent) => e.action), ['service.remove'], 'the newest one');
  await call('GET', '/api/v1/services/team/web');
  await call('POST', '/api/v1/services/plan', web({ instances: 9 }));
  t.equal((await store.audit(100)).length, 6, 'reads and plans are not changes');
});

void t.test('refused changes are recorded with their error; a bad user header is refused unrecorded', async (t) => {
  const store = new MemoryServicesStore();
  const { call } = await fakeServicesApi(t, new FakeServicesControl(), store);
  t.match(await call('POST', '/api/v1/services/team/nope/scale', { instances: 2 }, undefined, 'alice'), { status: 404 });
  t.match(await call('POST', '/api/v1/services/team/nope/scale', { instances: -1 }, undefined, 'alice'), { status: 400, body: { field: 'instances' } });
  t.match(await call('POST', '/api/v1/services/team/web/rollback', '{not json', undefined, 'alice'), { status: 400, body: { field: 'body' } });
  t.match(await call('POST', '/api/v1/services', web({ instances: 'many' }), undefined, 'alice'), { status: 400 });
  const events = await store.audit(10);
  t.same(events.map((e) => [e.action, e.subject, e.result, e.error?.code]), [
    ['service.scale', 'service/team/nope', 'refused', 'NOT_FOUND'],
    ['service.scale', 'service/team/nope', 'refused', 'BAD_REQUEST'],
    ['service.rollback', 'service/team/web', 'refused', 'BAD_REQUEST'],
    ['service.apply', 'service/*', 'refused', 'BAD_REQUEST'],
  ]);
  t.match(events[0]!.error, { message: /no service \/team\/nope/ });
  t.match(events[1]!.error, { message: /instances must be an integer/ });

  const badUser = await call('POST', '/api/v1/services/team/nope/scale', { instances: 2 }, undefined, 'x'.repeat(129));
  t.match(badUser, { status: 400, body: { code: 'BAD_REQUEST', field: 'x-berth-user' } });
  t.equal((await store.audit(10)).length, 4, 'nothing recorded for it');
});

void t.test('a change that fails is recorded failed; an event that cannot be written is a 503 saying what was done', async (t) => {
  const store = new MemoryServicesStore();
  const control = new FakeServicesControl();
  const { call } = await fakeServicesApi(t, control, store);
  await call('POST', '/api/v1/services', web());
  control.storeDown = true;
  t.match(await call('POST', '/api/v1/services/team/web/scale', { instances: 3 }, undefined, 'alice'), { status: 503 });
  control.storeDown = false;
  t.match((await store.audit(1))[0], { who: 'alice', action: 'service.scale', result: 'failed', error: { code: 'STORE_UNAVAILABLE' } });

  store.appendAudit = () => Promise.reject(new Error('audit list full'));
  const scaled = await call('POST', '/api/v1/services/team/web/scale', { instances: 3 });
  t.match(scaled, { status: 503, body: { code: 'STORE_UNAVAILABLE', message: /^the change was made, but its audit event could not be recorded: audit list full/ } });
  t.match((await call('GET', '/api/v1/services/team/web')).body, { spec: { instances: 3 } }, 'the change was made');
});

void t.test('in Redis the events are durable before the answer and trimmed to the newest', async (t) => {
  const server = await startRedis(t);
  if (!server) return;
  const prefix = uniquePrefix('services-audit');
  const store = await RedisServicesStore.connect(server.url, prefix, undefined, { auditMaxLen: 2 });
  t.teardown(() => store.close());
  const { call } = await fakeServicesApi(t, new FakeServicesControl(), store);
  await call('POST', '/api/v1/services', web(), undefined, 'alice');
  await call('POST', '/api/v1/services/team/web/scale', { instances: 3 }, undefined, 'bob');
  await call('POST', '/api/v1/services/team/nope/restart', undefined, undefined, 'carol');
  const again = await RedisServicesStore.connect(server.url, prefix);
  t.teardown(() => again.close());
  t.same((await again.audit(10)).map((e) => [e.who, e.action, e.result]), [['bob', 'service.scale', 'ok'], ['carol', 'service.restart', 'refused']]);
  t.same((await call('GET', '/api/v1/audit?limit=10')).body.events.map((e: FrameworkAuditEvent) => e.who), ['bob', 'carol']);
});

void t.test('GET /api/v1/audit checks its limit, naming it', async (t) => {
  const { call } = await fakeServicesApi(t);
  for (const bad of ['0', '-1', 'abc', '1.5', '10001', '']) {
    t.match(await call('GET', `/api/v1/audit?limit=${bad}`), { status: 400, body: { code: 'BAD_REQUEST', field: 'limit', message: /limit must be a whole number from 1 to 10000/ } }, `limit=${bad}`);
  }
  t.same(await call('GET', '/api/v1/audit?limit=10000'), { status: 200, body: { events: [] } });
  t.match(await call('POST', '/api/v1/audit', {}), { status: 405, body: { field: 'method' } });
});
