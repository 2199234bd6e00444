// The leader crashes (failpoint status.after-persist=exit) after persisting an agent's status
// update and before acknowledging or forwarding it: the agent re-sends it to the new leader, which
// has it already and acknowledges it, and the framework hears the task's state by reconciling. The
// launch was acknowledged before the crash, so the task must survive it.
import t from 'tap';
import { TaskState } from '../../../frameworks/sdk/index.js';
import { FaultCluster } from '../../helpers/fault-cluster.js';
import { until } from '../../helpers/poll.js';

void t.test('leader crashes after persisting a status update, before its ack', async (t) => {
  const c = await FaultCluster.start(t, { firstMasterEnv: { BERTH_FAILPOINT: 'status.after-persist=exit' } });
  if (!c) return;
  const { master: first, epoch } = await c.leader();
  c.recorder.fault(`${first.name} crashes after persisting a status update`);
  t.ok(await c.tryLaunch(['status-1']), 'the launch is acknowledged (before any update arrives)');
  await c.failedOver(first, epoch, { signal: 'SIGKILL' });

  await c.heard(['status-1'], TaskState.TASK_RUNNING);
  await until('the agent has no update left to send', () => c.agents[0]?.pendingUpdates().length === 0 || undefined, 20_000);
  await c.launchAfterHeal('status-after');
  await c.settled();
  t.same(await c.check(20_000), [], 'the checker is clean');
});
