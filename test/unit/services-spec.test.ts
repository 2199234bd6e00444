// Service files: what is refused (each problem's field path and rule, exactly), what a valid file
// parses to once defaults are filled, and that the published JSON Schema is the one in use.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { deployOrder, parseServiceFile, serviceFileSchema, fillDefaults, type ParseResult, type ServiceSpec } from '../../frameworks/services/index.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/services/${name}`, import.meta.url), 'utf8');

type Doc = Record<string, unknown>;
const service = (extra: Doc = {}): Doc => ({
  id: '/team/web',
  container: { image: 'busybox' },
  resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http' }] },
  ...extra,
});
const group = (...services: Doc[]) => ({ services });
const dep = (id: string, ...dependencies: string[]) => service({ id, dependencies });
const constrained = (instances: number, ...constraints: Doc[]) => service({ instances, constraints });

/** The problems of a refused file as [path, rule] pairs; fails the test when the file was accepted. */
function refused(t: Test, result: ParseResult): [string, string][] {
  if (result.ok) {
    t.fail('the file was accepted');
    return [];
  }
  for (const p of result.problems) {
    t.notMatch(p.message, /must NOT|additional properties|must match "then"|must pass|boolean schema/, `plain message: ${p.message}`);
    t.ok(p.message.length > 0);
  }
  return result.problems.map((p) => [p.path, p.rule]);
}

const problemsOrNone = (r: ParseResult) => (r.ok ? [] : r.problems.map((p) => [p.path, p.rule]));

const ID_RULE = 'must be a path of lower-case segments (a-z, 0-9, "-" inside), each at most 63 characters, like /team/web';
const OPERATORS = 'must be one of UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, MAX_PER, IS';

