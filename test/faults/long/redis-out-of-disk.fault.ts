// Redis runs out of disk (its AOF on a small tmpfs, filled up; where mounting is refused,
// maxmemory stands in and the test says so): writes fail with a clear error and nothing is
// acknowledged that is not kept; once space is freed writes go through again, under the same leader
// (a 10 s lease outlasts the outage), and after a restart of Redis every acknowledged task is
// still in it.
import t from 'tap';
import { createClient } from 'redis';
import { FaultCluster } from '../../helpers/fault-cluster.js';
import { until } from '../../helpers/poll.js';
import { smallDisk } from '../../helpers/small-disk.js';

async function storedTaskIds(port: number): Promise<string[]> {
  const client = createClient({ url: `redis://127.0.0.1:${port}` });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return [...(await client.hKeys('berth:tasks')), ...(await client.hKeys('berth:completed'))];
  } finally {
    client.destroy();
  }
}

void t.test('Redis out of disk', async (t) => {
  const disk = await smallDisk(t);
  const c = await FaultCluster.start(t, { masterArgs: ['--lease', '10s'], redis: { extraArgs: disk.redisArgs } });
  if (!c) return;
  const { master: first, epoch } = await c.leader();
  await c.running(['disk-1', 'disk-2']);

  await disk.fill(c.redis.port);
  c.recorder.fault(`redis out of ${disk.kind === 'tmpfs' ? 'disk' : 'memory (maxmemory)'}`);
  // A write may still be taken while the full disk is found out; the next ones are refused.
  let n = 0;
  const refused = await until('a launch refused for want of space', () => c.launch([`disk-during-${n++}`]).then(() => undefined, (err: Error) => err), 20_000, 100);
  t.match(refused.message, disk.kind === 'tmpfs' ? /MISCONF.*(No space left|AOF)/ : /OOM/, `refused with the store's error: ${refused.message}`);

  await disk.free(c.redis.port);
  c.recorder.healed();
  await c.launchAfterHeal('disk-after');
  t.match(await first.health(), { leadership: 'leading', epoch }, 'the leader rode it out');
  await c.settled();
  const acked = c.recorder.events.flatMap((e) => (e.kind === 'launch-acked' ? [e.taskId] : []));
  await c.redis.restart();
  const stored = new Set(await storedTaskIds(c.redis.port));
  t.same(acked.filter((id) => !stored.has(id)), [], `every acknowledged task (${acked.length}) is in Redis after its restart`);
  t.same(await c.check(20_000), [], 'the checker is clean');
});
