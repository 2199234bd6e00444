// `berth master --auth-file` and `berth agent --token` through the built binary: the warning when
// authentication is off, a bad file refused at start naming the field, a token-less call refused,
// and an agent that registers with its token (flag or BERTH_AGENT_TOKEN) or stops, saying why.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { TOKENS } from '../helpers/auth.js';
import { berth, CLI } from '../helpers/cli.js';
import { until } from '../helpers/poll.js';
import { spawnMaster } from '../helpers/processes.js';

const FILE = `principals:
  - name: admin
    token: "${TOKENS.admin}"
  - name: agent
    token: "${TOKENS.agent}"
acls:
  - principals: ["admin"]
    actions: ["*"]
    allow: true
  - principals: ["agent"]
    actions: ["register_agent"]
    allow: true
`;

/** `berth agent` kept running; its stderr collected. */
function agentProcess(t: Test, masterUrl: string, args: string[], env: Record<string, string> = {}): { output: () => string; exited: () => number | null | undefined } {
  const proc = spawn(process.execPath, [CLI, 'agent', '--master', masterUrl, '--runtime', 'hollow', '--work-dir', mkdtempSync(join(tmpdir(), 'berth-auth-agent-')), '--log-level', 'info', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, BERTH_AGENT_TOKEN: '', ...env },
  });
  let out = '';
  let code: number | null | undefined;
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  proc.on('exit', (c) => (code = c));
  t.teardown(() => {
    if (code === undefined) proc.kill('SIGKILL');
  });
  return { output: () => out, exited: () => code };
}

t.test('without --auth-file the master warns, once, how to turn authentication on', async (t) => {
  const m = await spawnMaster(t, []);
  await until('the warning', () => /authentication is off/.test(m.output()));
  t.equal(m.output().match(/authentication is off/g)?.length, 1);
  t.match(m.output(), /--auth-file FILE/);
  t.equal((await fetch(`${m.http}/api/v1/state`)).status, 200, 'and it is open');
});

t.test('a bad auth file stops the master at start, naming the field and the rule', async (t) => {
  const dir = t.testdir({ 'auth.yaml': 'principals:\n  - name: admin\n    token: short\nacls: []\n' });
  const bad = await berth(['master', '--port', '0', '--auth-file', join(dir, 'auth.yaml')], 20_000);
  t.equal(bad.code, 2, bad.stderr);
  t.match(bad.stderr, /--auth-file: .*auth\.yaml: principals\[0\]\.token: at least 24 characters/);
  const missing = await berth(['master', '--port', '0', '--auth-file', join(dir, 'nope.yaml')], 20_000);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /cannot read the auth file .*nope\.yaml/);
});

t.test('with --auth-file: calls need a token, and agents register with theirs', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'auth.yaml');
  await writeFile(file, FILE);
  const m = await spawnMaster(t, ['--auth-file', file]);
  t.notMatch(m.output(), /authentication is off/);
  t.equal((await fetch(`${m.http}/health`)).status, 200, '/health stays open');
  t.equal((await fetch(`${m.http}/api/v1/state`)).status, 401);
  const agents = async (): Promise<{ hostname: string; connected: boolean }[]> =>
    (await (await fetch(`${m.http}/api/v1/agents`, { headers: { authorization: `Bearer ${TOKENS.admin}` } })).json()) as { hostname: string; connected: boolean }[];

  const withFlag = agentProcess(t, m.url, ['--hostname', 'with-flag', '--token', TOKENS.agent]);
  const withEnv = agentProcess(t, m.url, ['--hostname', 'with-env'], { BERTH_AGENT_TOKEN: TOKENS.agent });
  await until('both agents registered', async () => (await agents()).filter((a) => a.connected).length === 2, 20_000)
    .catch((err: unknown) => Promise.reject(new Error(`${String(err)}\n${withFlag.output()}\n${withEnv.output()}`)));
  t.same((await agents()).map((a) => a.hostname).sort(), ['with-env', 'with-flag']);

  const wrong = agentProcess(t, m.url, ['--hostname', 'wrong', '--token', `${TOKENS.agent}x`]);
  await until('the agent with a wrong token says why', () => /UNAUTHENTICATED/.test(wrong.output()), 20_000);
  t.match(wrong.output(), /refused the connection \(HTTP 401\) UNAUTHENTICATED: the token is not valid/);
  t.notMatch(wrong.output(), new RegExp(TOKENS.agent), 'the token is never logged');
  t.equal((await agents()).length, 2, 'and is not registered');
});
