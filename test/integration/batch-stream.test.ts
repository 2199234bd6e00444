// The batch framework's state stream over a real WebSocket, on a real master and process agent:
// a watcher equals GET /api/v1/jobs and the runs API after jobs are submitted, run (alone and as
// a workflow) and deleted; a `job=` watcher sees only that job; a reader resumes from its version
// with patches only; bad queries are refused with HTTP 400 naming the field.
import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import { dialText, watchState, type StreamFrame } from '../../protocol/index.js';
import { finished, runNow, submit, testBatch } from '../helpers/batch.js';
import { testCluster } from '../helpers/cluster.js';
import { until } from '../helpers/poll.js';

type Doc = Record<string, unknown>;
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null));

t.test('the batch stream', async (t) => {
  const { master } = await testCluster(t, 'process', { agents: 1 });
  const fw = await testBatch(t, master.url);
  const ws = `${fw.url.replace(/^http/, 'ws')}/api/v1/stream`;
  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${fw.url}${path}`)).json()) as T;
  /** The document as the GET calls show it: the jobs, every job's runs, each workflow run read by id. */
  const viaGet = async (only?: string): Promise<Doc> => {
    const jobs = (await get<{ jobs: { id: string }[] }>('/api/v1/jobs')).jobs.filter((j) => only === undefined || j.id === only);
    const runs = (await Promise.all(jobs.map(async (j) => (await get<{ runs: { seq: number }[] }>(`/api/v1/jobs/${encodeURIComponent(j.id)}/runs`)).runs))).flat().sort((a, b) => a.seq - b.seq);
    return { jobs, runs };
  };
  const converged = (what: string, doc: () => Doc | undefined, only?: string): Promise<boolean> => until(what, async () => {
    const d = doc();
    if (!d) return false;
    const expected = await viaGet(only);
    return isDeepStrictEqual(plain({ jobs: d.jobs, runs: d.runs }), plain(expected));
  }, 20_000, 50);

  const stop = new AbortController();
  t.teardown(() => stop.abort());
  let snapshots = 0;
  const statuses: string[] = [];
  const all = watchState(ws, { signal: stop.signal, onStatus: (m) => statuses.push(m), onUpdate: (_d, f) => void (f.snapshot && snapshots++) });
  const one = watchState(`${ws}?job=${encodeURIComponent('/etl/load')}`, { signal: stop.signal, onUpdate: () => undefined });
  const runsOnly = watchState(`${ws}?include=runs`, { signal: stop.signal, onUpdate: () => undefined });
  await until('the first snapshots', () => all.doc && one.doc && runsOnly.doc);
  t.same(plain(all.doc), { jobs: [], runs: [], workflows: [] }, 'an empty framework');

  const job = (id: string, dependsOn: string[] = []) => ({ id, command: 'echo ran', resources: { cpus: 0.1, memMb: 16 }, dependsOn });
  await submit(fw, [job('/solo'), job('/etl/extract'), job('/etl/load', ['/etl/extract'])]);
  await converged('the watcher showing the submitted jobs', () => all.doc);
  for (let i = 0; i < 3; i++) await finished(fw, (await runNow(fw, '/solo')).runId);
  const wf = await runNow(fw, '/etl/extract');
  t.ok(wf.workflowRunId, 'a job with dependants starts a workflow run');
  await until('the workflow run finished', async () => (await get<{ workflow?: { outcome?: string } }>(`/api/v1/runs/${wf.workflowRunId!}`)).workflow?.outcome);
  await converged('the watcher equal to the GET calls after the runs', () => all.doc);
  t.equal((all.doc!.runs as unknown[]).length, 5, 'three runs of /solo, one of each workflow job');
  const workflows = all.doc!.workflows as { id: string }[];
  t.same(workflows.map((w) => w.id), [wf.workflowRunId], 'the workflow run is listed');
  t.same(plain(workflows[0]), plain((await get<{ workflow: unknown }>(`/api/v1/runs/${wf.workflowRunId!}`)).workflow), 'as GET /api/v1/runs/{id} shows it');

  await converged('the job= watcher equal to that job and its runs', () => one.doc, '/etl/load');
  t.equal((one.doc!.jobs as unknown[]).length, 1, 'only /etl/load');
  t.same((one.doc!.workflows as { id: string }[]).map((w) => w.id), [wf.workflowRunId], 'and the workflow run it is in');
  t.same(Object.keys(runsOnly.doc!), ['runs'], 'include=runs sends only the runs');
  await until('the include=runs watcher caught up', () => isDeepStrictEqual(plain(runsOnly.doc!.runs), plain(all.doc!.runs)));

  // A reader that left at a version comes back and gets only the patches after it.
  const left = all.position!;
  await finished(fw, (await runNow(fw, '/solo')).runId);
  await converged('the watcher after one more run', () => all.doc);
  const resumed = await dialText(`${ws}?stream=${left.stream}&since=${left.version}`);
  t.teardown(() => resumed.close(1000, 'done'));
  const frame = JSON.parse(await new Promise<string>((resolve) => resumed.onText(resolve))) as StreamFrame;
  t.ok('patch' in frame && frame.version > left.version, `a patch after version ${left.version}, not a snapshot`);
  const stranger = await dialText(`${ws}?stream=another-stream&since=${left.version}`);
  t.teardown(() => stranger.close(1000, 'done'));
  t.ok('snapshot' in (JSON.parse(await new Promise<string>((resolve) => stranger.onText(resolve))) as StreamFrame), 'another stream\'s version gets a snapshot');

  // A watcher whose connection drops resumes without a new snapshot and stays equal.
  all.dropConnection();
  const deleted = await fetch(`${fw.url}/api/v1/jobs/${encodeURIComponent('/solo')}`, { method: 'DELETE' });
  t.equal(deleted.status, 200, '/solo deleted');
  await converged('the watcher after the drop and the delete', () => all.doc);
  t.notOk((all.doc!.jobs as { id: string }[]).some((j) => j.id === '/solo'), 'the deleted job is gone from the stream');
  t.notOk((all.doc!.runs as { jobId: string }[]).some((r) => r.jobId === '/solo'), 'and its runs');
  t.equal(snapshots, 1, 'one snapshot: the reconnect resumed with patches');
  t.match(statuses, [/resuming from version \d+/], 'it reconnected once');

  for (const [query, field] of [['?include=jobs,colour', 'include'], ['?include=', 'include'], ['?since=3', 'stream'], ['?stream=x&since=-1', 'since'], ['?stream=x', 'since'], ['?job=etl', 'job']] as const) {
    await t.rejects(dialText(`${ws}${query}`), new RegExp(`HTTP 400: .*"field":"${field}"`), `${query} is refused naming ${field}`);
  }
});
