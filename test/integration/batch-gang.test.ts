// A gang on a real master and agents: four tasks of 1 cpu never start partly on an agent with
// room for three, and all start together once a second agent brings the fourth cpu.
import t from 'tap';
import { testAgent, testCluster } from '../helpers/cluster.js';
import { finished, masterTasks, runNow, submit, testBatch } from '../helpers/batch.js';
import { until } from '../helpers/poll.js';

void t.test('a 4-task gang waits whole while only 3 fit, and starts whole when the fourth fits', async (t) => {
  const { master } = await testCluster(t, 'process', { agents: 1, agentCpus: 3 });
  const fw = await testBatch(t, master.url);
  await submit(fw, {
    id: '/gang', command: 'echo member $BERTH_TASK_INDEX of $BERTH_TASK_COUNT', resources: { cpus: 1, memMb: 16 },
    parallelism: 4, gang: true,
  });
  const { runId } = await runNow(fw, '/gang');
  // Let the allocator run a good number of cycles with the gang asked for: none of it may start.
  const counters = master.master.counters;
  const from = counters.allocationRuns;
  await until('ten allocation cycles', () => counters.allocationRuns >= from + 10, 20_000);
  t.same(await masterTasks(master.httpUrl, runId), [], 'no task of the gang was launched');
  const waiting = await fw.commands.getRun(runId);
  t.match(waiting, { ok: true, run: { state: 'pending' } });

  await testAgent(t, master.url, 'process', { cpus: 1, ports: [32200, 32299] });
  const run = await finished(fw, runId, 30_000);
  t.equal(run.state, 'succeeded', run.reason);
  const tasks = await masterTasks(master.httpUrl, runId);
  t.equal(tasks.length, 4, 'four launches, one per member');
  t.ok(tasks.every((x) => x.state === 'FINISHED'));
  const launched = new Set(run.outcome!.attempts.map((a) => a.launchedMs));
  t.equal(launched.size, 1, 'all four were launched in the same step');
});
