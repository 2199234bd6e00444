// Redis is killed (SIGKILL) and stays away for longer than the leader's 1 s lease: the leader
// cannot renew, steps down when its deadline passes and exits (code 3); no master can be elected
// until Redis is back, from its AOF (fsync always), and then a standby leads under the next epoch.
// Nothing acknowledged before the kill is lost, and launches work again.
import t from 'tap';
import { FaultCluster } from '../../helpers/fault-cluster.js';
import { until } from '../../helpers/poll.js';

void t.test('Redis killed for longer than the lease', async (t) => {
  const c = await FaultCluster.start(t);
  if (!c) return;
  const { master: first, epoch } = await c.leader();
  await c.running(['killed-1', 'killed-2', 'killed-3']);

  await c.redis.kill();
  c.recorder.fault('redis killed');
  await until(`${first.name} steps down`, () => first.exited(), 20_000);
  t.notOk(c.masters.some((m) => m !== first && m.exited()), 'the standby waits for Redis');
  await c.redis.restart();
  await c.failedOver(first, epoch, { code: 3 });
  await c.launchAfterHeal('killed-after');
  await c.settled();
  t.same(await c.check(20_000), [], 'the checker is clean');
});
