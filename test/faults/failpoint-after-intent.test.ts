// The leader crashes (failpoint launch.after-intent=exit) right after the launch intent is
// durable and before RunTask is sent: the framework is never told the launch was accepted, no
// agent ever runs the tasks, and the new leader, which loads them STAGING, ends them once the agent
// has re-registered without them; a launch works again. Judged by the recorder and the checker.
import t from 'tap';
import { TaskState } from '../../frameworks/sdk/index.js';
import { FaultCluster } from '../helpers/fault-cluster.js';

void t.test('leader crashes after the launch intent is written', async (t) => {
  const c = await FaultCluster.start(t, { firstMasterEnv: { BERTH_FAILPOINT: 'launch.after-intent=exit' } });
  if (!c) return;
  const { master: first, epoch } = await c.leader();
  const ids = ['intent-1', 'intent-2'];
  c.recorder.fault(`${first.name} crashes after writing a launch intent`);
  t.notOk(await c.tryLaunch(ids), 'the launch is not acknowledged');
  await c.failedOver(first, epoch, { signal: 'SIGKILL' });

  await c.heard(ids, TaskState.TASK_DROPPED);
  await c.launchAfterHeal('intent-after');
  await c.settled();
  t.same(await c.check(20_000), [], 'the checker is clean');
});
