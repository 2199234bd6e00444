// The plan's diff: a JSON Patch between the running spec and a new one, after defaults are filled.
import t from 'tap';
import jsonpatch from 'fast-json-patch';
import { diffServiceSets, diffServiceSpec, fillDefaults, parseServiceFile, type ServiceSpec } from '../../frameworks/services/index.js';

function parseOne(yaml: string): ServiceSpec {
  const r = parseServiceFile(yaml, { filename: 'spec.yaml' });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.services[0]!;
}

const MINIMAL = `
id: /team/web
container: { image: "busybox:1.36", command: "httpd -f -p $PORT0" }
resources: { cpus: 0.5, memMb: 64, ports: [{ name: http }] }
healthChecks: [{ protocol: HTTP, portName: http }]
`;

const SPELLED_OUT = `
id: /team/web
instances: 1
container: { image: "busybox:1.36", command: "httpd -f -p $PORT0", args: [], env: {} }
resources: { cpus: 0.5, memMb: 64, diskMb: 0, ports: [{ name: http }] }
role: "*"
constraints: []
healthChecks:
  - { protocol: HTTP, portName: http, path: /, delaySeconds: 15, intervalSeconds: 60, timeoutSeconds: 20, gracePeriodSeconds: 300, maxConsecutiveFailures: 3 }
upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 }
backoff: { initialSeconds: 1, factor: 1.15, maxSeconds: 300 }
killGracePeriodSeconds: 10
labels: {}
dependencies: []
deploymentDeadlineSeconds: 600
placement: spread
`;

t.test('a spec that only spells out the defaults yields no patch', async (t) => {
  t.same(diffServiceSpec(parseOne(MINIMAL), parseOne(SPELLED_OUT)), []);
  t.same(diffServiceSpec(parseOne(SPELLED_OUT), parseOne(MINIMAL)), []);
});

t.test('inputs without their defaults are filled before comparing', async (t) => {
  const running = parseOne(MINIMAL);
  const input = { id: '/team/web', container: { image: 'busybox:1.36', command: 'httpd -f -p $PORT0' }, resources: { cpus: 0.5, memMb: 64, ports: [{ name: 'http' }] }, healthChecks: [{ protocol: 'HTTP' as const, portName: 'http' }] };
  t.same(diffServiceSpec(running, input), []);
  t.same(diffServiceSpec(input, { ...input, backoff: { factor: 1.15 } }), [], 'a partial object of defaults is no change either');
});

t.test('a new image and instance count are two replace operations', async (t) => {
  const running = parseOne(MINIMAL);
  const next = parseOne(MINIMAL.replace('busybox:1.36', 'busybox:1.37').replace('id: /team/web', 'id: /team/web\ninstances: 5'));
  const patch = diffServiceSpec(running, next);
  t.same(patch, [
    { op: 'replace', path: '/container/image', value: 'busybox:1.37' },
    { op: 'replace', path: '/instances', value: 5 },
  ]);
  t.same(jsonpatch.applyPatch(fillDefaults(running), patch).newDocument, next, 'applying the patch gives the new spec');
});

t.test('added, removed and changed nested fields', async (t) => {
  const running = parseOne(`${MINIMAL}readinessCheck: { portName: http }\nlabels: { team: a }\n`);
  const next = parseOne(`${MINIMAL}labels: { team: b, tier: web }\nconstraints: [{ field: hostname, operator: UNIQUE }]\n`);
  const patch = diffServiceSpec(running, next);
  t.same(patch.map((op) => [op.op, op.path]).sort(), [
    ['add', '/constraints/0'],
    ['add', '/labels/tier'],
    ['remove', '/readinessCheck'],
    ['replace', '/labels/team'],
  ]);
  t.same(jsonpatch.applyPatch(fillDefaults(running), patch).newDocument, next);
});

t.test('a set of services diffs by id', async (t) => {
  const web = parseOne(MINIMAL);
  const api = { ...web, id: '/team/api' };
  const db = { ...web, id: '/team/db' };
  const diff = diffServiceSets([web, api], [{ ...api, instances: 3 }, db, web]);
  t.same(diff.changed, [{ id: '/team/api', patch: [{ op: 'replace', path: '/instances', value: 3 }] }]);
  t.same(diff.added.map((s) => s.id), ['/team/db']);
  t.same(diff.unchanged, ['/team/web']);
  t.same(diff.removed, []);
  t.same(diffServiceSets([web, api], [web]).removed, ['/team/api']);
});