// Each case: a document (as JSON) or raw text, and exactly the problems it must produce.
const INVALID: { name: string; doc?: unknown; text?: string; filename?: string; want: [string, string][] }[] = [
  { name: 'instances as a string', doc: service({ instances: '3' }), want: [['instances', 'must be an integer']] },
  { name: 'negative instances', doc: service({ instances: -1 }), want: [['instances', 'must be >= 0']] },
  { name: 'too many instances', doc: service({ instances: 10001 }), want: [['instances', 'must be <= 10000']] },
  { name: 'fractional instances', doc: service({ instances: 1.5 }), want: [['instances', 'must be an integer']] },
  { name: 'a misspelt resource', doc: service({ resources: { cpu: 1, memMb: 64 } }), want: [['resources.cpus', 'required'], ['resources.cpu', 'unknown field "cpu"']] },
  { name: 'an unknown top-level field', doc: service({ image: 'busybox' }), want: [['image', 'unknown field "image"']] },
  { name: 'negative cpus', doc: service({ resources: { cpus: -1, memMb: 64 } }), want: [['resources.cpus', 'must be > 0']] },
  { name: 'zero memory', doc: service({ resources: { cpus: 1, memMb: 0 } }), want: [['resources.memMb', 'must be > 0']] },
  { name: 'negative disk', doc: service({ resources: { cpus: 1, memMb: 64, diskMb: -5 } }), want: [['resources.diskMb', 'must be >= 0']] },
  { name: 'cpus as a string', doc: service({ resources: { cpus: '1', memMb: 64 } }), want: [['resources.cpus', 'must be a number']] },
  { name: 'no image', doc: service({ container: { command: 'sleep 1' } }), want: [['container.image', 'required']] },
  { name: 'no resources', doc: { id: '/a', container: { image: 'x' } }, want: [['resources', 'required']] },
  { name: 'an image with a space', doc: service({ container: { image: 'busy box' } }), want: [['container.image', 'must be an image reference without spaces']] },
  { name: 'an upper-case id', doc: service({ id: '/Team/web' }), want: [['id', ID_RULE]] },
  { name: 'a relative id', doc: service({ id: 'web' }), want: [['id', ID_RULE]] },
  { name: 'an id segment of 64 characters', doc: service({ id: `/${'a'.repeat(64)}` }), want: [['id', ID_RULE]] },
  { name: 'an id with a trailing slash', doc: service({ id: '/web/' }), want: [['id', ID_RULE]] },
  { name: 'command and args together', doc: service({ container: { image: 'x', command: 'sleep 1', args: ['sleep', '1'] } }), want: [['container.args', 'not allowed with container.command']] },
  { name: 'an env value that is a number', doc: service({ container: { image: 'x', env: { LEVEL: 3 } } }), want: [['container.env.LEVEL', 'must be a string']] },
  { name: 'an env name starting with a digit', doc: service({ container: { image: 'x', env: { '1X': 'y' } } }), want: [['container.env["1X"]', 'must be a variable name of letters, digits and "_", not starting with a digit']] },
  { name: 'two ports of one name', doc: service({ resources: { cpus: 1, memMb: 64, ports: [{ name: 'http' }, { name: 'http' }] } }), want: [['resources.ports[1].name', 'duplicate port name "http"']] },
  { name: 'a port number above 65535', doc: service({ resources: { cpus: 1, memMb: 64, ports: [{ name: 'http', number: 70000 }] } }), want: [['resources.ports[0].number', 'must be <= 65535']] },
  { name: 'a health check on a port that does not exist', doc: service({ healthChecks: [{ protocol: 'HTTP', portName: 'admin' }] }), want: [['healthChecks[0].portName', 'unknown port "admin"']] },
  { name: 'a readiness check on a port that does not exist', doc: service({ readinessCheck: { portName: 'admin' } }), want: [['readinessCheck.portName', 'unknown port "admin"']] },
  { name: 'an HTTP check without a port', doc: service({ healthChecks: [{ protocol: 'HTTP', path: '/' }] }), want: [['healthChecks[0].portName', 'required by protocol HTTP']] },
  { name: 'a COMMAND check with a port', doc: service({ healthChecks: [{ protocol: 'COMMAND', command: 'true', portName: 'http' }] }), want: [['healthChecks[0].portName', 'not allowed with protocol COMMAND']] },
  { name: 'an HTTPS check', doc: service({ healthChecks: [{ protocol: 'HTTPS', portName: 'http' }] }), want: [['healthChecks[0].protocol', 'must be one of HTTP, TCP, COMMAND']] },
  { name: 'a check path without a slash', doc: service({ healthChecks: [{ protocol: 'HTTP', portName: 'http', path: 'health' }] }), want: [['healthChecks[0].path', 'must start with "/"']] },
  { name: 'a check timeout longer than its interval', doc: service({ healthChecks: [{ protocol: 'TCP', portName: 'http', intervalSeconds: 5, timeoutSeconds: 6 }] }), want: [['healthChecks[0].timeoutSeconds', 'must be <= intervalSeconds (5)']] },
  { name: 'LIKE without a value', doc: constrained(1, { field: 'rack', operator: 'LIKE' }), want: [['constraints[0].value', 'required by operator LIKE']] },
  { name: 'IS without a value', doc: constrained(1, { field: 'rack', operator: 'IS' }), want: [['constraints[0].value', 'required by operator IS']] },
  { name: 'LIKE with an invalid regex', doc: constrained(1, { field: 'rack', operator: 'LIKE', value: 'r(1' }), want: [['constraints[0].value', 'must be a valid regular expression']] },
  { name: 'UNLIKE with an invalid regex', doc: constrained(1, { field: 'rack', operator: 'UNLIKE', value: '[a-' }), want: [['constraints[0].value', 'must be a valid regular expression']] },
  { name: 'UNIQUE with a value', doc: constrained(1, { field: 'hostname', operator: 'UNIQUE', value: 'x' }), want: [['constraints[0].value', 'not allowed with operator UNIQUE']] },
  { name: 'MAX_PER 0', doc: constrained(1, { field: 'hostname', operator: 'UNIQUE' }, { field: 'hostname', operator: 'MAX_PER', value: '0' }), want: [['constraints[1].value', 'must be a positive integer for MAX_PER']] },
  { name: 'MAX_PER 0 as a number', doc: constrained(1, { field: 'zone', operator: 'MAX_PER', value: 0 }), want: [['constraints[0].value', 'must be a positive integer for MAX_PER']] },
  { name: 'MAX_PER 1.5', doc: constrained(1, { field: 'zone', operator: 'MAX_PER', value: 1.5 }), want: [['constraints[0].value', 'must be a string or an integer']] },
  { name: 'a constraint value that is a list', doc: constrained(1, { field: 'rack', operator: 'IS', value: ['a'] }), want: [['constraints[0].value', 'must be a string or a number']] },
  { name: 'an unknown operator', doc: constrained(1, { field: 'rack', operator: 'EQ', value: 'x' }), want: [['constraints[0].operator', OPERATORS]] },
  { name: 'CLUSTER on two values of one field', doc: constrained(1, { field: 'rack', operator: 'CLUSTER', value: 'r1' }, { field: 'rack', operator: 'CLUSTER', value: 'r2' }), want: [['constraints[1]', 'conflicts with constraints[0]']] },
  { name: 'UNIQUE hostname with all instances on one host', doc: constrained(3, { field: 'hostname', operator: 'UNIQUE' }, { field: 'hostname', operator: 'CLUSTER', value: 'node-1' }), want: [['constraints[0]', 'conflicts with constraints[1]']] },
  { name: 'MAX_PER below the instances pinned by IS', doc: constrained(5, { field: 'rack', operator: 'IS', value: 'r1' }, { field: 'rack', operator: 'MAX_PER', value: '2' }), want: [['constraints[1]', 'conflicts with constraints[0]']] },
  { name: 'minimumHealthCapacity above 1', doc: service({ upgradeStrategy: { minimumHealthCapacity: 1.5 } }), want: [['upgradeStrategy.minimumHealthCapacity', 'must be <= 1']] },
  { name: 'a backoff factor below 1', doc: service({ backoff: { factor: 0.5 } }), want: [['backoff.factor', 'must be >= 1']] },
  { name: 'a backoff maximum below its start', doc: service({ backoff: { initialSeconds: 10, maxSeconds: 5 } }), want: [['backoff.maxSeconds', 'must be >= backoff.initialSeconds (10)']] },
  { name: 'an unknown placement', doc: service({ placement: 'random' }), want: [['placement', 'must be one of spread, binpack']] },
  { name: 'a negative kill grace period', doc: service({ killGracePeriodSeconds: -1 }), want: [['killGracePeriodSeconds', 'must be >= 0']] },
  { name: 'a zero deployment deadline', doc: service({ deploymentDeadlineSeconds: 0 }), want: [['deploymentDeadlineSeconds', 'must be > 0']] },
  { name: 'a role with a space', doc: service({ role: 'web team' }), want: [['role', 'must be "*" or a role name like "web" or "team/web"']] },
  { name: 'a label that is not a string', doc: service({ labels: { team: 7 } }), want: [['labels.team', 'must be a string']] },
  { name: 'the same dependency twice', doc: group(dep('/a', '/b', '/b'), dep('/b')), want: [['services[0].dependencies[1]', 'duplicate item']] },
  { name: 'two services with one id', doc: group(dep('/a'), dep('/b'), dep('/a')), want: [['services[2].id', 'duplicate id "/a"']] },
  { name: 'a dependency on a service not in the file', doc: group(dep('/a', '/db')), want: [['services[0].dependencies[0]', 'unknown service "/db"']] },
  { name: 'a two-service cycle', doc: group(dep('/a', '/b'), dep('/b', '/a')), want: [['services[1].dependencies[0]', 'dependency cycle /a -> /b -> /a']] },
  { name: 'a three-service cycle', doc: group(dep('/c'), dep('/a', '/b'), dep('/b', '/c', '/d'), dep('/d', '/a')), want: [['services[3].dependencies[0]', 'dependency cycle /a -> /b -> /d -> /a']] },
  { name: 'a service that depends on itself', doc: group(dep('/a', '/a')), want: [['services[0].dependencies[0]', 'dependency cycle /a -> /a']] },
  { name: 'an empty group', doc: group(), want: [['services', 'must have at least 1 item']] },
  { name: 'a group with an unknown field', doc: { ...group(dep('/a')), name: 'shop' }, want: [['name', 'unknown field "name"']] },
  { name: 'a bad service inside a group', doc: group(dep('/a'), service({ id: '/b', resources: { cpus: 0, memMb: 1 } })), want: [['services[1].resources.cpus', 'must be > 0']] },
  { name: 'a top-level array', text: '[1, 2]', want: [['', 'must be an object']] },
  { name: 'a file over 1 MiB', text: `id: /a\nlabels:\n  big: "${'x'.repeat(1024 * 1024)}"\n`, want: [['', 'file too large']] },
  { name: 'bad YAML', text: 'id: /a\ncontainer: [image\n', want: [['', 'invalid YAML']] },
  { name: 'duplicate YAML keys', text: 'id: /a\nid: /b\n', want: [['', 'invalid YAML']] },
  { name: 'two YAML documents', text: 'id: /a\n---\nid: /b\n', want: [['', 'invalid YAML']] },
  { name: 'bad JSON', text: '{"id": "/a",}', filename: 'a.json', want: [['', 'invalid JSON']] },
  { name: 'a YAML alias bomb', text: aliasBomb(), want: [['', 'too many aliases']] },
  { name: 'nesting 40 levels deep', text: `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`, want: [['', 'too deeply nested']] },
  { name: 'YAML flow nesting deeper than the parser stack', text: `a: ${'['.repeat(5000)}${']'.repeat(5000)}`, want: [['', 'too deeply nested']] },
  { name: 'YAML of 400 KB of flow indicators (slow in the parser)', text: `id: /a\ncmd: ${'{}[]'.repeat(100_000)}\n`, want: [['', 'too many flow indicators']] },
  { name: 'YAML of one flow mapping with 100,000 entries (slow in the parser)', text: `id: /a\nresources: { cpus: 0.1, ${'ports:, '.repeat(100_000)}}\n`, want: [['', 'too many entries']] },
  { name: 'YAML of 100,000 anchors on one line (slow in the parser)', text: `id: /a\ncmd: ${'&a '.repeat(100_000)}\n`, want: [['', 'too many entries']] },
  { name: 'YAML of 100,000 quoted scalars on one line (slow in the parser)', text: `id: /a\ncmd: ${'"n"'.repeat(100_000)}\n`, want: [['', 'too many entries']] },
  { name: 'YAML flow nesting 40 levels deep', text: `a: ${'['.repeat(40)}1${']'.repeat(40)}`, want: [['', 'too deeply nested']] },
  { name: 'an empty file', text: '  \n', want: [['', 'empty file']] },
];

