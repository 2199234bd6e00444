// The batch framework on a real master and agent (process runtime): a parallel job, retries to
// the limit, a task deadline. Each test has its own cluster and framework.
import t from 'tap';
import { testCluster } from '../helpers/cluster.js';
import { finished, masterTasks, runNow, submit, testBatch } from '../helpers/batch.js';
import { until } from '../helpers/poll.js';

void t.test('a 50-task parallel job completes with exactly 50 completions, each index once', async (t) => {
  const { master } = await testCluster(t, 'process', { agents: 1, agentCpus: 4 });
  const fw = await testBatch(t, master.url);
  await submit(fw, {
    id: '/render', command: 'test "$BERTH_TASK_COUNT" = 50 && test "$BERTH_JOB_ID" = /render && echo frame $BERTH_TASK_INDEX',
    resources: { cpus: 0.1, memMb: 16 }, parallelism: 10, completions: 50,
  });
  const { runId } = await runNow(fw, '/render');
  const run = await finished(fw, runId, 120_000);
  t.equal(run.state, 'succeeded', run.reason);
  t.equal(run.outcome?.succeeded, 50);
  const wins = run.outcome!.attempts.filter((a) => a.result === 'succeeded');
  t.equal(wins.length, 50, 'exactly 50 attempts succeeded');
  t.same(new Set(wins.map((a) => a.index)).size, 50, 'one per index');
  const tasks = await masterTasks(master.httpUrl, runId);
  t.equal(tasks.filter((x) => x.state === 'FINISHED').length, 50, 'the master saw exactly 50 tasks finish');
  t.equal(tasks.length, 50, 'and launched no more');
});

void t.test('failing tasks are retried up to the limit, then the run fails with the reason', async (t) => {
  const { master } = await testCluster(t, 'process', { agents: 1 });
  const fw = await testBatch(t, master.url);
  await submit(fw, {
    id: '/flaky', command: 'exit 3', resources: { cpus: 0.1, memMb: 16 },
    retries: { limit: 2, backoff: { initialSeconds: 0.1, factor: 2, maxSeconds: 1 } },
  });
  const { runId } = await runNow(fw, '/flaky');
  const run = await finished(fw, runId);
  t.equal(run.state, 'failed');
  t.match(run.reason, /task 0 failed with exit code 3 after 3 attempt\(s\); retries.limit is 2/);
  t.equal(run.outcome?.exitCode, 3);
  t.same(run.outcome!.attempts.map((a) => [a.attempt, a.result, a.exitCode]), [[1, 'failed', 3], [2, 'failed', 3], [3, 'failed', 3]]);
  const tasks = await masterTasks(master.httpUrl, runId);
  t.equal(tasks.length, 3, 'three launches, no fourth');
});

void t.test('a retry that succeeds finishes the run', async (t) => {
  const { master } = await testCluster(t, 'process', { agents: 1 });
  const fw = await testBatch(t, master.url);
  // The first attempt of each index fails, the second succeeds (BERTH_TASK_ATTEMPT counts them).
  await submit(fw, {
    id: '/second-time', command: 'test "$BERTH_TASK_ATTEMPT" -ge 2', resources: { cpus: 0.1, memMb: 16 }, parallelism: 3,
    retries: { limit: 1, backoff: { initialSeconds: 0.1, factor: 1, maxSeconds: 1 } },
  });
  const { runId } = await runNow(fw, '/second-time');
  const run = await finished(fw, runId);
  t.equal(run.state, 'succeeded', run.reason);
  t.equal(run.outcome!.attempts.length, 6);
});

void t.test('a task past its deadline is killed and reported so', async (t) => {
  const { master } = await testCluster(t, 'process', { agents: 1 });
  const fw = await testBatch(t, master.url);
  await submit(fw, { id: '/slow', command: 'sleep 60', resources: { cpus: 0.1, memMb: 16 }, taskDeadlineSeconds: 1 });
  const { runId } = await runNow(fw, '/slow');
  const run = await finished(fw, runId, 30_000);
  t.equal(run.state, 'failed');
  t.match(run.reason, /task 0 ran past taskDeadlineSeconds after 1 attempt/);
  t.equal(run.outcome!.attempts[0]!.result, 'task-deadline');
  const tasks = await until('the task killed', async () => {
    const list = await masterTasks(master.httpUrl, runId);
    return list.every((x) => x.state === 'KILLED') && list.length === 1 ? list : undefined;
  });
  t.equal(tasks.length, 1);
});

void t.test('a run past its deadline ends deadline-exceeded and its tasks are killed', async (t) => {
  const { master } = await testCluster(t, 'process', { agents: 1 });
  const fw = await testBatch(t, master.url);
  await submit(fw, { id: '/long', command: 'sleep 60', resources: { cpus: 0.1, memMb: 16 }, parallelism: 2, deadlineSeconds: 1 });
  const { runId } = await runNow(fw, '/long');
  const run = await finished(fw, runId, 30_000);
  t.equal(run.state, 'deadline-exceeded');
  t.match(run.reason, /did not finish within deadlineSeconds \(1\)/);
  const tasks = await until('both tasks killed', async () => {
    const list = await masterTasks(master.httpUrl, runId);
    return list.length === 2 && list.every((x) => x.state === 'KILLED') ? list : undefined;
  });
  t.equal(tasks.length, 2);
});
