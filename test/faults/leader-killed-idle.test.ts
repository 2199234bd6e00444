// The leader is killed (kill -9) while the cluster is idle, three tasks running: a standby leads
// under the next epoch, the agent and the framework follow it, nothing acknowledged is lost, no
// task runs twice, and a launch works again. Real master processes, Redis and agent; the
// recorder and the offline checker judge the whole history.
import t from 'tap';
import { FaultCluster } from '../helpers/fault-cluster.js';

void t.test('leader killed while idle', async (t) => {
  const c = await FaultCluster.start(t);
  if (!c) return;
  const ids = ['idle-1', 'idle-2', 'idle-3'];
  await c.running(ids);
  const { master: first, epoch } = await c.leader();

  first.proc.kill('SIGKILL');
  c.recorder.fault(`${first.name} killed`);
  await c.failedOver(first, epoch, { signal: 'SIGKILL' });

  await c.launchAfterHeal('idle-after');
  await c.settled();
  t.same(await c.check(15_000), [], 'the checker is clean');
});