function aliasBomb(): string {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd']]) lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
  return lines.join('\n');
}

t.test(`${INVALID.length} invalid files are refused with the field and rule`, async (t) => {
  t.ok(INVALID.length >= 30);
  for (const c of INVALID) {
    const text = c.text ?? JSON.stringify(c.doc);
    t.same(refused(t, parseServiceFile(text, c.filename ? { filename: c.filename } : {})), c.want, c.name);
  }
});

t.test('every problem is reported, not only the first', async (t) => {
  const doc = service({ instances: -2, resources: { cpus: 0, memMb: 64, gpus: 1 }, healthChecks: [{ protocol: 'TCP', portName: 'nope' }] });
  t.same(refused(t, parseServiceFile(JSON.stringify(doc))), [
    ['instances', 'must be >= 0'],
    ['resources.gpus', 'unknown field "gpus"'],
    ['resources.cpus', 'must be > 0'],
  ], 'schema problems come together (semantic checks wait for a schema-valid file)');
});

t.test('messages explain the rule and suggest the field meant', async (t) => {
  const r = parseServiceFile(JSON.stringify(service({ resources: { cpus: 1, memMb: 64, diskMB: 1 } })), { filename: 'web.json' });
  t.equal(r.ok ? '' : r.problems[0]?.message, 'resources has an unknown field "diskMB" (did you mean "diskMb"?)');
  const like = parseServiceFile(JSON.stringify(constrained(1, { field: 'rack', operator: 'LIKE', value: 'r(1' })));
  t.match(like.ok ? '' : like.problems[0]?.message, /^constraints\[0\]\.value must be a valid regular expression: .*Unterminated group/);
  const port = parseServiceFile(JSON.stringify(service({ healthChecks: [{ protocol: 'TCP', portName: 'admin' }] })));
  t.match(port.ok ? '' : port.problems[0]?.message, /names port admin, but the service's ports are http/);
  const cycle = parseServiceFile(JSON.stringify(group(dep('/a', '/b'), dep('/b', '/a'))));
  t.equal(cycle.ok ? '' : cycle.problems[0]?.message, 'services[1].dependencies[0] closes a dependency cycle: /a -> /b -> /a');
  const pinned = parseServiceFile(JSON.stringify(group(dep('/a'), constrained(3, { field: 'hostname', operator: 'UNIQUE' }, { field: 'hostname', operator: 'IS', value: 'n1' }))));
  t.equal(pinned.ok ? '' : pinned.problems[0]?.message, 'services[1].constraints[0] (UNIQUE) allows 1 instance per hostname, but constraints[1] puts all 3 on hostname "n1"');
  const misspelt = parseServiceFile(JSON.stringify({ service: [] }));
  t.match(misspelt.ok ? [] : misspelt.problems.map((p) => p.message), ['id is required', 'container is required', 'resources is required', 'the file has an unknown field "service" (did you mean "services"?)']);
  const both = parseServiceFile(JSON.stringify(service({ container: { image: 'x', command: 'a', args: ['b'] } })));
  t.equal(both.ok ? '' : both.problems[0]?.message, 'container.args is not allowed with container.command');
  const yaml = parseServiceFile('id: /a\ncontainer: [image\n', { filename: 'web.yaml' });
  t.match(yaml.ok ? '' : yaml.problems[0]?.message, /^web\.yaml:3:1: /, 'YAML errors carry the file, line and column');
  const json = parseServiceFile('{\n "id": "/a",\n}', { filename: 'web.json' });
  t.match(json.ok ? '' : json.problems[0]?.message, /^web\.json:3:1: /, 'JSON errors carry the file, line and column');
});

const SINGLE: ServiceSpec = {
  id: '/shop/api',
  instances: 3,
  container: { image: 'registry.example/shop-api:1.4.2', args: ['--listen', '0.0.0.0'], env: { LOG_LEVEL: 'info' } },
  resources: { cpus: 0.25, memMb: 256, diskMb: 0, ports: [{ name: 'http' }, { name: 'admin', number: 9990 }] },
  role: '*',
  constraints: [{ field: 'rack', operator: 'GROUP_BY' }, { field: 'hostname', operator: 'MAX_PER', value: '2' }],
  healthChecks: [
    { protocol: 'HTTP', path: '/healthz', portName: 'http', delaySeconds: 15, intervalSeconds: 60, timeoutSeconds: 20, gracePeriodSeconds: 300, maxConsecutiveFailures: 3 },
    { protocol: 'TCP', portName: 'admin', delaySeconds: 15, intervalSeconds: 60, timeoutSeconds: 20, gracePeriodSeconds: 300, maxConsecutiveFailures: 3 },
  ],
  readinessCheck: { path: '/ready', portName: 'http', intervalSeconds: 30, timeoutSeconds: 10 },
  upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 1 },
  backoff: { initialSeconds: 1, factor: 1.15, maxSeconds: 300 },
  killGracePeriodSeconds: 10,
  shutdownDelaySeconds: 2,
  loadBalancer: { algorithm: 'round-robin' },
  labels: {},
  dependencies: [],
  deploymentDeadlineSeconds: 600,
  placement: 'spread',
};

