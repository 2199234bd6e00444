// Marathon app and group JSON: detected, translated to berth services (instances, resources,
// constraints, checks, ids and dependencies), with every field berth does not support listed.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { isMarathonDocument, parseServiceFile, type ParseResult, type ServiceSpec } from '../../frameworks/services/index.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/services/marathon/${name}`, import.meta.url), 'utf8');

function accepted(t: Test, result: ParseResult): ServiceSpec[] {
  if (!result.ok) {
    t.fail(`refused: ${JSON.stringify(result.problems)}`);
    return [];
  }
  t.equal(result.format, 'marathon');
  return result.services;
}

const unsupportedPaths = (r: ParseResult) => r.warnings.filter((w) => w.rule === 'unsupported field').map((w) => w.path);
const problems = (r: ParseResult) => (r.ok ? [] : r.problems.map((p) => [p.path, p.rule]));

t.test('a Docker app: resources, ports from its port mappings, env, labels, upgrade strategy', async (t) => {
  const r = parseServiceFile(fixture('docker-app.json'), { filename: 'docker-app.json' });
  const [app] = accepted(t, r);
  t.equal(app?.id, '/shop/frontend');
  t.equal(app?.instances, 4);
  t.strictSame(app?.resources, { cpus: 0.5, memMb: 256, diskMb: 50, ports: [{ name: 'http', servicePort: 10080 }, { name: 'https', number: 8443 }] }, 'a non-zero servicePort is the service port');
  t.strictSame(app?.container, { image: 'nginx:1.25', command: "nginx -g 'daemon off;'", args: [], env: { UPSTREAM: 'api.shop.local' }, user: 'nginx' });
  t.strictSame(app?.labels, { team: 'shop', HAPROXY_GROUP: 'external' });
  t.strictSame(app?.upgradeStrategy, { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.2 });
  t.equal(app?.killGracePeriodSeconds, 20, 'from taskKillGracePeriodSeconds');
  t.same(unsupportedPaths(r), [
    'container.docker.network',
    'container.docker.parameters',
    'container.volumes',
    'env.TOKEN',
    'container.portMappings[0].containerPort',
    'fetch',
  ], 'false, empty and default-valued fields (forcePullImage, privileged, uris, executor, protocol tcp, the second containerPort = hostPort) are not listed');
  t.match(r.warnings.find((w) => w.path === 'env.TOKEN')?.message, /secret/);
  t.match(r.warnings.find((w) => w.path === 'container.docker.network')?.message, /host network/);
});

t.test('an app with health and readiness checks', async (t) => {
  const r = parseServiceFile(fixture('health-checks.json'));
  const [app] = accepted(t, r);
  t.equal(app?.id, '/billing', 'a relative id resolves against the root group');
  t.equal(app?.instances, 2);
  t.strictSame(app?.resources, { cpus: 0.25, memMb: 128, diskMb: 0, ports: [{ name: 'http' }, { name: 'admin' }] });
  t.equal(app?.container.image, 'registry.example/billing:2.0', 'a MESOS container with a Docker image');
  t.strictSame(app?.healthChecks, [
    { protocol: 'HTTP', path: '/health', portName: 'http', delaySeconds: 15, intervalSeconds: 10, timeoutSeconds: 5, gracePeriodSeconds: 30, maxConsecutiveFailures: 3 },
    { protocol: 'TCP', portName: 'admin', delaySeconds: 5, intervalSeconds: 20, timeoutSeconds: 20, gracePeriodSeconds: 300, maxConsecutiveFailures: 3 },
    { protocol: 'COMMAND', command: 'test -f /tmp/alive', delaySeconds: 15, intervalSeconds: 60, timeoutSeconds: 20, gracePeriodSeconds: 300, maxConsecutiveFailures: 0 },
  ], 'portIndex becomes the port name; MESOS_TCP is a TCP check');
  t.strictSame(app?.readinessCheck, { path: '/ready', portName: 'http', intervalSeconds: 15, timeoutSeconds: 5 });
  t.strictSame(app?.backoff, { initialSeconds: 2, factor: 1.5, maxSeconds: 120 });
  t.same(unsupportedPaths(r), ['healthChecks[3].protocol'], 'the HTTPS check is listed (and left out); nothing else');
  t.match(r.warnings[0]?.message, /HTTPS checks are not supported; this health check was left out/);
});

t.test('an app with constraints', async (t) => {
  const r = parseServiceFile(fixture('constraints.json'));
  const [app] = accepted(t, r);
  t.equal(app?.instances, 6);
  t.strictSame(app?.resources, { cpus: 2, memMb: 4096, diskMb: 0, ports: [{ name: 'default' }] }, 'an app on the host network that lists no ports gets one, as in Marathon');
  t.strictSame(app?.constraints, [
    { field: 'hostname', operator: 'UNIQUE' },
    { field: 'rack_id', operator: 'GROUP_BY', value: '3' },
    { field: 'rack_id', operator: 'LIKE', value: 'rack-[1-3]' },
    { field: 'zone', operator: 'MAX_PER', value: '2' },
    { field: 'disk_type', operator: 'IS', value: 'ssd' },
    { field: 'os', operator: 'UNLIKE', value: 'windows.*' },
  ]);
  t.equal(app?.role, 'search');
  t.same(unsupportedPaths(r), ['acceptedResourceRoles', 'unreachableStrategy', 'killSelection']);
});

