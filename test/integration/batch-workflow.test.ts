// A workflow on a real master and agent: /a -> (/b, /c) -> /d runs in dependency order; /b
// failing skips /d naming /b; a re-run from /b finishes /d and does not run /a again.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { WorkflowRunRecord } from '../../frameworks/batch/store/index.js';
import { testCluster } from '../helpers/cluster.js';
import { runNow, submit, testBatch } from '../helpers/batch.js';
import { until } from '../helpers/poll.js';

void t.test('a DAG runs in order, a failure stops its dependants, a re-run from it finishes them', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-batch-dag-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { master } = await testCluster(t, 'process', { agents: 1 });
  const fw = await testBatch(t, master.url);
  // Each job appends its name to a log file; /b succeeds only once the "fixed" file exists.
  const job = (id: string, command: string, dependsOn: string[] = []) => ({
    id, command, env: { DIR: dir }, resources: { cpus: 0.1, memMb: 16 }, dependsOn,
  });
  await submit(fw, [
    job('/a', 'echo a >> "$DIR/order"'),
    job('/b', 'test -f "$DIR/fixed" && echo b >> "$DIR/order"', ['/a']),
    job('/c', 'echo c >> "$DIR/order"', ['/a']),
    job('/d', 'echo d >> "$DIR/order"', ['/b', '/c']),
  ]);
  const { workflowRunId } = await runNow(fw, '/a');
  t.ok(workflowRunId, 'running /a runs its workflow');
  const wfOf = async (): Promise<WorkflowRunRecord | undefined> => {
    const r = await fw.commands.getRun(workflowRunId!);
    return r.ok && 'workflow' in r ? r.workflow : undefined;
  };
  const first = await until('the workflow run failed', async () => ((await wfOf())?.outcome === 'failed' ? wfOf() : undefined), 30_000);
  t.equal(first!.states['/a']!.state, 'succeeded');
  t.equal(first!.states['/c']!.state, 'succeeded');
  t.equal(first!.states['/b']!.state, 'failed');
  t.match(first!.states['/b']!.reason, /failed/);
  t.same(first!.states['/d'], { state: 'skipped', reason: 'skipped: /b failed', failedAncestor: '/b' });
  t.same((await readFile(join(dir, 'order'), 'utf8')).trim().split('\n'), ['a', 'c'], 'a before c; d never ran');

  await writeFile(join(dir, 'fixed'), '');
  const rerun = await fw.commands.rerun(workflowRunId!, '/b');
  t.ok(rerun.ok, rerun.ok ? '' : rerun.message);
  const second = await until('the workflow run succeeded', async () => ((await wfOf())?.outcome === 'succeeded' ? wfOf() : undefined), 30_000);
  t.same(Object.values(second!.states).map((s) => s.state), ['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  t.equal(second!.runs['/a']!.length, 1, '/a ran once');
  t.equal(second!.runs['/c']!.length, 1, '/c ran once');
  t.equal(second!.runs['/b']!.length, 2, '/b ran again');
  t.same((await readFile(join(dir, 'order'), 'utf8')).trim().split('\n'), ['a', 'c', 'b', 'd'], 'd after b, a not again');
});

void t.test('a re-run is refused for a job that did not fail, and for one not in the workflow', async (t) => {
  const { master } = await testCluster(t, 'process', { agents: 1 });
  const fw = await testBatch(t, master.url);
  await submit(fw, [
    { id: '/x', command: 'true', resources: { cpus: 0.1, memMb: 16 } },
    { id: '/y', command: 'true', resources: { cpus: 0.1, memMb: 16 }, dependsOn: ['/x'] },
  ]);
  const { workflowRunId } = await runNow(fw, '/x');
  await until('done', async () => {
    const r = await fw.commands.getRun(workflowRunId!);
    return r.ok && 'workflow' in r && r.workflow.outcome === 'succeeded';
  }, 30_000);
  const notFailed = await fw.commands.rerun(workflowRunId!, '/y');
  t.match(notFailed, { ok: false, code: 'CONFLICT', field: 'from' });
  const unknown = await fw.commands.rerun(workflowRunId!, '/zzz');
  t.match(unknown, { ok: false, code: 'BAD_REQUEST', field: 'from' });
});
