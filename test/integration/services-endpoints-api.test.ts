// The services API's endpoints over loopback, on the real commands and an in-memory control:
// GET /api/v1/endpoints and /api/v1/services/{id}/endpoints (who is in rotation, the agent's
// address, service ports), service ports unique across services at plan and apply, and the
// state stream: a watcher equal to the endpoints after changes, a resume that gets only patches,
// and bad queries refused with HTTP 400 naming the field.
import { isDeepStrictEqual } from 'node:util';
import t, { type Test } from 'tap';
import { dialText, watchState, type StreamFrame } from '../../protocol/index.js';
import { until } from '../helpers/poll.js';
import { fakeAgents, fakeServicesApi, FakeServicesControl, type ApiCall } from '../helpers/services-control.js';

const service = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  instances: 2,
  container: { image: 'busybox:1', command: 'httpd -f -p $PORT0' },
  resources: { cpus: 0.5, memMb: 128, ports: [{ name: 'http' }] },
  ...over,
});
const withServicePort = (id: string, servicePort: number, over: Record<string, unknown> = {}) =>
  service(id, { resources: { cpus: 0.5, memMb: 128, ports: [{ name: 'http', servicePort }, { name: 'admin' }] }, ...over });

/** Three agents: a1 and a2 advertise addresses, a3 does not (an older agent: its hostname is used). */
function control(): FakeServicesControl {
  const agents = fakeAgents(3);
  agents[0]!.address = '127.0.0.11';
  agents[1]!.address = '127.0.0.12';
  return new FakeServicesControl(agents);
}

async function apply(t: Test, call: ApiCall, body: object): Promise<void> {
  const r = await call('POST', '/api/v1/services', body);
  t.equal(r.status, 200, JSON.stringify(r.body));
}

t.test('the endpoints of every service: in rotation only, at the agent address, with service ports', async (t) => {
  const c = control();
  const { call } = await fakeServicesApi(t, c);
  await apply(t, call, { services: [withServicePort('/team/web', 24010, { instances: 3, loadBalancer: { algorithm: 'least-connections' } }), service('/team/db', { instances: 1 })] });
  c.settle();

  const all = await call('GET', '/api/v1/endpoints');
  t.equal(all.status, 200);
  t.same(all.body.services.map((s: { id: string }) => s.id), ['/team/db', '/team/web'], 'every service, sorted by id');
  const web = all.body.services[1];
  t.match(web, { id: '/team/web', dnsName: 'web.team.services.berth', algorithm: 'least-connections', servicePorts: { http: 24010 }, killGracePeriodSeconds: 10, draining: [] });
  t.same(Object.keys(web.servicePorts), ['http'], 'only ports that have a service port');
  t.equal(web.endpoints.length, 3);
  t.same(web.endpoints.map((e: { id: string }) => e.id), [...web.endpoints.map((e: { id: string }) => e.id)].sort(), 'sorted by id');
  const hosts = Object.fromEntries(web.endpoints.map((e: { agentId: string; host: string }) => [e.agentId, e.host]));
  t.same(hosts, { a1: '127.0.0.11', a2: '127.0.0.12', a3: 'host3' }, "the agent's address; its hostname when it gives none");
  for (const e of web.endpoints) t.match(e, { hostname: /^host\d$/, version: 1, ports: { http: Number, admin: Number } });
  t.match(all.body.services[0], { id: '/team/db', dnsName: 'db.team.services.berth', algorithm: 'round-robin', servicePorts: {} });

  const one = await call('GET', '/api/v1/services/team/web/endpoints');
  t.equal(one.status, 200);
  t.same(one.body, web, 'one service answers the same document');
  const detail = await call('GET', '/api/v1/services/team/web');
  t.same(detail.body.instances.map((i: { host: string }) => i.host).sort(), ['127.0.0.11', '127.0.0.12', 'host3'], 'the instances carry the host too');

  const unknown = await call('GET', '/api/v1/services/team/nope/endpoints');
  t.equal(unknown.status, 404);
  t.match(unknown.body, { code: 'NOT_FOUND', message: /no service \/team\/nope/ });
  const post = await call('POST', '/api/v1/endpoints', {});
  t.equal(post.status, 405);
});