t.test('traffic fields: service ports, shutdown delay and the load balancing algorithm', async (t) => {
  const r = parseServiceFile(JSON.stringify(service({ resources: { cpus: 1, memMb: 1, ports: [{ name: 'http', servicePort: 10080 }] }, shutdownDelaySeconds: 0, loadBalancer: { algorithm: 'least-connections' } })));
  t.same(r.ok && r.services[0]?.resources.ports, [{ name: 'http', servicePort: 10080 }]);
  t.equal(r.ok && r.services[0]?.shutdownDelaySeconds, 0, '0 is a value, not a gap');
  t.same(r.ok && r.services[0]?.loadBalancer, { algorithm: 'least-connections' });
  const plain = parseServiceFile(JSON.stringify(service()));
  t.equal(plain.ok && plain.services[0]?.shutdownDelaySeconds, 2, 'default 2 s');
  t.same(plain.ok && plain.services[0]?.loadBalancer, { algorithm: 'round-robin' });
  const bad = parseServiceFile(JSON.stringify(service({ resources: { cpus: 1, memMb: 1, ports: [{ name: 'http', servicePort: 70000 }] }, shutdownDelaySeconds: 301, loadBalancer: { algorithm: 'random' } })));
  t.same(problemsOrNone(bad).sort(), [
    ['loadBalancer.algorithm', 'must be one of round-robin, least-connections'],
    ['resources.ports[0].servicePort', 'must be a whole number from 1024 to 65535'],
    ['shutdownDelaySeconds', 'must be a number of seconds from 0 to 300'],
  ].sort());
});

