// The leader is cut from Redis by its fault proxy (packets dropped, nothing refused): when the cut
// heals within its lease (here as soon as a renewal was lost in it) it rides the cut out and keeps
// its epoch; for longer it steps down (exit 3) when
// its deadline passes, and a standby leads. Either way the checker is clean once the cut heals.
import t from 'tap';
import { FaultCluster } from '../../helpers/fault-cluster.js';
import { until } from '../../helpers/poll.js';

const LEASE = ['--lease', '3s'];

type Health = { status: string; leadership: string; epoch: number };

void t.test('a cut shorter than the lease is ridden out', async (t) => {
  const c = await FaultCluster.start(t, { masterArgs: LEASE });
  if (!c) return;
  const { master: first, epoch } = await c.leader();
  const ids = ['short-1', 'short-2'];
  await c.running(ids);

  first.proxy.drop();
  c.recorder.fault(`${first.name} cut from Redis`);
  // Held until a renewal was swallowed (one is sent every third of the lease), then healed.
  await until(`${first.name} tries to reach Redis`, () => first.proxy.droppedBytes > 0, 10_000);
  first.proxy.heal();
  c.recorder.healed();
  const after = await until(`${first.name} writes again`, async () => {
    const h = (await first.health()) as Health | undefined;
    return h?.status === 'ok' ? h : undefined;
  }, 10_000);
  t.match(after, { leadership: 'leading', epoch }, 'it kept its leadership and its epoch');
  await c.launchAfterHeal('short-after');
  await c.settled();
  t.notOk(first.exited(), 'it never stepped down');
  t.same(await c.check(15_000), [], 'the checker is clean');
});

void t.test('a cut longer than the lease: the leader steps down and a standby leads', async (t) => {
  const c = await FaultCluster.start(t, { masterArgs: LEASE });
  if (!c) return;
  const { master: first, epoch } = await c.leader();
  const ids = ['long-1', 'long-2'];
  await c.running(ids);

  first.proxy.drop();
  c.recorder.fault(`${first.name} cut from Redis`);
  await c.failedOver(first, epoch, { code: 3 });
  first.proxy.heal();
  await c.launchAfterHeal('long-after');
  await c.settled();
  t.same(await c.check(20_000), [], 'the checker is clean');
});
