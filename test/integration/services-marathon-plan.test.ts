// `plan` over the HTTP API on Marathon app definitions written from Marathon's documentation
// (test/fixtures/marathon): a Docker app, one with health checks, one with constraints and a group
// with dependencies. Each answer has the right instances, resources and constraints, lists every
// field that was not translated, and changes nothing.
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { fakeAgents, fakeServicesApi, FakeServicesControl, type ApiBody } from '../helpers/services-control.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/marathon/${name}.json`, import.meta.url), 'utf8');

/** Plans a fixture on five agents (racks r1/r2, zones east/west) and checks nothing was applied. */
async function plan(t: Test, text: string): Promise<ApiBody> {
  const control = new FakeServicesControl(fakeAgents(5));
  const { call } = await fakeServicesApi(t, control);
  const r = await call('POST', '/api/v1/services/plan', text, 'application/json');
  t.equal(r.status, 200, JSON.stringify(r.body).slice(0, 500));
  t.equal(r.body.format, 'marathon');
  t.equal(control.commits.length, 0, 'plan commits nothing');
  t.same((await call('GET', '/api/v1/services')).body.services, [], 'and no service exists afterwards');
  return r.body;
}

const paths = (list: { path: string; rule: string }[]) => {
  for (const u of list) if (u.rule !== 'unsupported field') throw new Error(`unexpected rule ${u.rule}`);
  return list.map((u) => u.path);
};

void t.test('a Docker app on the host network', async (t) => {
  const body = await plan(t, fixture('docker-app'));
  const [s] = body.services;
  t.match(s, { id: '/store/catalog', change: 'create', fromVersion: null });
  t.match(s.spec, {
    instances: 3,
    container: { image: 'registry.local/store/catalog:3.1', args: ['catalog', '--listen', ':$PORT0', '--cache-mb', '32'], env: { CATALOG_MODE: 'read-only', LOG_FORMAT: 'json' } },
    resources: { cpus: 0.25, memMb: 96, diskMb: 10, ports: [{ name: 'http' }] },
    labels: { team: 'store', tier: 'backend' },
    upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 },
    killGracePeriodSeconds: 15,
    constraints: [],
  });
  t.notOk('command' in s.spec.container, 'args without cmd run as the image CMD');
  t.same(paths(body.unsupported), ['container.docker.forcePullImage', 'container.volumes', 'fetch']);
  t.same(s.placements.map((p: { hostname: string }) => p.hostname), ['host1', 'host2', 'host3'], 'spread: one instance per agent');
  t.ok(s.placements.every((p: { ports: { http: number } }) => p.ports.http >= 31000), 'each gets a host port for http');
  t.match(s.steps, [{ kind: 'launch', version: 1, count: 3 }]);
  t.ok(s.patch.some((op: { op: string; path: string; value: unknown }) => op.op === 'add' && op.path === '/instances' && op.value === 3), 'the patch adds the new service');
  t.same(s.dominantShare, { role: '*', before: { share: 0, resource: null }, after: { share: 0.0375, resource: 'cpus' } }, '0.75 of 20 cpus');
});

void t.test('an app with health and readiness checks', async (t) => {
  const body = await plan(t, fixture('health-checks'));
  const [s] = body.services;
  t.match(s.spec, {
    id: '/payments/ledger',
    instances: 2,
    container: { image: 'payments/ledger:7.2', command: './ledger serve --port $PORT0 --metrics-port $PORT1' },
    resources: { cpus: 0.5, memMb: 256, diskMb: 0, ports: [{ name: 'api' }, { name: 'metrics' }] },
    backoff: { initialSeconds: 3, factor: 2, maxSeconds: 60 },
    readinessCheck: { path: '/api/ready', portName: 'api', intervalSeconds: 5, timeoutSeconds: 2 },
  });
  t.same(s.spec.healthChecks.map((h: { protocol: string; portName?: string; path?: string; command?: string; intervalSeconds: number; timeoutSeconds: number; gracePeriodSeconds: number; maxConsecutiveFailures: number }) =>
    [h.protocol, h.portName ?? h.command, h.path, h.intervalSeconds, h.timeoutSeconds, h.gracePeriodSeconds, h.maxConsecutiveFailures]), [
    ['HTTP', 'api', '/api/health', 10, 3, 60, 5],
    ['TCP', 'metrics', undefined, 15, 5, 30, 0],
    ['COMMAND', './ledger check --local', undefined, 30, 20, 300, 3],
  ], 'MESOS_HTTP read as HTTP; portIndex named; Marathon defaults where the app is silent');
  t.same(paths(body.unsupported), ['portDefinitions[1].labels', 'healthChecks[3].protocol', 'readinessChecks[0].httpStatusCodesForReady', 'readinessChecks[0].name'], 'the HTTPS check is left out and said so');
  t.same(s.placements.map((p: { hostname: string; ports: Record<string, number> }) => [p.hostname, Object.keys(p.ports)]), [['host1', ['api', 'metrics']], ['host2', ['api', 'metrics']]]);
});