t.test('a short check interval shortens the default timeout instead of refusing it', async (t) => {
  const r = parseServiceFile(JSON.stringify(service({ healthChecks: [{ protocol: 'TCP', portName: 'http', intervalSeconds: 5 }], readinessCheck: { portName: 'http', intervalSeconds: 2 } })));
  t.equal(r.ok && r.services[0]?.healthChecks[0]?.timeoutSeconds, 5);
  t.equal(r.ok && r.services[0]?.readinessCheck?.timeoutSeconds, 2);
});

t.test('YAML numbers are accepted as constraint values and read as strings', async (t) => {
  const r = parseServiceFile('id: /a\ninstances: 2\ncontainer: { image: x }\nresources: { cpus: 1, memMb: 1 }\nconstraints:\n  - { field: zone, operator: MAX_PER, value: 2 }\n  - { field: rack, operator: IS, value: 7 }\n  - { field: rack, operator: CLUSTER, value: "7" }\n');
  t.same(r.ok && r.services[0]?.constraints, [{ field: 'zone', operator: 'MAX_PER', value: '2' }, { field: 'rack', operator: 'IS', value: '7' }, { field: 'rack', operator: 'CLUSTER', value: '7' }], 'IS 7 and CLUSTER "7" agree');
  const env = parseServiceFile('id: /a\ncontainer: { image: x, env: { PORT: 8080 } }\nresources: { cpus: 1, memMb: 1 }\n');
  t.equal(env.ok ? '' : env.problems[0]?.message, 'container.env.PORT must be a string, not 8080 (quote it in YAML)');
});

