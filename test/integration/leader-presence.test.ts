// Leadership on a real redis-server with presence: a leader cut off from Redis while Redis stays
// up is replaced long before its lease ends, once its presence has been gone for the grace; a
// leader that stops renewing but keeps its connection (paused) keeps the lease until it ends; a
// presence connection kept away while Redis is up pauses the leader, and a blip does not; a Redis
// restart never hands the lease to a standby, and the leader rides it out in the same term.
import t, { type Test } from 'tap';
import { createClient } from 'redis';
import { LeaderLease } from '../../master/leader-lease.js';
import { RedisStore, type Candidate, type ClusterStore, type Renewal } from '../../master/store/index.js';
import { ErrorCode } from '../../protocol/index.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/poll.js';
import { testLogger } from '../helpers/log.js';
import { FaultProxy } from '../helpers/fault-proxy.js';

interface Contender {
  lease: LeaderLease;
  store: RedisStore;
  lost: string[];
  elected: number[];
  /** Campaigns sent while allowed to take over a holder whose presence is missing. */
  takeoverAsks: number;
}

const QUICK_SETTLE = { graceMs: 500, explainMs: 250, settleMs: 200 };

async function contender(t: Test, url: string, keyPrefix: string, masterId: string, leaseMs: number, o: { wrap?: (s: ClusterStore) => ClusterStore; quickSettle?: boolean } = {}): Promise<Contender> {
  const store = await RedisStore.open({ url, keyPrefix });
  const c: Contender = { store, lost: [], elected: [], takeoverAsks: 0 } as unknown as Contender;
  const counting = Object.assign(Object.create(store) as ClusterStore, {
    campaign: (candidate: Candidate, ms: number) => {
      if (candidate.presenceGraceMs !== undefined) c.takeoverAsks++;
      return store.campaign(candidate, ms);
    },
    renew: store.renew.bind(store),
    resign: store.resign.bind(store),
    openPresence: store.openPresence.bind(store),
  });
  c.lease = new LeaderLease(o.wrap ? o.wrap(counting) : counting, {
    masterId,
    url: `ws://127.0.0.1:${masterId.length}`,
    leaseMs,
    log: testLogger(),
    ...(o.quickSettle ? { presenceTimings: QUICK_SETTLE } : {}),
    elected: async (epoch) => void c.elected.push(epoch),
    lost: (why) => void c.lost.push(why),
  });
  t.teardown(async () => {
    await c.lease.stop();
    await store.close();
  });
  return c;
}

async function admin(t: Test, url: string) {
  const client = createClient({ url });
  await client.connect();
  t.teardown(() => client.close());
  return {
    client,
    /** Closes masterId's presence connection from the server's side. */
    async killPresence(masterId: string): Promise<void> {
      const list = await client.clientList();
      const mine = list.filter((c) => c.name === `berth-presence-${masterId}`);
      t.equal(mine.length, 1, `one presence connection of ${masterId}`);
      for (const c of mine) await client.clientKill({ filter: 'ID', id: c.id });
    },
  };
}

t.test('a leader cut off from Redis while Redis stays up is replaced before its lease ends; it rides the cut out, fenced, and steps down once back', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const prefix = uniquePrefix('presence');
  // a reaches Redis through a proxy: cutting it and refusing new connections is, for Redis, what
  // a kill -9 of a's process is (its sockets close and nothing comes back).
  const proxy = await FaultProxy.start(t, redis.port);
  const a = await contender(t, `redis://127.0.0.1:${proxy.port}`, prefix, 'a', 60_000);
  await a.lease.start();
  t.equal(a.lease.state, 'leading');
  const b = await contender(t, redis.url, prefix, 'b', 60_000);
  await b.lease.start();
  t.equal(b.lease.state, 'standby');
  const { client } = await admin(t, redis.url);
  proxy.refuse();
  await until('b leads', () => b.lease.state === 'leading', 15_000);
  t.same(b.elected, [a.elected[0]! + 1], 'b holds the next epoch');
  t.ok((await client.pTTL(`${prefix}leader`)) > 30_000, "b's own lease, far from a lease lapse");
  // a cannot tell this from a Redis outage, so it rides it out as one; it cannot write meanwhile.
  t.ok(a.lease.holds(), 'a, unable to reach Redis, rides the cut out as an outage');
  proxy.heal();
  await until('a stepped down', () => a.lost.length > 0, 10_000);
  t.same(a.lost, ['lease taken over while the presence connection was down']);
  t.notOk(a.lease.holds(), 'a stopped acting');
  await t.rejects(a.store.apply(a.elected[0]!, []), { code: ErrorCode.FENCED }, "a's writes are fenced by b's epoch");
});