t.test('unhealthy, unready and not yet running instances are out of rotation', async (t) => {
  const c = control();
  const { call } = await fakeServicesApi(t, c);
  const checked = withServicePort('/web', 24011, {
    instances: 3,
    healthChecks: [{ protocol: 'TCP', portName: 'http' }],
    upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 },
  });
  await apply(t, call, checked);
  c.step();
  const staging = await call('GET', '/api/v1/services/web/endpoints');
  t.same(staging.body.endpoints, [], 'staging instances are not endpoints');
  c.settle();
  const sick = c.instances.find((i) => i.agentId === 'a2')!.id;
  c.healthy = (i) => i.id !== sick;
  c.step();
  const after = await call('GET', '/api/v1/services/web/endpoints');
  t.notOk(after.body.endpoints.some((e: { id: string }) => e.id === sick), 'the unhealthy instance left');
  t.same(after.body.endpoints.map((e: { agentId: string }) => e.agentId).sort(), ['a1', 'a3']);
  c.instances = c.instances.map((i) => (i.agentId === 'a1' ? { ...i, ready: false } : i));
  const unready = await call('GET', '/api/v1/services/web/endpoints');
  t.same(unready.body.endpoints.map((e: { agentId: string }) => e.agentId), ['a1', 'a3'], 'readiness counts only for a service with a readiness check');
  c.instances = c.instances.map((i) => (i.agentId === 'a1' ? { ...i, drainingSinceMs: c.nowMs } : i));
  const draining = await call('GET', '/api/v1/services/web/endpoints');
  t.same(draining.body.endpoints.map((e: { agentId: string }) => e.agentId), ['a3'], 'a draining instance is out of rotation');
  t.match(draining.body.draining, [{ agentId: 'a1', host: '127.0.0.11', drainingSinceMs: c.nowMs }]);
});

t.test('service ports are unique across services, at plan and at apply', async (t) => {
  const { call } = await fakeServicesApi(t, control());
  const inFile = await call('POST', '/api/v1/services', { services: [withServicePort('/a', 24020), withServicePort('/b', 24020)] });
  t.equal(inFile.status, 400);
  t.match(inFile.body.problems, [{ path: 'services[1].resources.ports[0].servicePort', rule: 'service port 24020 is taken', message: /services\[0\]\.resources\.ports\[0\] \(service \/a, port http\)/ }]);
  await apply(t, call, withServicePort('/a', 24020));
  for (const path of ['/api/v1/services', '/api/v1/services/plan']) {
    const clash = await call('POST', path, { services: [service('/c'), withServicePort('/b', 24020)] });
    t.equal(clash.status, 400, path);
    t.match(clash.body, { field: 'services[1].resources.ports[0].servicePort', problems: [{ message: /24020, which service \/a \(port http\) already has/ }] }, `${path} names the other service`);
  }
  const same = await call('POST', '/api/v1/services', withServicePort('/a', 24020, { instances: 3 }));
  t.equal(same.status, 200, 'a service keeps its own service port when it is applied again');
  const twice = await call('POST', '/api/v1/services', service('/d', { resources: { cpus: 0.1, memMb: 8, ports: [{ name: 'x', servicePort: 24021 }, { name: 'y', servicePort: 24021 }] } }));
  t.match(twice.body.problems, [{ path: 'resources.ports[1].servicePort' }], 'two ports of one service cannot share one');
  const low = await call('POST', '/api/v1/services', withServicePort('/e', 80));
  t.match(low.body.problems, [{ path: 'resources.ports[0].servicePort', rule: 'must be a whole number from 1024 to 65535' }]);
  const reserved = await call('POST', '/api/v1/services', service('/team/endpoints'));
  t.match(reserved.body.problems, [{ path: 'id', rule: /last segment must not be .*endpoints/ }], '"endpoints" is a reserved last segment');
});