void t.test('an app with constraints', async (t) => {
  const body = await plan(t, fixture('constraints'));
  const [s] = body.services;
  t.match(s.spec, { id: '/search/shard', instances: 4, resources: { cpus: 1, memMb: 1024, ports: [{ name: 'default' }] } });
  t.same(s.spec.constraints, [
    { field: 'hostname', operator: 'UNIQUE' },
    { field: 'rack', operator: 'GROUP_BY', value: '2' },
    { field: 'zone', operator: 'LIKE', value: 'east|west' },
    { field: 'hostname', operator: 'UNLIKE', value: 'host9' },
    { field: 'rack', operator: 'MAX_PER', value: '2' },
  ], '@hostname is hostname; every operator kept with its value');
  t.same(paths(body.unsupported), ['killSelection', 'unreachableStrategy'], 'acceptedResourceRoles ["*"] asks for nothing berth lacks');
  const racks = s.placements.map((p: { agentId: string }) => fakeAgents(5).find((a) => a.id === p.agentId)!.attributes.rack);
  t.same(s.placements.map((p: { hostname: string }) => p.hostname), ['host1', 'host2', 'host3', 'host4'], 'one per host');
  t.same([...racks].sort(), ['r1', 'r1', 'r2', 'r2'], 'two per rack');
  t.same(s.pending, []);

  const five = JSON.stringify({ ...JSON.parse(fixture('constraints')), instances: 5 });
  const more = (await plan(t, five)).services[0];
  t.equal(more.placements.length, 4, 'a fifth instance has nowhere to go');
  t.equal(more.pending.length, 1);
  t.equal(more.pending[0].count, 1);
  t.match(more.pending[0].reason, /MAX_PER rack 2/, 'and the reason names the rule');
});

void t.test('a group with dependencies', async (t) => {
  const body = await plan(t, fixture('group'));
  const byId = new Map(body.services.map((s: { id: string }) => [s.id, s]));
  t.same([...byId.keys()].sort(), ['/blog/feeds', '/blog/storage/memcached', '/blog/storage/postgres', '/blog/web/app', '/blog/web/edge']);
  const spec = (id: string) => (byId.get(id) as { spec: ApiBody }).spec;
  t.match(spec('/blog/storage/postgres'), { instances: 1, resources: { cpus: 1, memMb: 512, diskMb: 2048 }, container: { image: 'postgres:16', env: { POSTGRES_DB: 'blog' } }, dependencies: [] });
  t.match(spec('/blog/web/app'), { instances: 2, resources: { cpus: 0.5, memMb: 256 } });
  t.same(spec('/blog/web/app').dependencies, ['/blog/storage/postgres', '/blog/storage/memcached'], 'a dependency on a group is one on each of its apps');
  t.same(spec('/blog/web/edge').dependencies, ['/blog/storage/postgres', '/blog/storage/memcached', '/blog/web/app'], 'inherited from the group, plus its own relative one');
  t.same(spec('/blog/feeds').dependencies, ['/blog/web/app']);
  const order: string[] = body.deployOrder;
  const before = (a: string, b: string) => order.indexOf(a) < order.indexOf(b);
  t.ok(before('/blog/storage/postgres', '/blog/web/app') && before('/blog/storage/memcached', '/blog/web/app'), 'storage first');
  t.ok(before('/blog/web/app', '/blog/web/edge') && before('/blog/web/app', '/blog/feeds'), 'then app, then what needs it');
  const steps = (id: string) => (byId.get(id) as { steps: { kind: string; why?: string }[] }).steps;
  t.match(steps('/blog/storage/postgres'), [{ kind: 'launch', count: 1 }]);
  t.match(steps('/blog/web/app'), [{ kind: 'wait', why: /waiting for \/blog\/storage\/postgres, \/blog\/storage\/memcached/ }], 'dependants wait for their dependencies');
  t.same(paths(body.unsupported), []);
  const shares = ['/blog/feeds', '/blog/storage/postgres', '/blog/storage/memcached', '/blog/web/app', '/blog/web/edge'].map((id) => (byId.get(id) as { dominantShare: { after: { share: number } } }).dominantShare.after.share);
  t.ok(shares.every((s, i) => i === 0 || s > shares[i - 1]!), 'the role\'s share grows service by service through the file');
  t.equal(shares.at(-1), 0.1275, '2.55 of 20 cpus for the whole group');
});
