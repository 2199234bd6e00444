// berth services against a stand-in for the services HTTP API: the requests the CLI sends (paths,
// bodies, content types), what it prints, and its exit codes.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { berth, CLI } from '../helpers/cli.js';
import { fakeServicesApi, refusal, type Answer } from '../helpers/fake-services-api.js';

t.before(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build dist/ first (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs)`);
});

const WEB = '/api/v1/services/team/web';

function spec(instances = 3) {
  return {
    id: '/team/web', instances, role: 'web', placement: 'spread', constraints: [], healthChecks: [], labels: {}, dependencies: [],
    container: { image: 'busybox:latest', command: 'httpd -f -p $PORT0', args: [], env: {} },
    resources: { cpus: 0.1, memMb: 32, diskMb: 0, ports: [{ name: 'http' }] },
    upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 }, backoff: { initialSeconds: 1, factor: 2, maxSeconds: 60 },
    killGracePeriodSeconds: 3, deploymentDeadlineSeconds: 300,
  };
}

function instance(id: string, version: number, healthy: boolean) {
  return { id, version, agentId: 'agent-1', hostname: 'host-1', state: 'running', healthy, ready: true, ports: { http: 31000 }, startedAtMs: Date.now() - 5_000 };
}

function detail(version: number, deployment: object | null, instances: object[], reasons: string[] = [], status = 'deploying') {
  return { id: '/team/web', version, status, spec: spec(), deployment, reasons, instances, versions: [3, version] };
}

const running = (to: number, extra: object = {}) => ({ fromVersion: 3, toVersion: to, phase: 'running', startedAtMs: Date.now(), deadlineMs: Date.now() + 300_000, ...extra });

function file(name: string, text: string): string {
  const path = join(t.testdir(), name);
  writeFileSync(path, text);
  return path;
}

const PLAN = {
  format: 'berth',
  services: [{
    id: '/team/web', change: 'update', fromVersion: 3,
    patch: [{ op: 'replace', path: '/instances', value: 5 }, { op: 'add', path: '/labels/tier', value: 'web' }],
    steps: [
      { kind: 'launch', version: 4, count: 2, placementHints: { placements: [], avoidAgentIds: [], pending: [] } },
      { kind: 'wait', until: { event: 'instances-healthy' }, why: 'new instances must pass their health checks' },
    ],
    placements: [{ agentId: 'agent-7', hostname: 'rack1-host7', ports: { http: 31007 } }],
    pending: [{ count: 1, reason: 'UNIQUE hostname: every agent already runs one' }],
    dominantShare: { role: 'web', before: { share: 0.125, resource: 'cpus' }, after: { share: 0.25, resource: 'cpus' } },
    spec: spec(5),
  }],
  deployOrder: ['/team/web'],
  untouched: ['/team/db'],
  warnings: [],
  unsupported: [],
};

t.test('plan sends the file as it is and prints the patch, steps, placements, pending reasons and dominant share', async (t) => {
  const api = await fakeServicesApi(t, (r) => (r.method === 'POST' && r.path === '/api/v1/services/plan' ? [200, PLAN] : undefined));
  const yaml = 'id: /team/web\ninstances: 5\n';
  const r = await berth(['services', 'plan', '-f', file('web.yaml', yaml), '--services', api.url]);
  t.equal(r.code, 0, r.stderr);
  t.equal(api.seen[0]?.body, yaml, 'the file is sent unchanged');
  t.equal(api.seen[0]?.contentType, 'application/x-yaml');
  t.match(r.stdout, /\/team\/web: update \(running version 3\)/);
  t.match(r.stdout, /replace \/instances 5/);
  t.match(r.stdout, /add \/labels\/tier "web"/);
  t.match(r.stdout, /launch 2 instances of version 4/);
  t.match(r.stdout, /wait for instances-healthy: new instances must pass/);
  t.match(r.stdout, /rack1-host7 \(agent-7\)\s+ports http=31007/);
  t.match(r.stdout, /1 instance: UNIQUE hostname: every agent already runs one/);
  t.match(r.stdout, /dominant share of role web: 12\.5% of cpus -> 25\.0% of cpus/);
  t.match(r.stdout, /left as they are: \/team\/db/);

  const json = await berth(['services', 'plan', '-f', file('web.json', '{"id":"/team/web"}'), '-o', 'json', '--services', api.url]);
  t.equal(json.code, 0, json.stderr);
  t.same(JSON.parse(json.stdout), PLAN, '-o json prints the API answer');
  t.equal(api.seen[1]?.contentType, 'application/json');
  const stdin = await berth(['services', 'plan', '-f', '-', '-o', 'yaml', '--services', api.url], 30_000, yaml);
  t.same(parseYaml(stdin.stdout), PLAN, '-f - reads stdin; -o yaml prints the answer as YAML');
  t.equal(api.seen[2]?.body, yaml);
});

t.test('plan of Marathon JSON lists the fields that were not translated', async (t) => {
  const unsupported = [{ path: 'fetch', rule: 'unsupported', message: 'fetch is not supported: build the files into the image' }];
  const api = await fakeServicesApi(t, () => [200, { ...PLAN, format: 'marathon', unsupported }]);
  const r = await berth(['services', 'plan', '-f', file('app.json', '{}'), '--services', api.url]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /format: marathon/);
  t.match(r.stdout, /unsupported Marathon fields \(not translated\): 1\n\s+fetch: unsupported \(fetch is not supported: build the files into the image\)/);
});

t.test('a refused file prints every problem as path: rule (message) and exits 4 (refused)', async (t) => {
  const problems = [
    { path: 'services[0].instances', rule: 'minimum', message: 'instances must be >= 0, got -1' },
    { path: 'services[1].cpu', rule: 'unknown-field', message: 'unknown field "cpu"' },
  ];
  const api = await fakeServicesApi(t, () => refusal(400, 'BAD_REQUEST', 'the file has 2 problems; nothing was applied', 'services[0].instances', problems));
  const r = await berth(['services', 'apply', '-f', file('bad.yaml', 'x: 1'), '--services', api.url]);
  t.equal(r.code, 4);
  t.match(r.stderr, /answered 400: BAD_REQUEST/);
  t.match(r.stderr, /^ {2}services\[0\]\.instances: minimum \(instances must be >= 0, got -1\)$/m);
  t.match(r.stderr, /^ {2}services\[1\]\.cpu: unknown-field \(unknown field "cpu"\)$/m);
  t.equal(r.stdout, '');
});

t.test('apply --wait shows progress until the deployment succeeds, and exits 0', async (t) => {
  const api = await fakeServicesApi(t, (r, nth) => {
    if (r.method === 'POST' && r.path === '/api/v1/services') return [200, { services: [{ id: '/team/web', version: 4, change: 'update' }, { id: '/team/db', version: 2, change: 'unchanged' }], warnings: [], unsupported: [] }];
    if (r.method !== 'GET' || r.path !== WEB) return undefined;
    if (nth === 1) return [200, detail(4, running(4), [instance('a', 3, true), instance('b', 4, true)], ['waiting for 2 instances to become healthy'])];
    if (nth === 2) return [200, detail(4, running(4), [instance('b', 4, true), instance('c', 4, true)])];
    return [200, detail(4, { ...running(4), phase: 'succeeded' }, [instance('b', 4, true), instance('c', 4, true), instance('d', 4, true)], [], 'stable')];
  });
  const r = await berth(['services', 'apply', '-f', file('web.yaml', 'id: /team/web'), '--wait', '--services', api.url]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /\/team\/web: updated, version 4/);
  t.match(r.stdout, /\/team\/db: unchanged \(version 2\)/);
  t.match(r.stdout, /\/team\/web v4: deploying, updated 1\/3, healthy 2; waiting for 2 instances to become healthy/);
  t.match(r.stdout, /\/team\/web v4: deploying, updated 2\/3, healthy 2/);
  t.match(r.stdout, /\/team\/web: version 4 deployed/);
  t.equal(api.calls('GET', WEB).length, 3, 'polled until the deployment ended');
  t.equal(api.calls('GET', '/api/v1/services/team/db').length, 0, 'an unchanged service is not waited for');
});

t.test('apply --wait exits 1 when the deployment rolled back, saying why', async (t) => {
  const history = {
    id: '/team/web', versions: [],
    deployments: [
      { fromVersion: 3, toVersion: 4, phase: 'rolled-back', startedAtMs: 1, endedAtMs: 2, deadlineMs: 3, stepsDone: 2, reason: 'new instances stayed unhealthy past the deadline (300s)' },
      { fromVersion: 4, toVersion: 3, phase: 'running', startedAtMs: 2, deadlineMs: 5, stepsDone: 0, rollbackOf: 4 },
    ],
  };
  const api = await fakeServicesApi(t, (r, nth) => {
    if (r.method === 'POST' && r.path === '/api/v1/services') return [200, { services: [{ id: '/team/web', version: 4, change: 'update' }], warnings: [], unsupported: [] }];
    if (r.method === 'GET' && r.path === `${WEB}/history`) return [200, history];
    if (r.method !== 'GET' || r.path !== WEB) return undefined;
    if (nth === 1) return [200, detail(4, running(4), [instance('a', 3, true), instance('b', 4, false)])];
    return [200, detail(5, { fromVersion: 4, toVersion: 3, phase: 'running', startedAtMs: 2, deadlineMs: 5, rollbackOf: 4 }, [instance('a', 3, true)], [], 'rolling-back')];
  });
  const r = await berth(['services', 'apply', '-f', file('web.yaml', 'id: /team/web'), '-w', '--services', api.url]);
  t.equal(r.code, 1);
  t.match(r.stdout, /\/team\/web: version 4 ROLLED BACK: new instances stayed unhealthy past the deadline \(300s\)/);
});

t.test('apply --wait exits 1 when the deployment failed; -o json keeps stdout for the answer', async (t) => {
  const answer = { services: [{ id: '/team/web', version: 4, change: 'create' }], warnings: [{ path: 'healthChecks', rule: 'recommended', message: 'no health checks' }], unsupported: [] };
  const api = await fakeServicesApi(t, (r) => {
    if (r.method === 'POST') return [200, answer];
    return [200, detail(4, { ...running(4), fromVersion: null, phase: 'failed', reason: 'crash-looping: 5 failures in 60s' }, [], ['crash-looping'], 'crash-looping')];
  });
  const r = await berth(['services', 'apply', '-f', file('web.yaml', 'id: /team/web'), '--wait', '-o', 'json', '--services', api.url]);
  t.equal(r.code, 1);
  t.same(JSON.parse(r.stdout), answer);
  t.match(r.stderr, /\/team\/web: deployment of version 4 FAILED: crash-looping: 5 failures in 60s/);
});

t.test('ls, get and history print tables, JSON and YAML; an id is taken with or without its slash', async (t) => {
  const summary = { id: '/team/web', version: 4, instances: 3, running: 2, healthy: 2, status: 'deploying', deployment: running(4), role: 'web' };
  const history = { id: '/team/web', versions: [{ version: 3, configVersion: 3, appliedAtMs: Date.UTC(2026, 11, 1, 10), spec: spec() }], deployments: [{ fromVersion: null, toVersion: 3, phase: 'succeeded', startedAtMs: Date.UTC(2026, 11, 1, 10), endedAtMs: Date.UTC(2026, 11, 1, 10, 1), deadlineMs: 0, stepsDone: 3 }] };
  const api = await fakeServicesApi(t, (r): Answer | undefined => {
    if (r.path === '/api/v1/services') return [200, { services: [summary] }];
    if (r.path === WEB) return [200, detail(4, running(4), [instance('web-a', 4, true)], ['1 instance pending: no agent has 0.1 cpus free'])];
    if (r.path === `${WEB}/history`) return [200, history];
    return undefined;
  });
  const ls = await berth(['services', 'ls', '--services', api.url]);
  t.equal(ls.code, 0, ls.stderr);
  t.match(ls.stdout, /\/team\/web\s+4\s+deploying\s+2\/3\s+2\s+web\s+v3 -> v4 running/);
  t.same(JSON.parse((await berth(['services', 'ls', '-o', 'json', '--services', api.url])).stdout), { services: [summary] });
  const get = await berth(['services', 'get', 'team/web', '--services', api.url]);
  t.equal(get.code, 0, get.stderr);
  t.match(get.stdout, /\/team\/web {2}version 4 {2}deploying {2}role web/);
  t.match(get.stdout, /- 1 instance pending: no agent has 0\.1 cpus free/);
  t.match(get.stdout, /web-a\s+4\s+host-1\s+running\s+yes\s+yes\s+http=31000/);
  const yaml = await berth(['services', 'get', '/team/web', '-o', 'yaml', '--services', api.url]);
  t.equal((parseYaml(yaml.stdout) as { instances: { id: string }[] }).instances[0]?.id, 'web-a');
  t.equal(api.calls('GET', WEB).length, 2, 'team/web and /team/web name the same service');
  const h = await berth(['services', 'history', '/team/web', '--services', api.url]);
  t.equal(h.code, 0, h.stderr);
  t.match(h.stdout, /VERSIONS \(1 kept\)\n.*\n\s+3\s+3\s+2026-12-01 10:00:00\s+3\s+busybox:latest/);
  t.match(h.stdout, /-\s+3\s+succeeded\s+2026-12-01 10:00:00\s+2026-12-01 10:01:00/);
});

t.test('scale, restart, rollback and rm send what the contract asks', async (t) => {
  const api = await fakeServicesApi(t, (r) => {
    if (r.method === 'DELETE' && r.path === WEB) return [200, { id: '/team/web', removed: true }];
    if (r.method === 'POST' && r.path === `${WEB}/rollback` && r.body.includes('99')) return refusal(400, 'BAD_REQUEST', 'no version 99 is kept', 'toVersion');
    if (r.method === 'POST' && r.path.startsWith(`${WEB}/`)) return [200, { id: '/team/web', version: 7 }];
    return undefined;
  });
  const scale = await berth(['services', 'scale', 'team/web', '5', '--services', api.url]);
  t.equal(scale.code, 0, scale.stderr);
  t.match(scale.stdout, /\/team\/web: scaled to 5 instances: version 7/);
  t.same(JSON.parse(api.calls('POST', `${WEB}/scale`)[0]?.body ?? ''), { instances: 5 });
  t.equal((await berth(['services', 'restart', '/team/web', '--services', api.url])).code, 0);
  t.equal(api.calls('POST', `${WEB}/restart`)[0]?.body, '', 'restart sends no body');
  t.equal((await berth(['services', 'rollback', '/team/web', '--services', api.url])).code, 0);
  t.equal((await berth(['services', 'rollback', '/team/web', '--to', '2', '--services', api.url])).code, 0);
  t.same(api.calls('POST', `${WEB}/rollback`).map((c) => JSON.parse(c.body) as unknown), [{}, { toVersion: 2 }]);
  const unknown = await berth(['services', 'rollback', '/team/web', '--to', '99', '--services', api.url]);
  t.equal(unknown.code, 4);
  t.match(unknown.stderr, /answered 400: BAD_REQUEST no version 99 is kept/);
  const rm = await berth(['services', 'rm', 'team/web', '--services', api.url]);
  t.equal(rm.code, 0, rm.stderr);
  t.match(rm.stdout, /\/team\/web: removed/);
});

t.test('usage errors exit 2 naming the rule; an unknown service exits 3, an unreachable framework 5', async (t) => {
  const api = await fakeServicesApi(t, () => refusal(404, 'NOT_FOUND', 'no service /team/nope', 'id'));
  const cases: [string[], RegExp][] = [
    [['services'], /name an action: plan, apply, ls/],
    [['services', 'deploy'], /unknown action 'deploy'/],
    [['services', 'plan'], /plan needs -f FILE/],
    [['services', 'get'], /get needs a service id/],
    [['services', 'scale', '/team/web'], /scale needs the number of instances/],
    [['services', 'scale', '/team/web', 'many'], /N must be a whole number from 0 to 10000, got 'many'/],
    [['services', 'rollback', '/team/web', '--to', 'last'], /--to must be a whole number/],
    [['services', 'ls', '--wait'], /--wait is for apply, scale, restart and rollback/],
    [['services', 'get', '/team/history'], /a service id cannot end in 'history'/],
    [['services', 'ls', '--services', 'ftp://x'], /--services must be a URL/],
    [['services', 'ls', '-o', 'xml'], /--output must be one of table, json, yaml/],
  ];
  for (const [args, message] of cases) {
    const r = await berth(args.includes('--services') ? args : [...args, '--services', api.url]);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, message, args.join(' '));
  }
  t.equal(api.seen.length, 0, 'nothing is sent when the command line is wrong');
  const missing = await berth(['services', 'get', '/team/nope', '--services', api.url]);
  t.equal(missing.code, 3);
  t.match(missing.stderr, /answered 404: NOT_FOUND no service \/team\/nope/);
  const down = await berth(['services', 'ls', '--services', 'http://127.0.0.1:47']);
  t.equal(down.code, 5);
  t.match(down.stderr, /cannot reach the services framework at http:\/\/127\.0\.0\.1:47.*berth dev' starts one on :5070/);
  const noFile = await berth(['services', 'apply', '-f', join(t.testdir(), 'missing.yaml'), '--services', api.url]);
  t.equal(noFile.code, 2);
  t.match(noFile.stderr, /cannot read -f .*missing\.yaml: no such file/);
  const help = await berth(['services', '--help']);
  t.equal(help.code, 0);
  for (const word of ['plan -f FILE', 'apply -f FILE [--wait]', 'rollback ID [--to VERSION]', '--services URL', 'Examples:']) t.match(help.stdout, word);
});
