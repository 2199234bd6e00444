// berth dev with authentication on, as a person uses it: the banner's export line, the auth file it
// writes (mode 0600, a token per process), and the CLI without a token (401: what to do, exit 4),
// with a wrong one, with --token or BERTH_TOKEN (it works, on the master and the frameworks), and
// with a token whose principal may not (403: the server's message, exit 4); streams too.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { stateCommand } from '../../cli/commands/state.js';
import { helpText } from '../../cli/flags.js';
import { CLI, dev, frameworkUrlOf } from '../helpers/cli.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** berth with `env` on a copy of this process's environment without its BERTH_ variables. */
function berthWith(env: Record<string, string>, args: string[]): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BERTH_')));
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { timeout: 30_000, env: { ...base, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

const WHAT_TO_DO = 'set BERTH_TOKEN (berth dev prints it) or pass --token';

void t.test('berth dev prints an admin token; the CLI needs it, and a weaker one is refused', async (t) => {
  const data = await mkdtemp(join(tmpdir(), 'berth-auth-e2e-'));
  const cluster = await dev(t, ['--runtime', 'process', '--agents', '1', '--data', data, '--services-port', '0', '--batch-port', '0']);
  // The data folder goes once berth dev has stopped writing in it.
  t.teardown(async () => {
    if (cluster.child.exitCode === null && cluster.child.signalCode === null) {
      const exited = new Promise((resolve) => cluster.child.once('exit', resolve));
      cluster.child.kill('SIGINT');
      await exited;
    }
    await rm(data, { recursive: true, force: true });
  });
  const services = await frameworkUrlOf(cluster, 'services');
  const batch = await frameworkUrlOf(cluster, 'batch');
  t.match(cluster.output(), /^export BERTH_TOKEN=[A-Za-z0-9_-]{32}$/m, 'the banner has the export line');

  const file = join(data, 'auth.yaml');
  t.equal((await stat(file)).mode & 0o777, 0o600, 'auth.yaml is readable by its owner only');
  const written = parse(await readFile(file, 'utf8')) as { principals: { name: string; token: string }[] };
  t.same(written.principals.map((p) => p.name), ['admin', 'agent', 'services', 'batch', 'lb', 'dns'], 'one principal per process, and the admin');
  t.equal(written.principals.find((p) => p.name === 'admin')?.token, cluster.token, 'the printed token is the admin one');
  const lbToken = written.principals.find((p) => p.name === 'lb')!.token;
  t.equal(new Set(written.principals.map((p) => p.token)).size, 6, 'every token is its own');

  const master = ['--master', cluster.http];
  const none = await berthWith({}, ['state', ...master]);
  t.equal(none.code, 4, 'no token: refused, exit 4');
  t.match(none.stderr, /401: UNAUTHENTICATED/);
  t.match(none.stderr, WHAT_TO_DO, 'and says what to do');
  const wrong = await berthWith({}, ['state', ...master, '--token', 'not-the-token-of-anyone-here']);
  t.equal(wrong.code, 4);
  t.match(wrong.stderr, /was not accepted/, 'a wrong token is said to be refused');
  const flag = await berthWith({}, ['state', ...master, '--token', cluster.token, '-o', 'json']);
  t.equal(flag.code, 0, `--token works: ${flag.stderr}`);
  t.equal((JSON.parse(flag.stdout) as { agents: unknown[] }).agents.length, 1);
  const flagWins = await berthWith({ BERTH_TOKEN: 'not-the-token-of-anyone-here' }, ['agents', ...master, '--token', cluster.token]);
  t.equal(flagWins.code, 0, 'the flag wins over the variable');
  const bad = await berthWith({}, ['state', ...master, '--token', 'has space']);
  t.equal(bad.code, 2, 'a token that cannot be a header is a usage error');
  t.match(bad.stderr, /--token must be 1 to 4096 printable ASCII characters without spaces/);

  const forbidden = await berthWith({}, ['state', ...master, '--token', lbToken]);
  t.equal(forbidden.code, 4, 'a principal without read: refused, exit 4');
  t.match(forbidden.stderr, /403: FORBIDDEN principal lb may not read/, "the server's message is printed");

  const watch = await berthWith({}, ['state', '--watch', ...master]);
  t.equal(watch.code, 4, 'the state stream without a token: exit 4');
  t.match(watch.stderr, WHAT_TO_DO);

  for (const args of [['services', 'ls', '--services', services], ['jobs', 'ls', '--batch', batch]]) {
    const refused = await berthWith({}, args);
    t.equal(refused.code, 4, `${args.join(' ')} without a token: exit 4`);
    t.match(refused.stderr, WHAT_TO_DO);
    const allowed = await berthWith({ BERTH_TOKEN: cluster.token }, [...args, '-o', 'json']);
    t.equal(allowed.code, 0, `${args.join(' ')} with BERTH_TOKEN: ${allowed.stderr}`);
  }
  const lbCannotWrite = await berthWith({ BERTH_TOKEN: lbToken }, ['services', 'rm', '/nope', '--services', services]);
  t.equal(lbCannotWrite.code, 4, 'the lb principal may read services but not change them');
  t.match(lbCannotWrite.stderr, /403: FORBIDDEN principal lb may not change services/);
  t.match(helpText(stateCommand), /--token TOKEN\s+the bearer token .*\(env: BERTH_TOKEN, the flag wins\)/, '--help names the flag and its variable');
});
