// Redis itself highly available: a primary, a replica and three sentinels on loopback. The store
// follows the primary the sentinels name (redis-sentinel://) and, with minReplicasAcked 1,
// acknowledges a write only once the replica has it (WAIT). The primary is killed: the sentinels
// promote the replica, the store goes on against it, and no acknowledged write is lost. While no
// replica can confirm (the old primary has not come back as one), writes fail rather than being
// acknowledged unsafely; once it rejoins, they are acknowledged again.
import t from 'tap';
import { RedisStore, type StateChange, type TaskRecord } from '../../master/store/index.js';
import { ErrorCode } from '../../protocol/index.js';
import { elect, sampleState } from '../integration/store-contract.js';
import { until } from '../helpers/poll.js';
import { uniquePrefix } from '../helpers/redis.js';
import { startSentinelGroup } from '../helpers/redis-sentinel.js';

void t.test('a Sentinel failover loses no acknowledged write, and the store follows the new primary', async (t) => {
  const group = await startSentinelGroup(t);
  if (!group) return;
  const { primary, url } = group;
  const store = await RedisStore.open({ url, keyPrefix: uniquePrefix('sentinel'), minReplicasAcked: 1, replicaAckTimeoutMs: 500, commandTimeoutMs: 2_000 });
  t.teardown(() => store.close());
  const { epoch } = await elect(t, store, 'm1');
  const base = sampleState().tasks[0]!;
  const task = (id: string): TaskRecord => ({ ...base, taskId: id });
  const acknowledged: string[] = [];
  const write = async (id: string): Promise<boolean> => {
    try {
      await store.apply(epoch, [{ type: 'task.put', task: task(id) } satisfies StateChange]);
      acknowledged.push(id);
      return true;
    } catch (err) {
      t.match(err, { code: ErrorCode.STORE_UNAVAILABLE }, `${id}: a write that cannot be confirmed is reported unavailable`);
      return false;
    }
  };
  for (let i = 0; i < 50; i++) t.ok(await write(`before-${i}`), `before-${i} acknowledged by primary and replica`);

  await primary.kill();
  await group.promoted();

  // With the old primary gone there is no replica to confirm a write: none is acknowledged.
  t.notOk(await write('alone'), 'a write with no replica to confirm it is not acknowledged');

  // The old primary comes back and the sentinels make it a replica of the new one.
  await primary.restart();
  let n = 0;
  await until('writes are acknowledged again', async () => ((await write(`after-${n++}`)) ? true : undefined), 30_000, 200);
  for (let i = 0; i < 20; i++) t.ok(await write(`later-${i}`), `later-${i} acknowledged`);

  const loaded = new Set((await store.load()).tasks.map((x) => x.taskId));
  t.same(acknowledged.filter((id) => !loaded.has(id)), [], `none of ${acknowledged.length} acknowledged writes is lost`);
  // The epoch counter was replicated too: the next election after the failover is epoch + 1.
  await store.resign('m1', epoch);
  const next = await store.campaign({ masterId: 'm2', url: 'ws://127.0.0.1:2' }, 10_000);
  t.same(next.leader, { masterId: 'm2', url: 'ws://127.0.0.1:2', epoch: epoch + 1 }, 'the fencing epoch survived the failover');
});
