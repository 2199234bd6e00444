// The batch framework with the Docker runtime: a parallel job's tasks run in busybox containers,
// each told its index; a container that exits non-zero fails its attempt with the exit code.
import t from 'tap';
import { testCluster } from '../helpers/cluster.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';
import { finished, masterTasks, runNow, submit, testBatch } from '../helpers/batch.js';

void t.test('batch tasks in Docker containers', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const { master } = await testCluster(t, 'docker', { agents: 1, agentCpus: 2, agentMemMb: 1024 });
  const fw = await testBatch(t, master.url);
  await submit(fw, [
    {
      id: '/docker/indexed', resources: { cpus: 0.1, memMb: 32 }, parallelism: 3, completions: 3,
      container: { image: BUSYBOX_IMAGE, command: 'test "$BERTH_TASK_INDEX" -lt "$BERTH_TASK_COUNT" && test "$BERTH_RUN_ID" = "${runId}"' },
    },
    { id: '/docker/fails', resources: { cpus: 0.1, memMb: 32 }, container: { image: BUSYBOX_IMAGE, command: 'exit 7' } },
  ]);
  const ok = await runNow(fw, '/docker/indexed');
  const bad = await runNow(fw, '/docker/fails');
  const okRun = await finished(fw, ok.runId, 120_000);
  t.equal(okRun.state, 'succeeded', okRun.reason);
  t.same(okRun.outcome!.attempts.map((a) => a.index).sort(), [0, 1, 2]);
  t.equal((await masterTasks(master.httpUrl, ok.runId)).filter((x) => x.state === 'FINISHED').length, 3);
  const badRun = await finished(fw, bad.runId, 120_000);
  t.equal(badRun.state, 'failed');
  t.equal(badRun.outcome!.exitCode, 7);
});