t.test('a single service in YAML parses to the filled spec', async (t) => {
  const r = parseServiceFile(fixture('single.yaml'), { filename: 'single.yaml' });
  t.same(r, { ok: true, format: 'berth', services: [SINGLE], warnings: [] });
  t.strictSame(r.ok && r.services[0], SINGLE, 'no extra or undefined fields');
});

t.test('a group in JSON parses to filled specs, in file order', async (t) => {
  const r = parseServiceFile(fixture('group.json'), { filename: 'group.json' });
  if (!r.ok) return t.fail(JSON.stringify(r.problems));
  t.same(r.services.map((s) => [s.id, s.dependencies]), [['/shop/web', ['/shop/api']], ['/shop/api', ['/shop/db']], ['/shop/db', []]]);
  const [web, api, db] = r.services;
  t.strictSame(web?.container, { image: 'busybox:latest', command: 'httpd -f -p $PORT0', args: [], env: {} });
  t.equal(web?.placement, 'binpack');
  t.equal(web?.instances, 2);
  t.strictSame(api?.container, { image: 'busybox:latest', command: 'sleep 3600', args: [], env: {}, user: 'nobody' });
  t.strictSame(api?.resources, { cpus: 0.5, memMb: 128, diskMb: 100, ports: [] });
  t.strictSame(api?.healthChecks, [{ protocol: 'COMMAND', command: 'true', delaySeconds: 15, intervalSeconds: 60, timeoutSeconds: 20, gracePeriodSeconds: 300, maxConsecutiveFailures: 0 }]);
  t.equal(api?.instances, 1, 'instances default to 1');
  t.strictSame(db?.backoff, { initialSeconds: 5, factor: 1.15, maxSeconds: 60 });
  t.strictSame(db?.constraints, [{ field: 'disk', operator: 'IS', value: 'ssd' }]);
  t.equal(db?.killGracePeriodSeconds, 30);
  t.strictSame(db?.labels, { tier: 'data' });
  t.notOk('readinessCheck' in db!, 'no readiness check unless asked for');
});