t.test('a group: nested groups, relative ids, dependencies on apps and on groups', async (t) => {
  const r = parseServiceFile(fixture('group.json'));
  const apps = accepted(t, r);
  t.same(apps.map((a) => [a.id, a.instances, a.dependencies]), [
    ['/product/frontend', 1, ['/product/service/play-app', '/product/service/rails-app']],
    ['/product/database/mongo', 1, []],
    ['/product/database/cache', 1, []],
    ['/product/service/rails-app', 3, ['/product/database/mongo', '/product/database/cache']],
    ['/product/service/play-app', 2, ['/product/database/mongo', '/product/database/cache', '/product/service/rails-app']],
  ], 'a group dependency (../database) stands for every app in that group and is inherited by the apps below');
  t.same(apps.map((a) => [a.resources.cpus, a.resources.memMb]), [[1, 64], [1, 1024], [0.5, 256], [0.5, 512], [0.5, 512]], 'Marathon\'s default of 1 cpu');
  t.same(unsupportedPaths(r), ['pods', 'version']);
  t.match(r.warnings.find((w) => w.path === 'version')?.message, /a status field Marathon reports/);
});

t.test('Marathon apps that cannot be translated are refused with Marathon\'s field names', async (t) => {
  const app = (extra: Record<string, unknown>) => JSON.stringify({ id: '/x', cmd: 'sleep 1', container: { type: 'DOCKER', docker: { image: 'busybox' } }, ...extra });
  const cases: [string, string, [string, string][]][] = [
    ['a command app without an image', JSON.stringify({ id: '/x', cmd: 'sleep 1' }), [['container.docker.image', 'required']]],
    ['negative memory', app({ mem: -5 }), [['mem', 'must be > 0']]],
    ['cpus as a string', app({ cpus: 'two' }), [['cpus', 'must be a number']]],
    ['a bad backoff factor', app({ backoffFactor: 0.5 }), [['backoffFactor', 'must be >= 1']]],
    ['a constraint of one element', app({ constraints: [['hostname']] }), [['constraints[0]', 'must be [field, operator] or [field, operator, value]']]],
    ['an unknown constraint operator', app({ constraints: [['hostname', 'EQ', 'a']] }), [['constraints[0][1]', 'must be one of UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, MAX_PER, IS']]],
    ['a LIKE constraint with a bad regex', app({ constraints: [['rack', 'LIKE', '(']] }), [['constraints[0][2]', 'must be a valid regular expression']]],
    ['a health check on a port the app does not have', app({ healthChecks: [{ protocol: 'TCP', portIndex: 3 }] }), [['healthChecks[0].portIndex', 'no port at index 3']]],
    ['an id with a dot', app({ id: '/my.app' }), [['id', 'must be a path of lower-case segments (a-z, 0-9, "-" inside), each at most 63 characters, like /team/web']]],
    ['a readiness check on an unknown port', app({ readinessChecks: [{ path: '/ready' }] }), [['readinessChecks[0].portName', 'unknown port "http-api"']]],
    ['an app that is not an object', JSON.stringify({ id: '/g', apps: ['web'] }), [['apps[0]', 'must be an object']]],
    ['a group without apps', JSON.stringify({ id: '/g', groups: [] }), [['', 'no apps']]],
    ['a nested app with bad cpus', JSON.stringify({ id: '/g', groups: [{ id: 'a', apps: [{ id: 'b', cpus: 0, container: { docker: { image: 'x' } } }] }] }), [['groups[0].apps[0].cpus', 'must be > 0']]],
    ['two apps with one id', JSON.stringify({ id: '/g', apps: [{ id: 'a', container: { docker: { image: 'x' } } }, { id: '/g/a', container: { docker: { image: 'x' } } }] }), [['apps[1].id', 'duplicate id "/g/a"']]],
    ['a bad check after one left out, named by its own index', app({ portDefinitions: [{ port: 0 }], healthChecks: [{ protocol: 'HTTPS' }, { protocol: 'HTTP', path: 'health' }] }), [['healthChecks[1].path', 'must start with "/"']]],
    ['an upper-case port name', app({ container: { docker: { image: 'x' }, portMappings: [{ containerPort: 0, name: 'HTTP' }] } }), [['container.portMappings[0].name', 'must be a lower-case name of a-z, 0-9 and "-", starting with a letter, at most 63 characters']]],
    ['a dependency cycle', JSON.stringify({ id: '/g', apps: [{ id: 'a', dependencies: ['b'], container: { docker: { image: 'x' } } }, { id: 'b', dependencies: ['/g/a'], container: { docker: { image: 'x' } } }] }), [['apps[1].dependencies[0]', 'dependency cycle /g/a -> /g/b -> /g/a']]],
  ];
  for (const [name, text, want] of cases) t.same(problems(parseServiceFile(text)), want, name);
  const refused = parseServiceFile(app({ mem: -5, fetch: [{ uri: 'x' }] }));
  t.same(unsupportedPaths(refused), ['fetch'], 'a refused app still lists its unsupported fields');
  t.match(refused.ok ? '' : refused.problems[0]?.message, /^mem must be > 0/, 'the message names the Marathon field too');
});

