// The leader crashes (failpoint launch.after-runtask=exit) right after RunTask left for the agent
// and before the framework was told the launch was accepted: the agent runs the tasks, the new
// leader loads them from the intent and takes the agent's word for their state, and the framework
// learns they run by reconciling. No task runs twice; a launch works again.
import t from 'tap';
import { TaskState } from '../../frameworks/sdk/index.js';
import { FaultCluster } from '../helpers/fault-cluster.js';

void t.test('leader crashes after RunTask is sent', async (t) => {
  const c = await FaultCluster.start(t, { firstMasterEnv: { BERTH_FAILPOINT: 'launch.after-runtask=exit' } });
  if (!c) return;
  const { master: first, epoch } = await c.leader();
  const ids = ['runtask-1', 'runtask-2'];
  c.recorder.fault(`${first.name} crashes after sending RunTask`);
  t.notOk(await c.tryLaunch(ids), 'the launch is not acknowledged');
  await c.failedOver(first, epoch, { signal: 'SIGKILL' });

  await c.heard(ids, TaskState.TASK_RUNNING);
  t.same(c.agents[0]?.tasks().map((x) => x.taskId).sort(), ids, 'the agent runs each task once');
  await c.launchAfterHeal('runtask-after');
  await c.settled();
  t.same(await c.check(20_000), [], 'the checker is clean');
});
