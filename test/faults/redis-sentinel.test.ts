// Redis itself highly available: a primary, a replica and three sentinels on loopback. The store
// follows the primary the sentinels name (redis-sentinel://) and, with minReplicasAcked 1,
// acknowledges a write only once the replica has it (WAIT). The primary is killed: the sentinels
// promote the replica, the store goes on against it, and no acknowledged write is lost. While no
// replica can confirm (the old primary has not come back as one), writes fail rather than being
// acknowledged unsafely; once it rejoins, they are acknowledged again.
import t from 'tap';
import { createClient } from 'redis';
import { RedisStore, type StateChange, type TaskRecord } from '../../master/store/index.js';
import { ErrorCode } from '../../protocol/index.js';
import { elect, sampleState } from '../integration/store-contract.js';
import { until } from '../helpers/poll.js';
import { startRedis, uniquePrefix, type RedisServer } from '../helpers/redis.js';

const NAME = 'berth-primary';

async function sentinelCommand(port: number, args: string[]): Promise<unknown> {
  const c = createClient({ url: `redis://127.0.0.1:${port}` });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await c.sendCommand(args);
  } finally {
    c.destroy();
  }
}

void t.test('a Sentinel failover loses no acknowledged write, and the store follows the new primary', async (t) => {
  // Replicas sync at once, not after the default 5 s wait for more replicas to join.
  const now = ['--repl-diskless-sync-delay', '0'];
  const primary = await startRedis(t, { appendonly: true, extraArgs: now });
  if (!primary) return;
  const replica = (await startRedis(t, { appendonly: true, extraArgs: [...now, '--replicaof', '127.0.0.1', String(primary.port)] })) as RedisServer;
  await until('the replica is in sync', async () => ((await sentinelCommand(primary.port, ['INFO', 'replication'])) as string).includes('state=online') || undefined, 20_000);
  const sentinels: RedisServer[] = [];
  for (let i = 0; i < 3; i++) {
    sentinels.push((await startRedis(t, {
      configText: [
        `sentinel monitor ${NAME} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} 5000`,
        '',
      ].join('\n'),
      extraArgs: ['--sentinel'],
    })) as RedisServer);
  }
  const sentinel = sentinels[0]!;
  await until('the sentinels know the replica and each other', async () => {
    const replicas = (await sentinelCommand(sentinel.port, ['SENTINEL', 'REPLICAS', NAME])) as unknown[];
    const peers = (await sentinelCommand(sentinel.port, ['SENTINEL', 'SENTINELS', NAME])) as unknown[];
    return replicas.length === 1 && peers.length === 2 ? true : undefined;
  }, 20_000);

  const url = `redis-sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${NAME}`;
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
  await until('the sentinels promote the replica', async () => {
    const addr = (await sentinelCommand(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME])) as string[];
    return addr[1] === String(replica.port) ? true : undefined;
  }, 30_000);

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