t.test('an app as GET /v2/apps returns it: nulls and empties ask for nothing, status fields are named as such', async (t) => {
  const got = {
    id: '/toggle', cmd: 'python toggle.py $PORT0', args: null, user: null, env: {}, instances: 2, cpus: 0.2, mem: 32, disk: 0, executor: '',
    constraints: [], uris: [], storeUrls: [], ports: [0], requirePorts: false, backoffSeconds: 1, backoffFactor: 1.15, maxLaunchDelaySeconds: 300,
    container: { type: 'DOCKER', docker: { image: 'python:3.12', network: 'HOST', privileged: false, parameters: [], forcePullImage: false }, volumes: [] },
    healthChecks: [], dependencies: [], upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 }, labels: {}, acceptedResourceRoles: null,
    ipAddress: null, role: null, version: '2026-01-01T00:00:00.000Z', tasksStaged: 0, tasksRunning: 2, tasks: [], deployments: [],
  };
  const r = parseServiceFile(JSON.stringify(got));
  const [app] = accepted(t, r);
  t.strictSame(app?.resources, { cpus: 0.2, memMb: 32, diskMb: 0, ports: [{ name: 'port0' }] }, 'the legacy ports list');
  t.equal(app?.role, '*');
  t.same(unsupportedPaths(r), ['version', 'tasksStaged', 'tasksRunning']);
  t.ok(r.warnings.every((w) => /status field/.test(w.message)));
});

t.test("non-zero port definitions' ports are service ports; with requirePorts the host ports too", async (t) => {
  const app = (over: object) => JSON.stringify({ id: '/lb', cmd: 'x', cpus: 0.1, mem: 16, container: { type: 'DOCKER', docker: { image: 'busybox', network: 'HOST' } }, ...over });
  const [plain] = accepted(t, parseServiceFile(app({ portDefinitions: [{ port: 10001, name: 'http' }, { port: 0, name: 'admin' }] })));
  t.strictSame(plain?.resources.ports, [{ name: 'http', servicePort: 10001 }, { name: 'admin' }], '0 means no service port');
  const [required] = accepted(t, parseServiceFile(app({ requirePorts: true, portDefinitions: [{ port: 10002, name: 'http' }] })));
  t.strictSame(required?.resources.ports, [{ name: 'http', number: 10002, servicePort: 10002 }]);
  const [legacy] = accepted(t, parseServiceFile(app({ ports: [10003] })));
  t.strictSame(legacy?.resources.ports, [{ name: 'port0', servicePort: 10003 }], 'the legacy ports list');
  const low = parseServiceFile(app({ portDefinitions: [{ port: 80 }] }));
  t.match(problems(low), [['portDefinitions[0].servicePort', 'must be a whole number from 1024 to 65535']], 'a service port out of range is named by the Marathon path');
});

t.test('Marathon documents are told apart from berth files', async (t) => {
  t.ok(isMarathonDocument({ id: '/a', cmd: 'x' }));
  t.ok(isMarathonDocument({ id: '/g', apps: [] }));
  t.ok(isMarathonDocument({ id: '/a', container: { type: 'DOCKER', docker: { image: 'x' } } }));
  t.notOk(isMarathonDocument({ id: '/a', container: { image: 'x' }, resources: { cpus: 1, memMb: 1 } }));
  t.notOk(isMarathonDocument({ services: [] }));
  t.notOk(isMarathonDocument({ id: '/a', container: { image: 'x' } }), 'a berth file missing its resources is still a berth file');
  const forced = parseServiceFile(JSON.stringify({ id: '/a', cmd: 'x', container: { image: 'x' }, cpus: 1 }), { format: 'berth' });
  t.same(problems(forced), [['resources', 'required'], ['cmd', 'unknown field "cmd"'], ['cpus', 'unknown field "cpus"']], 'format: berth does not translate');
  const yaml = parseServiceFile('id: web\ncmd: httpd\ncontainer:\n  docker:\n    image: busybox\n', { filename: 'web.yml' });
  t.same(yaml.ok && yaml.services.map((s) => [s.id, s.container.image]), [['/web', 'busybox']], 'Marathon apps may be written in YAML');
});
