// The services API with authentication on: every route (read off the router) refuses a missing or
// unknown token with 401 and a principal without the action with 403, the stream's upgrade too,
// and a refused call changes nothing (no commit, no audit event); GET /health stays open; allowed
// calls work and the audit log names the principal.
import t from 'tap';
import { MemoryServicesStore, ServicesCommands, servicesApiRoutes, startServicesHttpApi } from '../../frameworks/services/index.js';
import { bearer, callsFor, checkRefusals, testAuthenticator, upgrade } from '../helpers/auth.js';
import { testLogger } from '../helpers/log.js';
import { FakeServicesControl } from '../helpers/services-control.js';

const SPEC = JSON.stringify({
  id: '/team/web',
  instances: 2,
  container: { image: 'busybox:1', command: 'httpd -f -p $PORT0' },
  resources: { cpus: 0.5, memMb: 128, ports: [{ name: 'http' }] },
});
const SPEC2 = SPEC.replace('busybox:1', 'busybox:2');

void t.test('every services route needs a token and the action', async (t) => {
  const control = new FakeServicesControl();
  const audit = new MemoryServicesStore();
  const api = await startServicesHttpApi(new ServicesCommands(control), { port: 0, log: testLogger(), audit, auth: testAuthenticator() });
  t.teardown(() => api.close());
  const admin = (method: string, path: string, body?: string) =>
    fetch(`${api.url}${path}`, { method, headers: { ...bearer('admin'), 'x-berth-user': 'alice', ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });

  const created = await admin('POST', '/api/v1/services', SPEC);
  t.equal(created.status, 200, 'the admin applies a service');
  control.settle();
  const events = (await (await admin('GET', '/api/v1/audit')).json()) as { events: { who: string; action: string }[] };
  t.same(events.events.map((e) => [e.who, e.action]), [['admin', 'service.apply']], 'the audit log names the principal, not the header');

  const health = await fetch(`${api.url}/health`);
  t.equal(health.status, 200, 'GET /health needs no token');

  const routes = servicesApiRoutes();
  const json = 'application/json';
  const calls = callsFor(t, routes.filter((r) => r !== 'GET /health'), {
    'GET /metrics': { path: '/metrics' },
    'GET /api/v1/audit': { path: '/api/v1/audit' },
    'GET /api/v1/endpoints': { path: '/api/v1/endpoints' },
    'GET /api/v1/services': { path: '/api/v1/services' },
    'POST /api/v1/services': { path: '/api/v1/services', body: SPEC2, contentType: json },
    'POST /api/v1/services/plan': { path: '/api/v1/services/plan', body: SPEC2, contentType: json },
    'GET /api/v1/services/{id}': { path: '/api/v1/services/team/web' },
    'DELETE /api/v1/services/{id}': { path: '/api/v1/services/team/web' },
    'GET /api/v1/services/{id}/history': { path: '/api/v1/services/team/web/history' },
    'GET /api/v1/services/{id}/endpoints': { path: '/api/v1/services/team/web/endpoints' },
    'POST /api/v1/services/{id}/scale': { path: '/api/v1/services/team/web/scale', body: '{"instances":5}', contentType: json },
    'POST /api/v1/services/{id}/restart': { path: '/api/v1/services/team/web/restart' },
    'POST /api/v1/services/{id}/rollback': { path: '/api/v1/services/team/web/rollback', body: '{}', contentType: json },
  });
  const before = { commits: control.commits.length, service: await (await admin('GET', '/api/v1/services/team/web')).json() };
  await checkRefusals(t, api.url, calls);

  const stream = async (headers: Record<string, string> = {}): Promise<number> => (await upgrade(api.url, '/api/v1/stream', headers)).status;
  t.equal(await stream(), 401, 'the stream without a token: 401 before the upgrade');
  t.equal(await stream(bearer('wrong')), 401, 'with an unknown token: 401');
  t.equal(await stream(bearer('viewer')), 403, 'a principal without services.read: 403');
  t.equal(await stream(bearer('reader')), 101, 'a reader opens it');
  t.ok(routes.includes('WS /api/v1/stream'), 'the stream is among the routes');

  t.equal(control.commits.length, before.commits, 'nothing was committed by a refused call');
  t.same(await (await admin('GET', '/api/v1/services/team/web')).json(), before.service, 'the service is as it was');
  const after = (await (await admin('GET', '/api/v1/audit')).json()) as { events: unknown[] };
  t.equal(after.events.length, 1, 'and no audit event was written for them');

  const read = await fetch(`${api.url}/api/v1/services`, { headers: bearer('reader') });
  t.equal(read.status, 200, 'a reader lists the services');
  const scaled = await admin('POST', '/api/v1/services/team/web/scale', '{"instances":3}');
  t.equal(scaled.status, 200, 'the admin scales');

  const limited = [];
  for (let i = 0; i < 3; i++) limited.push(await fetch(`${api.url}/api/v1/services`, { headers: bearer('limited') }));
  t.same(limited.map((r) => r.status), [200, 200, 429], 'a principal over its rate limit is answered 429');
  t.match(await limited[2]!.json(), { code: 'RATE_LIMITED' });
  t.ok(Number(limited[2]!.headers.get('retry-after')) >= 1, 'with Retry-After in seconds');
});

void t.test('without an Authenticator the API is open, as before', async (t) => {
  const api = await startServicesHttpApi(new ServicesCommands(new FakeServicesControl()), { port: 0, log: testLogger(), audit: new MemoryServicesStore() });
  t.teardown(() => api.close());
  t.equal((await fetch(`${api.url}/api/v1/services`)).status, 200);
  t.equal((await upgrade(api.url, '/api/v1/stream', {})).status, 101);
});
