// The BatchStore contract: one suite every implementation passes (MemoryBatchStore,
// RedisBatchStore). Each test gets a fresh, empty store from the factory.
import type { Test } from 'tap';
import { parseJobs, type JobSpec } from '../../frameworks/batch/index.js';
import { frameworkAuditContract } from './framework-audit-contract.js';
import type { BatchStore, RunRecord, WorkflowRunRecord } from '../../frameworks/batch/store/index.js';

export interface BatchStoreHandle {
  store: BatchStore;
  /** Opens the same state again as a restarted process would; undefined when nothing survives. */
  reopen?: (() => Promise<BatchStore>) | undefined;
}

/** A fresh, empty store; `auditLimit` bounds its audit log. */
export type BatchStoreFactory = (t: Test, auditLimit?: number) => Promise<BatchStoreHandle>;

export function sampleJob(id = '/render'): JobSpec {
  const parsed = parseJobs(JSON.stringify({ id, command: 'echo ${taskIndex}', resources: { cpus: 0.1, memMb: 16 }, parallelism: 5, completions: 10 }));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.jobs[0]!;
}

export function sampleRun(runId: string, jobId = '/render', seq = 1): RunRecord {
  return { runId, jobId, spec: sampleJob(jobId), seq, params: { day: '2026-12-01' }, createdMs: 1_000, scheduledMs: undefined, workflowRunId: undefined, state: 'pending', reason: 'waiting for resources', outcome: undefined };
}

export function batchStoreContract(t: Test, open: BatchStoreFactory): void {
  frameworkAuditContract(t, open);
  void t.test('starts empty', async (t) => {
    const { store } = await open(t);
    t.equal(await store.frameworkId(), undefined);
    t.same(await store.listJobs(), []);
    t.same(await store.listRuns(), []);
    t.same(await store.listWorkflowRuns(), []);
    t.same(await store.listCursors(), []);
    t.equal(await store.getRun('nope'), undefined);
    t.same(await store.runEvents('nope'), []);
  });

  void t.test('keeps the framework id, jobs and cursors; deletes them', async (t) => {
    const { store } = await open(t);
    const job = sampleJob();
    await store.apply({ frameworkId: 'fw-1', jobs: [{ spec: job, submittedMs: 5 }], cursors: [{ jobId: job.id, lastScheduledMs: undefined, sinceMs: 5 }] });
    t.equal(await store.frameworkId(), 'fw-1');
    t.same((await store.getJob('/render'))?.spec, JSON.parse(JSON.stringify(job)));
    t.equal((await store.listJobs()).length, 1);
    t.same(await store.listCursors(), [{ jobId: '/render', sinceMs: 5 }]);
    await store.apply({ deleteJobs: ['/render'], deleteCursors: ['/render'] });
    t.equal(await store.getJob('/render'), undefined);
    t.same(await store.listCursors(), []);
    t.equal(await store.frameworkId(), 'fw-1', 'a change without a framework id leaves it');
  });

  void t.test('a run summary and its events are written together and read in order', async (t) => {
    const { store } = await open(t);
    await store.apply({ runs: [sampleRun('r1'), sampleRun('r2', '/other', 2)] });
    await store.apply({ events: [{ runId: 'r1', events: [{ type: 'launch', index: 0, taskId: 't0', agentId: 'a1', atMs: 10 }] }] });
    await store.apply({
      runs: [{ ...sampleRun('r1'), state: 'running', reason: 'tasks launched' }],
      events: [{ runId: 'r1', events: [{ type: 'end', taskId: 't0', end: { kind: 'failed', exitCode: 3 }, atMs: 20 }, { type: 'tick', atMs: 21 }] }],
    });
    t.same((await store.runEvents('r1')).map((e) => e.type), ['launch', 'end', 'tick']);
    t.same((await store.runEvents('r1'))[1], { type: 'end', taskId: 't0', end: { kind: 'failed', exitCode: 3 }, atMs: 20 });
    t.equal((await store.getRun('r1'))?.state, 'running');
    t.same((await store.listRuns('/other')).map((r) => r.runId), ['r2']);
    t.equal((await store.listRuns()).length, 2);
    await store.apply({ deleteRuns: ['r1'] });
    t.equal(await store.getRun('r1'), undefined);
    t.same(await store.runEvents('r1'), []);
  });

  void t.test('values read back are copies: changing them changes nothing stored', async (t) => {
    const { store } = await open(t);
    await store.apply({ runs: [sampleRun('r1')] });
    const r = (await store.getRun('r1'))!;
    r.state = 'failed';
    t.equal((await store.getRun('r1'))?.state, 'pending');
  });

  void t.test('workflow runs', async (t) => {
    const { store } = await open(t);
    const wf: WorkflowRunRecord = {
      id: 'w1', rootJobId: '/a', jobs: ['/a', '/b'], states: { '/a': { state: 'succeeded' }, '/b': { state: 'pending' } },
      runs: { '/a': ['r1'] }, params: {}, createdMs: 1, outcome: undefined,
    };
    await store.apply({ workflows: [wf] });
    t.same(await store.getWorkflowRun('w1'), JSON.parse(JSON.stringify(wf)));
    await store.apply({ workflows: [{ ...wf, outcome: 'succeeded' }] });
    t.equal((await store.listWorkflowRuns())[0]?.outcome, 'succeeded');
  });

  void t.test('state survives a reopen where the implementation keeps it', async (t) => {
    const handle = await open(t);
    if (!handle.reopen) {
      t.plan(0, 'nothing survives this implementation by design');
      return;
    }
    await handle.store.apply({ frameworkId: 'fw-9', runs: [sampleRun('r1')], events: [{ runId: 'r1', events: [{ type: 'tick', atMs: 1 }] }] });
    await handle.store.close();
    const again = await handle.reopen();
    t.equal(await again.frameworkId(), 'fw-9');
    t.equal((await again.getRun('r1'))?.runId, 'r1');
    t.equal((await again.runEvents('r1')).length, 1);
  });
}
