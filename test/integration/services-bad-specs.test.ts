// Invalid service files sent to `POST /api/v1/services` and `/plan`: each is answered 400 (413 when
// too big) with the field path and the rule it breaks, nothing is applied, and the API still
// answers afterwards. One row per spec; every row runs the same checks on both routes.
import t from 'tap';
import { fakeServicesApi } from '../helpers/services-control.js';

const base = {
  id: '/team/web',
  instances: 2,
  container: { image: 'busybox:1', command: 'httpd -f -p $PORT0' },
  resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http' }] },
};
type Spec = Record<string, unknown>;
/** The base service with fields replaced (undefined removes one). */
const svc = (over: Spec): string => JSON.stringify(Object.fromEntries(Object.entries({ ...base, ...over }).filter(([, v]) => v !== undefined)));
const withResources = (over: Spec) => svc({ resources: { ...base.resources, ...over } });
const withContainer = (over: Spec) => svc({ container: { ...base.container, ...over } });
const group = (...services: Spec[]) => JSON.stringify({ services: services.map((s) => ({ ...base, ...s })) });
const marathon = (over: Spec) => JSON.stringify({ id: '/legacy/app', cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 1, container: { type: 'DOCKER', docker: { image: 'busybox:1' } }, ...over });
const httpCheck = { protocol: 'HTTP', portName: 'http' };

interface Case {
  name: string;
  body: string;
  type?: string;
  /** Where the problem is, and its rule (a string is matched whole). */
  path: string;
  rule: string | RegExp;
  status?: number;
}

