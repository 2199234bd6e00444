// `berth jobs get JOB --watch` through the built binary on a real berth dev: it prints the job and
// its runs when it starts, again as a run starts and ends (the batch framework's stream), and
// stops with exit 0 on Ctrl-C; a run id is refused, naming what --watch follows.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import t from 'tap';
import { batchUrlOf, berth, CLI, dev } from '../helpers/cli.js';
import { until } from '../helpers/poll.js';

t.before(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build dist/ first (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs)`);
});

type Watched = { job?: { id: string }; runs: { runId: string; state: string }[] };

t.test('berth jobs get JOB --watch -o json prints a document per change until Ctrl-C', async (t) => {
  const cluster = await dev(t, ['--runtime', 'process', '--agents', '1', '--batch-port', '0']);
  const batch = await batchUrlOf(cluster);
  const submitted = await fetch(`${batch}/api/v1/jobs`, { method: 'POST', headers: { ...cluster.headers, 'content-type': 'application/json' }, body: JSON.stringify({ id: '/watch/me', command: 'sleep 1', resources: { cpus: 0.1, memMb: 16 } }) });
  t.equal(submitted.status, 201);
  const child = spawn(process.execPath, [CLI, 'jobs', 'get', 'watch/me', '--watch', '-o', 'json', '--batch', batch], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const docs = (): Watched[] => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Watched);
  const first = await until('the first document', () => docs()[0]);
  t.equal(first.job?.id, '/watch/me', 'the job, its leading slash added');
  t.same(first.runs, [], 'no runs yet');

  const started = (await (await fetch(`${batch}/api/v1/jobs/${encodeURIComponent('/watch/me')}/runs`, { method: 'POST', headers: cluster.headers })).json()) as { runId: string };
  const done = await until('a document with the run succeeded', () => docs().find((d) => d.runs.some((r) => r.runId === started.runId && r.state === 'succeeded')), 30_000);
  t.equal(done.runs.length, 1, 'the one run');
  t.ok(docs().some((d) => d.runs.some((r) => r.state !== 'succeeded')), 'it was printed before it ended too');
  const code = await new Promise<number | null>((resolve) => {
    child.once('close', resolve);
    child.kill('SIGINT');
  });
  t.equal(code, 0, `exit 0 on Ctrl-C (stderr: ${err})`);

  const refused = await berth(['jobs', 'get', started.runId, '--watch', '--batch', batch]);
  t.not(refused.code, 0);
  t.match(refused.stderr, /--watch follows a job, not a run/);
});
