// The lease scripts' presence rules on a real redis-server: a holder's missing presence frees the
// lease only for a candidate that asks with a grace, once a campaign has seen it missing for that
// long, and only on the Redis run that recorded it; a renewal says when the lease is exposed, and
// records the holder's presence again (on the new run after a restart) when it is connected.
import t, { type Test } from 'tap';
import { createClient } from 'redis';
import { RedisStore, type Presence } from '../../master/store/index.js';
import { startRedis, uniquePrefix, type RedisServer } from '../helpers/redis.js';
import { until } from '../helpers/poll.js';

const LEASE_MS = 30_000;

interface Lease {
  masterId: string;
  epoch: number;
  presence?: string;
  runId?: string;
  absentSinceMs?: number;
}

async function setup(t: Test, redis: RedisServer) {
  const keyPrefix = uniquePrefix('store-presence');
  const open = async (): Promise<RedisStore> => {
    const store = await RedisStore.open({ url: redis.url, keyPrefix });
    t.teardown(() => store.close());
    return store;
  };
  const [a, b] = [await open(), await open()];
  const admin = createClient({ url: redis.url });
  // A restart drops it too; it reconnects by itself.
  admin.on('error', () => undefined);
  await admin.connect();
  t.teardown(() => admin.close());
  const channel = `${keyPrefix}presence:a`;
  return {
    a,
    b,
    /** a's presence, up (subscribed). */
    async presence(): Promise<Presence> {
      const p = a.openPresence('a');
      if (!p) throw new Error('no presence on a plain server');
      t.teardown(() => p.close());
      await until('a subscribed', async () => (await admin.pubSubNumSub(channel))[channel] === 1);
      return p;
    },
    async gone(p: Presence): Promise<void> {
      await p.close();
      await until('a unsubscribed', async () => (await admin.pubSubNumSub(channel))[channel] === 0);
    },
    pttl: () => admin.pTTL(`${keyPrefix}leader`),
    lease: async (): Promise<Lease> => JSON.parse((await admin.get(`${keyPrefix}leader`)) ?? 'null') as Lease,
    runId: async (): Promise<string> => /run_id:(\w+)/.exec(String(await admin.info('server')))?.[1] ?? '',
    standby: { masterId: 'b', url: 'ws://127.0.0.1:2' },
  };
}

t.test('a missing presence frees the lease only after the grace, counted from the first campaign that saw it missing', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const s = await setup(t, redis);
  const p = await s.presence();
  const won = await s.a.campaign({ masterId: 'a', url: 'ws://127.0.0.1:1', presence: true }, LEASE_MS);
  t.ok(won.elected);
  t.match(await s.lease(), { masterId: 'a', presence: /presence:a$/, runId: await s.runId() }, 'the lease records the channel and the run');
  t.notOk((await s.b.campaign({ ...s.standby, presenceGraceMs: 0 }, LEASE_MS)).elected, 'not while a is subscribed');
  t.notOk('absentSinceMs' in (await s.lease()), 'nothing marked');

  await s.gone(p);
  t.notOk((await s.b.campaign({ ...s.standby, presenceGraceMs: 0 }, LEASE_MS)).elected, 'the first campaign to see it missing only marks it');
  const marked = (await s.lease()).absentSinceMs;
  t.type(marked, 'number', 'marked missing, by Redis time');
  t.notOk((await s.b.campaign({ ...s.standby, presenceGraceMs: 60_000 }, LEASE_MS)).elected, 'not before the grace');
  t.notOk((await s.b.campaign(s.standby, LEASE_MS)).elected, 'never without a grace');
  t.equal((await s.lease()).absentSinceMs, marked, 'the mark stays where it was');
  const taken = await s.b.campaign({ ...s.standby, presenceGraceMs: 0 }, LEASE_MS);
  t.same(taken, { elected: true, leader: { ...s.standby, epoch: won.leader!.epoch + 1 }, tookOver: true }, 'past the grace: taken over under the next epoch');
  t.equal(await s.a.renew('a', won.leader!.epoch, LEASE_MS, true), 'lost');
});

t.test('a renewal says the lease is exposed while the holder is missing, and a renewal once it is back clears the mark', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const s = await setup(t, redis);
  const { leader } = await s.a.campaign({ masterId: 'a', url: 'ws://127.0.0.1:1', presence: true }, LEASE_MS);
  t.notOk((await s.lease()).presence, 'a campaign without a subscriber records no presence');
  t.equal(await s.a.renew('a', leader!.epoch, LEASE_MS, true), 'held', 'nothing to expose');
  const p = await s.presence();
  t.equal(await s.a.renew('a', leader!.epoch, LEASE_MS, true), 'held');
  t.match(await s.lease(), { presence: /presence:a$/, runId: await s.runId() }, 'a renewal records the presence once it is connected');
  await s.gone(p);
  t.equal(await s.a.renew('a', leader!.epoch, LEASE_MS, true), 'exposed', 'missing on the run that recorded it');
  await s.b.campaign({ ...s.standby, presenceGraceMs: 60_000 }, LEASE_MS);
  t.type((await s.lease()).absentSinceMs, 'number', 'marked by the standby');
  await s.presence();
  t.equal(await s.a.renew('a', leader!.epoch, LEASE_MS, true), 'held');
  t.notOk('absentSinceMs' in (await s.lease()), 'the mark is cleared');
  t.ok((await s.pttl()) > LEASE_MS - 5_000, 'and the lease extended');
});

t.test('across a Redis restart a missing presence is not counted until the holder records the new run', async (t) => {
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) return;
  const s = await setup(t, redis);
  const p = await s.presence();
  const { leader } = await s.a.campaign({ masterId: 'a', url: 'ws://127.0.0.1:1', presence: true }, LEASE_MS);
  const before = await s.runId();
  await s.gone(p);
  await redis.restart();
  await until('a new run', () => s.runId().then((id) => id !== '' && id !== before, () => false));
  await until('b reaches Redis again', () => s.b.leader().then(() => true, () => false));
  for (let i = 0; i < 3; i++) t.notOk((await s.b.campaign({ ...s.standby, presenceGraceMs: 0 }, LEASE_MS)).elected, `campaign ${i}: the lease names a's presence on the old run`);
  t.notOk('absentSinceMs' in (await s.lease()), 'and nothing is marked');
  await until('a reaches Redis again', () => s.a.leader().then(() => true, () => false));
  t.equal(await s.a.renew('a', leader!.epoch, LEASE_MS, true), 'held', 'not exposed: no standby counts it');
  t.equal((await s.lease()).runId, before, 'not connected: the old run stays recorded');
  const back = await s.presence();
  t.equal(await s.a.renew('a', leader!.epoch, LEASE_MS, true), 'held');
  t.equal((await s.lease()).runId, await s.runId(), 'connected again: the new run recorded');
  await s.gone(back);
  t.notOk((await s.b.campaign({ ...s.standby, presenceGraceMs: 0 }, LEASE_MS)).elected, 'marked');
  t.ok((await s.b.campaign({ ...s.standby, presenceGraceMs: 0 }, LEASE_MS)).elected, 'a missing presence on the new run counts');
});
