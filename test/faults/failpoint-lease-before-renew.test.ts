// The leader stalls just before renewing its lease (failpoint lease.before-renew=pause(MS), longer
// than the lease), as if that one step hung: it must stop acting once its lease may have lapsed,
// on its own monotonic deadline, and exit (code 3) without a write under its old epoch after its
// successor's first; a standby leads, and everything converges on it.
import t from 'tap';
import { TaskState } from '../../frameworks/sdk/index.js';
import { FaultCluster } from '../helpers/fault-cluster.js';

void t.test('leader stalls before renewing its lease', async (t) => {
  // A lease long enough for the set-up below to finish before the stalled leader's deadline.
  const c = await FaultCluster.start(t, { masterArgs: ['--lease', '6s'], firstMasterEnv: { BERTH_FAILPOINT: 'lease.before-renew=pause(15000)' } });
  if (!c) return;
  const { master: first, epoch } = await c.leader();
  c.recorder.fault(`${first.name} stalls before renewing its lease`);
  const ids = ['renew-1', 'renew-2'];
  t.ok(await c.tryLaunch(ids), 'the stalled leader still launches while its lease holds');
  await c.heard(ids, TaskState.TASK_RUNNING);

  await c.failedOver(first, epoch, { code: 3 });
  t.match(first.output(), /lease deadline passed/, 'it stepped down when its deadline passed');
  await c.launchAfterHeal('renew-after');
  await c.settled();
  t.same(await c.check(20_000), [], 'the checker is clean');
});
