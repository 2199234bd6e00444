// The leader is killed (kill -9) in the middle of a burst of launches on a Docker agent: launches
// it acknowledged survive, the ones cut off are either carried out once or not at all, no
// container is left running for a task the new leader does not hold, and launches go on against
// the new leader. Judged by the recorder and the checker.
import t from 'tap';
import { TaskState } from '../../frameworks/sdk/index.js';
import { FaultCluster } from '../helpers/fault-cluster.js';
import { until } from '../helpers/poll.js';

const BATCHES = 6;

void t.test('leader killed during a burst of launches', async (t) => {
  const c = await FaultCluster.start(t, { runtime: 'docker' });
  if (!c) return;
  const { master: first, epoch } = await c.leader();
  const acked: string[] = [];
  const burst = (async () => {
    for (let i = 0; i < BATCHES; i++) {
      const ids = [`burst-${i}-a`, `burst-${i}-b`];
      if (await c.tryLaunch(ids)) acked.push(...ids);
    }
  })();
  await until('two launches acknowledged', () => acked.length >= 4, 30_000);
  first.proc.kill('SIGKILL');
  c.recorder.fault(`${first.name} killed during a burst of launches`);
  await c.failedOver(first, epoch, { signal: 'SIGKILL' });
  await burst;
  t.ok(acked.length > 4, `launches went on against the new leader (${acked.length} tasks acknowledged)`);
  await c.heard(acked, TaskState.TASK_RUNNING, 60_000);

  await c.launchAfterHeal('burst-after', 60_000);
  await c.settled(60_000);
  t.same(await c.check(45_000), [], 'the checker is clean');
});
