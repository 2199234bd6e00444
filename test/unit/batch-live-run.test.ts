// Task ids of the batch framework: `<runId>.<index>.<launch>`, and the run id read back from one.
import t from 'tap';
import { LiveRun, runIdOf } from '../../frameworks/batch/live-run.js';
import { parseJobs } from '../../frameworks/batch/spec/index.js';

t.test('runIdOf reads the run id back from the task ids nextTaskId makes', async (t) => {
  const parsed = parseJobs(JSON.stringify({ id: '/a', command: 'true', resources: { cpus: 1, memMb: 16 }, parallelism: 2, completions: 2 }));
  if (!parsed.ok) throw new Error('the job does not parse');
  const record = { runId: 'run-m1.x-ab12', jobId: '/a', spec: parsed.jobs[0]!, seq: 1, params: {}, createdMs: 0, scheduledMs: undefined, workflowRunId: undefined, state: 'pending' as const, reason: '', outcome: undefined };
  const run = new LiveRun(parsed.jobs[0]!, record);
  t.equal(runIdOf(run.nextTaskId(1)), 'run-m1.x-ab12');
  t.equal(runIdOf('a.b.12.3'), 'a.b');
  t.equal(runIdOf('..1.2'), '.');
});

t.test('runIdOf refuses ids that are not of that form', async (t) => {
  for (const id of ['', 'abc', 'a.1', '.1.2', 'a..1', 'a.1.', 'a.1.2x', 'a.x1.2', 'a.b.c']) t.equal(runIdOf(id), undefined, JSON.stringify(id));
});

t.test('a run record is replaced only when its summary changes', async (t) => {
  const parsed = parseJobs(JSON.stringify({ id: '/a', command: 'true', resources: { cpus: 1, memMb: 16 }, parallelism: 2, completions: 2 }));
  if (!parsed.ok) throw new Error('the job does not parse');
  const run = new LiveRun(parsed.jobs[0]!, { runId: 'r', jobId: '/a', spec: parsed.jobs[0]!, seq: 1, params: {}, createdMs: 0, scheduledMs: undefined, workflowRunId: undefined, state: 'pending', reason: 'waiting for resources', outcome: undefined });
  const pending = run.record;
  run.apply({ type: 'launch', index: 0, taskId: run.nextTaskId(0), agentId: 'a1', atMs: 1 });
  const running = run.record;
  t.not(running, pending, 'the first launch makes it running');
  t.equal(running.state, 'running');
  run.apply({ type: 'launch', index: 1, taskId: run.nextTaskId(1), agentId: 'a1', atMs: 2 });
  run.apply({ type: 'end', taskId: 'r.0.1', end: { kind: 'succeeded' }, atMs: 3 });
  t.equal(run.record, running, 'a launch and an end that change nothing keep the same record');
  run.apply({ type: 'end', taskId: 'r.1.2', end: { kind: 'succeeded' }, atMs: 4 });
  t.equal(run.record.state, 'succeeded');
  t.equal(run.record.outcome?.succeeded, 2);
});
