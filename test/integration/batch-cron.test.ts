// Cron on the real clock, once: a job scheduled every second (six fields, seconds first) runs on
// a real master and process agent; at least two scheduled runs happen and succeed, each for its
// own whole second; then the schedule is removed and no run starts after that.
import t from 'tap';
import { testCluster } from '../helpers/cluster.js';
import { submit, testBatch } from '../helpers/batch.js';
import { until } from '../helpers/poll.js';
import type { RunRecord } from '../../frameworks/batch/store/index.js';

const JOB = { id: '/tick', command: 'echo tick', resources: { cpus: 0.1, memMb: 16 } };

void t.test('a schedule every second runs for real, then stops when it is removed', async (t) => {
  const { master } = await testCluster(t, 'process', { agents: 1, allocationIntervalMs: 50 });
  const fw = await testBatch(t, master.url);
  await submit(fw, { ...JOB, schedule: { cron: '* * * * * *', concurrencyPolicy: 'Allow', successfulHistoryLimit: 100, failedHistoryLimit: 100 } });
  t.equal(fw.commands.nextRuns('/tick', 3).length, 3, 'the job has upcoming times');

  const runs = async (): Promise<RunRecord[]> => {
    const r = await fw.commands.listRuns('/tick');
    return r.ok ? r.runs : [];
  };
  const done = await until('two scheduled runs succeeded', async () => {
    const all = await runs();
    const ok = all.filter((r) => r.state === 'succeeded');
    return ok.length >= 2 ? ok : undefined;
  }, 30_000, 100);
  t.ok(done.every((r) => r.scheduledMs !== undefined && r.scheduledMs % 1000 === 0), 'each run is for a whole second');
  t.equal(new Set(done.map((r) => r.scheduledMs)).size, done.length, 'no second ran twice');
  t.ok(done.every((r) => r.outcome?.succeeded === 1 && r.outcome.exitCode === 0), 'each run\'s one task exited 0');

  // Remove the schedule: the same job submitted without one.
  await submit(fw, JOB);
  const removedAt = Date.now();
  t.notOk(fw.scheduler.cron.cursors.has('/tick'), 'the schedule\'s cursor is gone');
  t.same(fw.commands.nextRuns('/tick', 3), [], 'no upcoming times');
  t.equal(fw.scheduler.cron.nextWakeMs, undefined, 'the timer no longer wakes for cron');
  // Two more scheduled seconds pass; none of them may start a run.
  await until('two more seconds on the clock', () => Date.now() >= removedAt + 2_000, 5_000, 100);
  const after = (await runs()).filter((r) => (r.scheduledMs ?? 0) > removedAt);
  t.same(after.map((r) => r.runId), [], 'no run was started for a time after the removal');
  await until('the runs started before the removal finished', async () => (await runs()).every((r) => r.outcome !== undefined), 20_000, 100);
  t.ok((await runs()).every((r) => r.state === 'succeeded'), 'every scheduled run succeeded');
});