t.test('YAML anchors and merge keys share fields between services', async (t) => {
  const text = [
    'services:',
    '  - &base',
    '    id: /base',
    '    container: { image: "busybox:1.36" }',
    '    resources: { cpus: 0.1, memMb: 32 }',
    '  - { <<: *base, id: /a }',
    '  - { <<: *base, id: /b, instances: 2 }',
  ].join('\n');
  const r = parseServiceFile(text);
  t.same(r.ok && r.services.map((s) => [s.id, s.instances, s.container.image, s.resources.memMb]), [['/base', 1, 'busybox:1.36', 32], ['/a', 1, 'busybox:1.36', 32], ['/b', 2, 'busybox:1.36', 32]]);
  t.same(problemsOrNone(parseServiceFile(`x-base: 1\n${text}`)), [['x-base', 'unknown field "x-base"']], 'there is no place for anchors outside the services');
});

t.test('the same service in YAML and in JSON parses the same', async (t) => {
  const fromYaml = parseServiceFile(fixture('single.yaml'), { filename: 'single.yaml' });
  const asJson = JSON.stringify(parseServiceFile(fixture('single.yaml')).ok ? fromYaml.ok && fromYaml.services[0] : {});
  t.same(parseServiceFile(asJson), fromYaml, 'without a file name, JSON is recognised by its first character');
});

t.test('a filled spec is valid input and parses to itself', async (t) => {
  const group = parseServiceFile(fixture('group.json'));
  if (!group.ok) return t.fail('group.json refused');
  t.same(parseServiceFile(JSON.stringify({ services: group.services })), group, 'command with args: [] included');
  t.same(parseServiceFile(JSON.stringify(SINGLE)), { ok: true, format: 'berth', services: [SINGLE], warnings: [] });
});

t.test('filling defaults is idempotent and copies', async (t) => {
  const filled = fillDefaults(SINGLE);
  t.strictSame(filled, SINGLE);
  t.not(filled.container.env, SINGLE.container.env);
  filled.resources.ports.push({ name: 'extra' });
  t.equal(SINGLE.resources.ports.length, 2, 'changing the copy leaves the input alone');
});