const cases: Case[] = [
  { name: 'instances is a string', body: svc({ instances: 'three' }), path: 'instances', rule: 'must be an integer' },
  { name: 'negative instances', body: svc({ instances: -1 }), path: 'instances', rule: 'must be >= 0' },
  { name: 'too many instances', body: svc({ instances: 10_001 }), path: 'instances', rule: 'must be <= 10000' },
  { name: 'fractional instances', body: svc({ instances: 1.5 }), path: 'instances', rule: 'must be an integer' },
  { name: 'negative cpus', body: withResources({ cpus: -0.5 }), path: 'resources.cpus', rule: 'must be > 0' },
  { name: 'zero memory', body: withResources({ memMb: 0 }), path: 'resources.memMb', rule: 'must be > 0' },
  { name: 'negative disk', body: withResources({ diskMb: -10 }), path: 'resources.diskMb', rule: 'must be >= 0' },
  { name: 'cpus as a string', body: withResources({ cpus: '1' }), path: 'resources.cpus', rule: 'must be a number' },
  { name: 'port number out of range', body: withResources({ ports: [{ name: 'http', number: 70_000 }] }), path: 'resources.ports[0].number', rule: 'must be <= 65535' },
  { name: 'duplicate port names', body: withResources({ ports: [{ name: 'http' }, { name: 'http' }] }), path: 'resources.ports[1].name', rule: 'duplicate port name "http"' },
  { name: 'unknown top-level field', body: svc({ replicas: 3 }), path: 'replicas', rule: 'unknown field "replicas"' },
  { name: 'unknown container field', body: withContainer({ imagee: 'x' }), path: 'container.imagee', rule: 'unknown field "imagee"' },
  { name: 'missing id', body: svc({ id: undefined }), path: 'id', rule: 'required' },
  { name: 'missing resources', body: svc({ resources: undefined }), path: 'resources', rule: 'required' },
  { name: 'id not path-like', body: svc({ id: 'Team/Web' }), path: 'id', rule: /^must be a path of lower-case segments/ },
  { name: 'image with a space', body: withContainer({ image: 'busy box' }), path: 'container.image', rule: 'must be an image reference without spaces' },
  { name: 'command and args together', body: withContainer({ args: ['-v'] }), path: 'container.args', rule: 'not allowed with container.command' },
  { name: 'bad environment variable name', body: withContainer({ env: { '1X': 'y' } }), path: 'container.env["1X"]', rule: /^must be a variable name/ },
  { name: 'id ending in history', body: svc({ id: '/team/web/history' }), path: 'id', rule: 'last segment must not be history, scale, restart, rollback, endpoints' },
  { name: 'id ending in rollback, in a group', body: group({ id: '/team/api' }, { id: '/team/rollback' }), path: 'services[1].id', rule: 'last segment must not be history, scale, restart, rollback, endpoints' },
  { name: 'a role the framework does not have', body: svc({ role: 'gpu' }), path: 'role', rule: 'must be one of *, web' },
  { name: 'an unknown constraint operator', body: svc({ constraints: [{ field: 'hostname', operator: 'NEAR' }] }), path: 'constraints[0].operator', rule: /^must be one of UNIQUE/ },
  { name: 'MAX_PER of zero', body: svc({ constraints: [{ field: 'rack', operator: 'MAX_PER', value: '0' }] }), path: 'constraints[0].value', rule: 'must be a positive integer for MAX_PER' },
  { name: 'LIKE with a broken regular expression', body: svc({ constraints: [{ field: 'rack', operator: 'LIKE', value: '[r' }] }), path: 'constraints[0].value', rule: 'must be a valid regular expression' },
  { name: 'UNIQUE with a value', body: svc({ constraints: [{ field: 'hostname', operator: 'UNIQUE', value: 'x' }] }), path: 'constraints[0].value', rule: 'not allowed with operator UNIQUE' },
  { name: 'CLUSTER without a value', body: svc({ constraints: [{ field: 'rack', operator: 'CLUSTER' }] }), path: 'constraints[0].value', rule: 'required by operator CLUSTER' },
  { name: 'two CLUSTER values for one field (impossible)', body: svc({ constraints: [{ field: 'rack', operator: 'CLUSTER', value: 'r1' }, { field: 'rack', operator: 'IS', value: 'r2' }] }), path: 'constraints[1]', rule: 'conflicts with constraints[0]' },
  { name: 'UNIQUE hostname on one CLUSTER host for 2 instances (impossible)', body: svc({ constraints: [{ field: 'hostname', operator: 'UNIQUE' }, { field: 'hostname', operator: 'CLUSTER', value: 'host1' }] }), path: 'constraints[0]', rule: 'conflicts with constraints[1]' },
  { name: 'HTTP health check without a port', body: svc({ healthChecks: [{ protocol: 'HTTP' }] }), path: 'healthChecks[0].portName', rule: 'required by protocol HTTP' },
  { name: 'health check on a port the service lacks', body: svc({ healthChecks: [{ ...httpCheck, portName: 'admin' }] }), path: 'healthChecks[0].portName', rule: 'unknown port "admin"' },
  { name: 'health check timeout beyond its interval', body: svc({ healthChecks: [{ ...httpCheck, intervalSeconds: 5, timeoutSeconds: 10 }] }), path: 'healthChecks[0].timeoutSeconds', rule: 'must be <= intervalSeconds (5)' },
  { name: 'negative health check grace period', body: svc({ healthChecks: [{ ...httpCheck, gracePeriodSeconds: -1 }] }), path: 'healthChecks[0].gracePeriodSeconds', rule: 'must be >= 0' },
  { name: 'minimumHealthCapacity above 1', body: svc({ upgradeStrategy: { minimumHealthCapacity: 1.5 } }), path: 'upgradeStrategy.minimumHealthCapacity', rule: 'must be <= 1' },
  { name: 'backoff maximum below its start', body: svc({ backoff: { initialSeconds: 10, maxSeconds: 5 } }), path: 'backoff.maxSeconds', rule: 'must be >= backoff.initialSeconds (10)' },
  { name: 'zero deployment deadline', body: svc({ deploymentDeadlineSeconds: 0 }), path: 'deploymentDeadlineSeconds', rule: 'must be > 0' },
  { name: 'unknown placement', body: svc({ placement: 'random' }), path: 'placement', rule: 'must be one of spread, binpack' },
  { name: 'cyclic dependencies', body: group({ id: '/g/a', dependencies: ['/g/b'] }, { id: '/g/b', dependencies: ['/g/a'] }), path: 'services[1].dependencies[0]', rule: 'dependency cycle /g/a -> /g/b -> /g/a' },
  { name: 'a dependency on a missing service', body: group({ id: '/g/a', dependencies: ['/g/nope'] }), path: 'services[0].dependencies[0]', rule: 'unknown service "/g/nope"' },
  { name: 'a dependency cycle through a running service', body: svc({ id: '/ring/a', dependencies: ['/ring/b'] }), path: 'dependencies[0]', rule: 'dependency cycle /ring/a -> /ring/b -> /ring/a' },
  { name: 'duplicate ids in a group', body: group({ id: '/g/a' }, { id: '/g/a' }), path: 'services[1].id', rule: 'duplicate id "/g/a"' },
  { name: 'an empty group', body: JSON.stringify({ services: [] }), path: 'services', rule: 'must have at least 1 item' },
  { name: 'a list instead of an object', body: '[1, 2]', path: '', rule: 'must be an object' },
  { name: 'bad YAML', body: 'id: /team/web\ncontainer: { image: busybox\n', type: 'text/yaml', path: '', rule: 'invalid YAML' },
  { name: 'two YAML documents', body: 'id: /a\n---\nid: /b\n', type: 'application/x-yaml', path: '', rule: 'invalid YAML' },
  { name: 'a YAML alias bomb', body: ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 6 }, (_, k) => `${String.fromCharCode(98 + k)}: &${String.fromCharCode(98 + k)} [${Array(10).fill(`*${String.fromCharCode(97 + k)}`).join(',')}]`)].join('\n'), type: 'text/yaml', path: '', rule: 'too many aliases' },
  { name: 'bad JSON', body: '{"id": "/team/web", ', type: 'application/json', path: '', rule: 'invalid JSON' },
  { name: 'an empty file', body: '   \n', type: 'text/plain', path: '', rule: 'empty file' },
  { name: 'nesting too deep', body: `${'['.repeat(40)}${']'.repeat(40)}`, path: '', rule: 'too deeply nested' },
  { name: 'a file over 1 MiB', body: `# ${'x'.repeat(1024 * 1024)}\n${svc({})}`, type: 'text/yaml', path: '', rule: 'file too large', status: 413 },
  { name: 'Marathon: negative cpus', body: marathon({ cpus: -1 }), path: 'cpus', rule: 'must be > 0' },
  { name: 'Marathon: mem as a string', body: marathon({ mem: '128' }), path: 'mem', rule: 'must be a number' },
  { name: 'Marathon: a constraint of one element', body: marathon({ constraints: [['hostname']] }), path: 'constraints[0]', rule: 'must be [field, operator] or [field, operator, value]' },
  { name: 'Marathon: an unknown constraint operator', body: marathon({ constraints: [['hostname', 'NEAR']] }), path: 'constraints[0][1]', rule: /^must be one of UNIQUE/ },
  { name: 'Marathon: a health check on a missing port index', body: marathon({ healthChecks: [{ protocol: 'HTTP', portIndex: 2 }] }), path: 'healthChecks[0].portIndex', rule: 'no port at index 2' },
  { name: 'Marathon: apps not a list', body: JSON.stringify({ id: '/legacy', apps: { id: 'x' } }), path: 'apps', rule: 'must be an array' },
  { name: 'Marathon: a group with a dependency cycle', body: JSON.stringify({ id: '/legacy', apps: [JSON.parse(marathon({ id: 'a', dependencies: ['b'] })), JSON.parse(marathon({ id: 'b', dependencies: ['a'] }))] }), path: 'apps[1].dependencies[0]', rule: 'dependency cycle /legacy/a -> /legacy/b -> /legacy/a' },
  { name: 'Marathon: a role the framework does not have', body: marathon({ role: 'gpu' }), path: 'role', rule: 'must be one of *, web' },
  { name: 'a service port taken by another service of the file', body: group({ resources: { cpus: 1, memMb: 8, ports: [{ name: 'http', servicePort: 24050 }] } }, { id: '/team/b', resources: { cpus: 1, memMb: 8, ports: [{ name: 'web', servicePort: 24050 }] } }), path: 'services[1].resources.ports[0].servicePort', rule: 'service port 24050 is taken' },
  { name: 'Marathon: an id ending in scale', body: marathon({ id: '/legacy/scale' }), path: 'id', rule: 'last segment must not be history, scale, restart, rollback, endpoints' },
];