const streamUrl = (url: string, query = '') => `${url.replace(/^http/, 'ws')}/api/v1/stream${query}`;

t.test('a stream watcher equals GET /api/v1/endpoints and /api/v1/services after changes, and resumes', async (t) => {
  const c = control();
  const { url, call } = await fakeServicesApi(t, c, undefined, 20);
  await apply(t, call, withServicePort('/team/web', 24030));
  c.settle();
  let frames = 0;
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const watcher = watchState(streamUrl(url), { onUpdate: () => void frames++, signal: controller.signal });
  const equal = (what: string) => until(what, async () => {
    const [endpoints, services] = await Promise.all([call('GET', '/api/v1/endpoints'), call('GET', '/api/v1/services')]);
    const doc = watcher.doc;
    return doc !== undefined && isDeepStrictEqual(doc, { services: services.body.services, endpoints: endpoints.body.services });
  });
  await equal('the first snapshot');
  await call('POST', '/api/v1/services/team/web/scale', { instances: 4 });
  c.settle();
  await apply(t, call, service('/team/db'));
  c.settle();
  await equal('the watcher after a scale and a new service');
  t.equal((watcher.doc?.endpoints as { endpoints: unknown[] }[])[1]?.endpoints.length, 4);

  const at = watcher.position!;
  await call('POST', '/api/v1/services/team/web/scale', { instances: 1 });
  c.settle();
  const resumed = await dialText(streamUrl(url, `?stream=${at.stream}&since=${at.version}`));
  t.teardown(() => resumed.close(1000, 'done'));
  const first = await new Promise<StreamFrame>((resolve) => resumed.onText((text) => resolve(JSON.parse(text) as StreamFrame)));
  t.ok('patch' in first && first.version > at.version, 'a resume from a kept version gets the patches after it, not a snapshot');
  await equal('the watcher after the scale down');
  t.ok(frames >= 3, 'the snapshot and at least two patches');

  const one = await dialText(streamUrl(url, '?include=details,endpoints&service=/team/web'));
  t.teardown(() => one.close(1000, 'done'));
  const snap = await new Promise<StreamFrame>((resolve) => one.onText((text) => resolve(JSON.parse(text) as StreamFrame)));
  const doc = 'snapshot' in snap ? snap.snapshot : {};
  t.same(Object.keys(doc).sort(), ['details', 'endpoints'], 'include picks the keys');
  const detail = await call('GET', '/api/v1/services/team/web');
  t.same(doc.details, [detail.body], 'details as GET /api/v1/services/{id}');
  t.same((doc.endpoints as { id: string }[]).map((e) => e.id), ['/team/web'], 'service= keeps that service only');
});

t.test('bad stream queries are refused with HTTP 400 naming the field', async (t) => {
  const { url } = await fakeServicesApi(t, control());
  const cases = [
    ['?include=services,colour', 'include', /unknown: colour/],
    ['?include=details', 'include', /details needs service=ID/],
    ['?service=web', 'service', /must be a service id like \/team\/web/],
    ['?since=3', 'stream', /give both/],
    ['?stream=x&since=-1', 'since', /whole number >= 0/],
    ['?stream=x&since=', 'since', /whole number >= 0/],
  ] as const;
  for (const [query, field, message] of cases) {
    const err = await dialText(streamUrl(url, query)).then(() => undefined, (e: Error) => e);
    t.match(err?.message, /HTTP 400: /, `${query} is refused`);
    const body = JSON.parse(err?.message.replace(/^.*HTTP 400: /, '') ?? '{}') as { code: string; field: string; message: string };
    t.equal(body.code, 'BAD_REQUEST');
    t.equal(body.field, field, `${query} names ${field}`);
    t.match(body.message, message);
  }
});
