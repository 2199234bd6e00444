// `berth services endpoints` and `berth services get --watch` through the built binary, against
// the real services HTTP API on an in-memory control: tables, JSON and YAML, a document per change
// while watching (the services stream), the end of a watch when the service is removed or on
// Ctrl-C, and the exit codes of usage errors, unknown services and an unreachable framework.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import t, { type Test } from 'tap';
import { parse as parseYaml } from 'yaml';
import { berth, CLI } from '../helpers/cli.js';
import { until } from '../helpers/poll.js';
import { fakeAgents, fakeServicesApi, FakeServicesControl, type ApiCall } from '../helpers/services-control.js';

t.before(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build dist/ first (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs)`);
});

const web = (instances: number) => ({
  id: '/team/web',
  instances,
  container: { image: 'busybox:1', command: 'httpd -f -p $PORT0' },
  resources: { cpus: 0.1, memMb: 32, ports: [{ name: 'http', servicePort: 24210 }] },
  loadBalancer: { algorithm: 'least-connections' },
});

async function cluster(t: Test): Promise<{ url: string; call: ApiCall; control: FakeServicesControl }> {
  const agents = fakeAgents(2);
  agents[0]!.address = '127.0.0.21';
  agents[1]!.address = '127.0.0.22';
  const api = await fakeServicesApi(t, new FakeServicesControl(agents), undefined, 20);
  const applied = await api.call('POST', '/api/v1/services', web(2));
  if (applied.status !== 200) throw new Error(JSON.stringify(applied.body));
  api.control.settle();
  return api;
}

/** Spawns the CLI, collecting its output; `lines()` are stdout's JSON lines. */
function watching(t: Test, args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    docs: (): any[] => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown),
    out: () => out,
    err: () => err,
    closed,
    interrupt: () => child.kill('SIGINT'),
  };
}

t.test('endpoints prints a table, JSON and YAML of what the API answers', async (t) => {
  const { url, call } = await cluster(t);
  const answer = (await call('GET', '/api/v1/services/team/web/endpoints')).body;
  const table = await berth(['services', 'endpoints', '/team/web', '--services', url]);
  t.equal(table.code, 0, table.stderr);
  t.match(table.stdout, /^\/team\/web {2}web\.team\.services\.berth$/m);
  t.match(table.stdout, /algorithm +least-connections/);
  t.match(table.stdout, /service ports +http=24210/);
  t.match(table.stdout, /ENDPOINTS \(2 in rotation\)/);
  for (const e of answer.endpoints as { id: string; host: string; ports: { http: number } }[]) {
    t.match(table.stdout, new RegExp(`${e.id.replace(/\./g, '\\.')} +${e.host.replace(/\./g, '\\.')} +http=${e.ports.http} +1 +host\\d \\(a\\d\\) +in rotation`));
  }
  const json = await berth(['services', 'endpoints', 'team/web', '-o', 'json', '--services', url]);
  t.equal(json.code, 0);
  t.same(JSON.parse(json.stdout), answer, '-o json is the answer as it came; the id may leave out its slash');
  const yaml = await berth(['services', 'endpoints', '/team/web', '-o', 'yaml', '--services', url]);
  t.same(parseYaml(yaml.stdout), answer);
});

/** `berth services ACTION /team/web --watch -o json`, once its first document equals GET `path`. */
async function watchJson(t: Test, action: string, path: string) {
  const c = await cluster(t);
  const w = watching(t, ['services', action, '/team/web', '--watch', '-o', 'json', '--services', c.url]);
  await until('the first document', () => w.docs().length >= 1);
  t.same(w.docs()[0], (await c.call('GET', path)).body, `the first document is GET ${path}`);
  return { ...c, w };
}

t.test('endpoints --watch -o json prints a document per change and stops when the service is removed', async (t) => {
  const { call, control, w } = await watchJson(t, 'endpoints', '/api/v1/services/team/web/endpoints');
  await call('POST', '/api/v1/services/team/web/scale', { instances: 3 });
  control.settle();
  const three = await until('a document with three endpoints', () => w.docs().find((d) => d.endpoints.length === 3));
  t.same(three, (await call('GET', '/api/v1/services/team/web/endpoints')).body, 'equal to the API after the change');
  await call('DELETE', '/api/v1/services/team/web');
  t.equal(await w.closed, 0, 'the watch ends when the service is removed');
  t.match(w.err(), /berth services endpoints: \/team\/web was removed; stopped watching/);
});

t.test('get --watch prints the service again on every change until Ctrl-C', async (t) => {
  const { url, call, control, w } = await watchJson(t, 'get', '/api/v1/services/team/web');
  await call('POST', '/api/v1/services/team/web/scale', { instances: 1 });
  control.settle();
  const scaled = await until('version 2 with one instance', () => w.docs().find((d) => d.version === 2 && d.instances.length === 1));
  t.equal(scaled.spec.instances, 1);
  w.interrupt();
  t.equal(await w.closed, 0, `exit 0 on Ctrl-C (stderr: ${w.err()})`);

  const tables = watching(t, ['services', 'get', '/team/web', '--watch', '--services', url]);
  await until('the table', () => /^\/team\/web  version 2 /m.test(tables.out()) && /INSTANCES \(1\)/.test(tables.out()));
  await call('POST', '/api/v1/services/team/web/scale', { instances: 2 });
  control.settle();
  await until('the table printed again', () => /INSTANCES \(2\)/.test(tables.out()));
  tables.interrupt();
  t.equal(await tables.closed, 0);
});

t.test('usage errors exit 2, an unknown service 3, an unreachable framework 5', async (t) => {
  const { url } = await cluster(t);
  for (const [args, message] of [
    [['services', 'endpoints'], /endpoints needs a service id/],
    [['services', 'ls', '--watch'], /--watch is for get and endpoints/],
    [['services', 'history', '/team/web', '--watch'], /--watch is for get and endpoints/],
    [['services', 'get', '/team/endpoints'], /a service id cannot end in 'endpoints'/],
    [['services', 'endpoints', '/team/web', '-o', 'csv'], /--output must be one of table, json, yaml/],
  ] as [string[], RegExp][]) {
    const r = await berth([...args, '--services', url]);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, message, args.join(' '));
  }
  for (const args of [['services', 'endpoints', '/team/nope'], ['services', 'endpoints', '/team/nope', '--watch'], ['services', 'get', '/team/nope', '--watch']]) {
    const r = await berth([...args, '--services', url]);
    t.equal(r.code, 3, args.join(' '));
    t.match(r.stderr, /answered 404: NOT_FOUND no service \/team\/nope/);
  }
  const down = await berth(['services', 'endpoints', '/team/web', '--watch', '--services', 'http://127.0.0.1:47']);
  t.equal(down.code, 5);
  t.match(down.stderr, /cannot reach the services framework at http:\/\/127\.0\.0\.1:47/);
  const help = await berth(['services', '--help']);
  for (const word of ['endpoints ID [--watch]', 'get ID [--watch]', '--watch']) t.match(help.stdout, word);
  const completion = await berth(['completion', 'bash']);
  t.match(completion.stdout, /endpoints/, 'the completion script offers the endpoints action');
});