t.test('examples/services/web.yaml parses', async (t) => {
  const text = readFileSync(new URL('../../examples/services/web.yaml', import.meta.url), 'utf8');
  const r = parseServiceFile(text, { filename: 'web.yaml' });
  if (!r.ok) return t.fail(JSON.stringify(r.problems));
  const [web] = r.services;
  t.equal(web?.instances, 5);
  t.match(web?.container.command, /echo "instance \$BERTH_TASK_ID" > \/tmp\/www\/index.html && httpd -f -p \$PORT0 -h \/tmp\/www$/);
  t.same(web?.constraints, [{ field: 'hostname', operator: 'UNIQUE' }]);
  t.match(web?.healthChecks, [{ protocol: 'HTTP', path: '/', portName: 'http' }]);
});

t.test('every example under examples/services parses, Marathon ones without unsupported fields', async (t) => {
  const dir = new URL('../../examples/services/', import.meta.url);
  const names = readdirSync(dir).filter((n) => /\.(ya?ml|json)$/.test(n)).sort();
  t.same(names, ['hello.yaml', 'marathon-web.json', 'shop.yaml', 'web.yaml']);
  for (const name of names) {
    const r = parseServiceFile(readFileSync(new URL(name, dir), 'utf8'), { filename: name });
    t.same(problemsOrNone(r), [], name);
    t.same(r.warnings, [], `${name}: no warnings`);
  }
  const shop = parseServiceFile(readFileSync(new URL('shop.yaml', dir), 'utf8'), { filename: 'shop.yaml' });
  t.same(shop.ok && deployOrder(shop.services), [['/shop/db'], ['/shop/api'], ['/shop/web']]);
  t.same(shop.ok && shop.services.map((s) => s.labels), [{ app: 'shop' }, { app: 'shop' }, { app: 'shop' }], 'merged from the first service');
});

t.test('docs/services-spec.schema.json is the schema the parser uses', async (t) => {
  const published = readFileSync(new URL('../../docs/services-spec.schema.json', import.meta.url), 'utf8');
  t.equal(published, `${JSON.stringify(serviceFileSchema, null, 2)}\n`, 'out of date: build, then run node scripts/write-services-schema.mjs');
});

t.test('a group deploys in waves of dependencies', async (t) => {
  const r = parseServiceFile(fixture('group.json'));
  t.same(r.ok && deployOrder(r.services), [['/shop/db'], ['/shop/api'], ['/shop/web']]);
  const wide = parseServiceFile(JSON.stringify(group(dep('/web', '/api', '/cache'), dep('/api', '/db'), dep('/db'), dep('/cache'))));
  t.same(wide.ok && deployOrder(wide.services), [['/db', '/cache'], ['/api'], ['/web']], 'independent services share a wave, in file order');
});

t.test('no input makes the parser throw', async (t) => {
  const never = (text: string) => {
    const r = parseServiceFile(text);
    return r.ok ? r.services.length > 0 : r.problems.length > 0 && r.problems.every((p) => typeof p.path === 'string' && p.rule !== '');
  };
  fc.assert(fc.property(fc.string({ maxLength: 200 }), never), { numRuns: 200 });
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => never(JSON.stringify(v) ?? 'null')), { numRuns: 200 });
  // Valid files with one field replaced by anything, in both formats.
  const marathon = { id: '/a', cmd: 'x', cpus: 1, mem: 64, container: { type: 'DOCKER', docker: { image: 'x' } }, healthChecks: [{ protocol: 'HTTP' }] };
  const keys = ['id', 'instances', 'container', 'resources', 'constraints', 'healthChecks', 'readinessCheck', 'dependencies', 'cmd', 'cpus', 'portDefinitions', 'env', 'upgradeStrategy', 'labels', 'apps', 'groups'];
  fc.assert(fc.property(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }), fc.boolean(), (key, value, useMarathon) => {
    const doc = useMarathon ? { ...marathon, [key]: value } : { ...service(), [key]: value };
    return never(JSON.stringify(doc));
  }), { numRuns: 300 });
  // fc.assert throws on the first counterexample, failing the test; this line only reports.
  t.comment('700 generated files, every one answered with services or problems');
});