t.test('a leader that stops renewing but keeps its connection keeps the lease until it ends', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const prefix = uniquePrefix('presence');
  let paused = false;
  const pausable = (s: ClusterStore): ClusterStore => {
    const renew = s.renew.bind(s);
    return Object.assign(Object.create(s) as ClusterStore, {
      renew: (id: string, epoch: number, ms: number, presence?: boolean) => (paused ? new Promise<Renewal>(() => undefined) : renew(id, epoch, ms, presence)),
      campaign: s.campaign.bind(s),
      resign: s.resign.bind(s),
      openPresence: s.openPresence?.bind(s),
    });
  };
  const a = await contender(t, redis.url, prefix, 'a', 1_500, { wrap: pausable });
  await a.lease.start();
  const b = await contender(t, redis.url, prefix, 'b', 1_500, { quickSettle: true });
  await b.lease.start();
  const { client } = await admin(t, redis.url);
  paused = true;
  // While a's lease is alive in Redis, b stands by, however often it asks.
  const seen = new Set<string>();
  while ((await client.pTTL(`${prefix}leader`)) > 100 && b.lease.state !== 'leading') {
    seen.add(b.lease.state);
    await new Promise((r) => setTimeout(r, 20));
  }
  t.same([...seen], ['standby'], 'standby for as long as the lease lived');
  t.ok(b.takeoverAsks > 0, 'b was allowed to take over a missing presence meanwhile');
  await until('b leads after the lease ended', () => b.lease.state === 'leading', 10_000);
  t.same(b.elected, [a.elected[0]! + 1]);
  t.notOk(a.lease.holds(), 'a stopped acting at its own deadline');
  t.same(a.lost, ['lease deadline passed']);
});

t.test('a presence connection kept away while Redis stays up stops the leader; back, it leads on in the same term', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const prefix = uniquePrefix('presence');
  const proxy = await FaultProxy.start(t, redis.port);
  const a = await contender(t, `redis://127.0.0.1:${proxy.port}`, prefix, 'a', 10_000);
  await a.lease.start();
  const { killPresence } = await admin(t, redis.url);
  // Its lease connection stays; only the presence connection is closed, and cannot come back.
  proxy.refuseNew();
  await killPresence('a');
  await until('a stopped acting', () => !a.lease.holds(), 5_000);
  t.equal(a.lease.state, 'leading', 'without stepping down');
  proxy.heal();
  await until('a acts again', () => a.lease.holds(), 10_000);
  t.same(a.lost, [], 'never stepped down');
  t.same(a.elected.length, 1, 'the same term');
});

t.test('a presence blip with nobody waiting is ridden out in the same term', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const prefix = uniquePrefix('presence');
  const a = await contender(t, redis.url, prefix, 'a', 10_000);
  await a.lease.start();
  const { client, killPresence } = await admin(t, redis.url);
  await killPresence('a');
  await until('a subscribed again', async () => (await client.pubSubNumSub(`${prefix}presence:a`))[`${prefix}presence:a`] === 1, 5_000);
  await until('a acts', () => a.lease.holds(), 10_000);
  t.equal(a.lease.state, 'leading');
  t.same(a.lost, [], 'never stepped down');
  t.same(a.elected.length, 1, 'the same term');
});

t.test('a Redis restart never hands the lease to a standby: the leader rides it out in the same epoch', async (t) => {
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) return;
  const prefix = uniquePrefix('presence');
  // a comes back only when the test lets it, so b, back at once and settled, sees a's presence
  // missing for far longer than the grace: only the new Redis run tells b not to count it.
  const proxy = await FaultProxy.start(t, redis.port);
  const a = await contender(t, `redis://127.0.0.1:${proxy.port}`, prefix, 'a', 10_000);
  await a.lease.start();
  const b = await contender(t, redis.url, prefix, 'b', 10_000, { quickSettle: true });
  await b.lease.start();
  const epoch = a.elected[0]!;
  const held: boolean[] = [];
  const sampling = setInterval(() => held.push(a.lease.holds()), 20);
  t.teardown(() => clearInterval(sampling));
  proxy.refuseNew();
  await redis.restart();
  const asksBefore = b.takeoverAsks;
  // Each of these asks would have taken a's lease over (grace long past) were a missing subscriber counted across runs.
  await until('b asked, allowed to take over, for well past the grace', () => b.takeoverAsks - asksBefore >= 20 || b.lease.state !== 'standby', 20_000);
  t.equal(b.lease.state, 'standby', 'b stands by');
  proxy.heal();
  const admin2 = await admin(t, redis.url);
  await until('a subscribed again', async () => (await admin2.client.pubSubNumSub(`${prefix}presence:a`))[`${prefix}presence:a`] === 1, 10_000);
  await until('a renewed on the new run', async () => (JSON.parse((await admin2.client.get(`${prefix}leader`)) ?? '{}') as { runId?: string }).runId === (await runIdOf(admin2.client)), 10_000);
  clearInterval(sampling);
  t.notOk(held.includes(false), 'a never stopped acting');
  t.same(a.lost, [], 'a never stepped down');
  t.same(a.elected, [epoch], 'the same epoch');
  t.same(b.elected, [], 'b was never elected');
  // Now the new run is recorded, a missing subscriber counts again.
  proxy.refuse();
  await until('b takes over a dead a on the new run', () => b.lease.state === 'leading', 10_000);
  t.same(b.elected, [epoch + 1]);
});

async function runIdOf(client: { info(section: string): Promise<unknown> }): Promise<string> {
  return /run_id:(\w+)/.exec(String(await client.info('server')))?.[1] ?? '';
}