void t.test(`${cases.length} invalid specs are refused with the field and the rule, and nothing is applied`, async (t) => {
  t.ok(cases.length >= 30, `${cases.length} cases`);
  const { call, control } = await fakeServicesApi(t);
  // In the cluster already: a service, and two whose dependency a file may turn into a cycle.
  const seeded = await call('POST', '/api/v1/services', group({ id: '/ring/a' }, { id: '/ring/b', dependencies: ['/ring/a'] }));
  t.equal(seeded.status, 200, JSON.stringify(seeded.body));
  control.settle();
  const before = JSON.stringify([...control.states.entries()]);
  const commits = control.commits.length;

  for (const c of cases) {
    void t.test(c.name, async (t) => {
      for (const path of ['/api/v1/services/plan', '/api/v1/services']) {
        const r = await call('POST', path, c.body, c.type ?? 'application/json');
        const status = c.status ?? 400;
        t.equal(r.status, status, `${path}: ${status}`);
        t.equal(r.body.code, status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', `${path}: code`);
        t.type(r.body.message, 'string');
        t.type(r.body.field, 'string');
        const problems = (r.body.problems ?? []) as { path: string; rule: string; message: string }[];
        const hit = problems.find((p) => p.path === c.path && (typeof c.rule === 'string' ? p.rule === c.rule : c.rule.test(p.rule)));
        t.ok(hit, `${path}: a problem at "${c.path}" with rule ${String(c.rule)}; got ${JSON.stringify(problems.map((p) => [p.path, p.rule]))}`);
        t.ok(hit && hit.message.length > hit.rule.length, `${path}: with a message for a person`);
      }
      t.equal(control.commits.length, commits, 'nothing committed');
      t.equal(JSON.stringify([...control.states.entries()]), before, 'the services are as they were');
      t.same(await call('GET', '/health'), { status: 200, body: { ok: true } }, 'the API still answers');
    });
  }
});
