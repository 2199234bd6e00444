// `berth state --watch` through the built binary: it prints the state when it starts, again when
// an agent joins (the master's stream), and stops with exit 0 on Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import t from 'tap';
import { testAgent } from '../helpers/cluster.js';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

const CLI = 'dist/cli/main.js';

t.before(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' (npm test does it first)`);
});

t.test('berth state --watch -o json prints a document per change until Ctrl-C', async (t) => {
  const master = await testMaster(t, { streamTickMs: 50 });
  const child = spawn(process.execPath, [CLI, 'state', '--watch', '-o', 'json', '--master', master.httpUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const docs = (): { agents: { hostname: string }[] }[] => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { agents: { hostname: string }[] });
  await until('the first document', () => docs().length >= 1);
  t.equal(docs()[0]!.agents.length, 0);
  await testAgent(t, master.url, 'hollow', { ports: [33700, 33799] });
  const withAgent = await until('a document with the agent', () => docs().find((d) => d.agents.length === 1));
  t.equal(withAgent.agents[0]!.hostname, 'test-hollow');
  const code = await new Promise<number | null>((resolve) => {
    child.once('close', resolve);
    child.kill('SIGINT');
  });
  t.equal(code, 0, `exit 0 on Ctrl-C (stderr: ${err})`);
});

t.test('berth state --watch against nothing says what failed and keeps trying until Ctrl-C', async (t) => {
  const child = spawn(process.execPath, [CLI, 'state', '--watch', '--master', 'http://127.0.0.1:9'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await until('a retry message', () => /cannot reach ws:\/\/127\.0\.0\.1:9\/api\/v1\/stream.*retrying in \d+ ms/.test(err));
  const code = await new Promise<number | null>((resolve) => {
    child.once('close', resolve);
    child.kill('SIGINT');
  });
  t.equal(code, 0);
});
