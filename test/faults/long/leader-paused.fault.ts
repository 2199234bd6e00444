// The leader is paused (SIGSTOP) for longer than its lease while its tasks end, then resumed: a
// standby leads meanwhile and the agent re-sends the endings to it. Resumed, the old leader finds
// its lease deadline passed and steps down (exit 3); fencing means none of its writes lands after
// its successor's. The checker judges the history.
import { writeFile } from 'node:fs/promises';
import t from 'tap';
import { TaskState } from '../../../frameworks/sdk/index.js';
import { FaultCluster } from '../../helpers/fault-cluster.js';

void t.test('leader paused past its lease, then resumed', async (t) => {
  // Heartbeats every 500 ms, so the agent and the framework give up on the paused leader soon.
  const c = await FaultCluster.start(t, { masterArgs: ['--heartbeat-interval', '500ms'] });
  if (!c) return;
  const { master: first, epoch } = await c.leader();
  const ids = ['paused-1', 'paused-2', 'paused-3'];
  const finish = `${c.redis.dir}/finish`;
  await c.running(ids, `while [ ! -e ${finish} ]; do sleep 0.05; done`);

  first.proc.kill('SIGSTOP');
  c.recorder.fault(`${first.name} paused`);
  // They end while the leader is paused: their updates wait in its socket, then go to the next one.
  await writeFile(finish, '');
  const next = await c.leader();
  t.equal(next.epoch, epoch + 1, 'a standby leads under the next epoch');
  await c.heard(ids, TaskState.TASK_FINISHED);

  first.proc.kill('SIGCONT');
  await c.failedOver(first, epoch, { code: 3 });
  await c.launchAfterHeal('paused-after');
  await c.settled();
  t.same(await c.check(20_000), [], 'the checker is clean');
});
