// What the batch stream keeps of runs: every unfinished one, the newest finished ones of each
// job, copies as written (a later change in memory does not show), nothing of a deleted job.
import t from 'tap';
import { RECENT_RUNS_PER_JOB, RECENT_WORKFLOW_RUNS, RecentRuns } from '../../frameworks/batch/recent-runs.js';
import type { RunRecord, WorkflowRunRecord } from '../../frameworks/batch/store/index.js';

const run = (jobId: string, seq: number, state: RunRecord['state']): RunRecord => ({
  runId: `run-${seq}`, jobId, spec: {} as RunRecord['spec'], seq, params: {}, createdMs: seq, scheduledMs: undefined, workflowRunId: undefined, state, reason: '', outcome: undefined,
});
const workflow = (n: number, outcome: WorkflowRunRecord['outcome']): WorkflowRunRecord => ({ id: `wf-${n}`, rootJobId: '/a', jobs: ['/a', '/b'], states: {}, runs: {}, params: {}, createdMs: n, outcome });

t.test('the newest finished runs of each job, and every unfinished one', async (t) => {
  const recent = new RecentRuns();
  const runs = [run('/a', 1, 'running'), ...Array.from({ length: 30 }, (_, i) => run('/a', i + 2, 'succeeded')), run('/b', 100, 'failed')];
  recent.load(runs, []);
  const kept = recent.runs();
  t.equal(kept.filter((r) => r.jobId === '/a' && r.state === 'succeeded').length, RECENT_RUNS_PER_JOB, 'finished runs of /a trimmed');
  t.equal(kept[0]?.runId, 'run-1', 'the old unfinished run stays');
  t.same(kept.filter((r) => r.state === 'succeeded').map((r) => r.seq), Array.from({ length: RECENT_RUNS_PER_JOB }, (_, i) => 31 - RECENT_RUNS_PER_JOB + i + 1), 'the newest ones, in seq order');
  t.ok(kept.some((r) => r.jobId === '/b'), 'another job keeps its own');
});

t.test('copies as written; deleted runs and jobs go', async (t) => {
  const recent = new RecentRuns();
  const r = run('/a', 1, 'running');
  recent.apply({ runs: [r] });
  r.state = 'succeeded';
  t.equal(recent.runs()[0]?.state, 'running', 'a change not written is not shown');
  t.notOk('scheduledMs' in recent.runs()[0]!, 'as JSON shows it: no undefined fields');
  recent.apply({ runs: [r, run('/b', 2, 'running'), run('/b', 3, 'running')] });
  t.equal(recent.runs()[0]?.state, 'succeeded', 'the written change is');
  recent.apply({ deleteRuns: ['run-2'] });
  t.same(recent.runs().map((x) => x.runId), ['run-1', 'run-3']);
  recent.apply({ deleteJobs: ['/a'] });
  t.same(recent.runs().map((x) => x.runId), ['run-3']);
});

t.test('the newest finished workflow runs and every unfinished one', async (t) => {
  const recent = new RecentRuns();
  recent.load([], [workflow(0, undefined), ...Array.from({ length: 25 }, (_, i) => workflow(i + 1, 'succeeded'))]);
  const kept = recent.workflows();
  t.equal(kept.length, RECENT_WORKFLOW_RUNS + 1);
  t.equal(kept[0]?.id, 'wf-0', 'oldest first, the unfinished one kept');
  t.equal(kept.at(-1)?.id, 'wf-25');
});
