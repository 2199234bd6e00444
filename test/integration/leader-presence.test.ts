// Leadership on a real redis-server with presence: a leader whose presence connection closes (as
// when its process dies) is replaced at once, long before its lease ends; a leader that stops
// renewing but keeps its connection (paused) keeps the lease until it ends; a presence blip with
// nobody waiting is ridden out.
import t, { type Test } from 'tap';
import { createClient } from 'redis';
import { LeaderLease } from '../../master/leader-lease.js';
import { RedisStore, type ClusterStore } from '../../master/store/index.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/poll.js';
import { testLogger } from '../helpers/log.js';
import { FaultProxy } from '../helpers/fault-proxy.js';

interface Candidate {
  lease: LeaderLease;
  store: RedisStore;
  lost: string[];
  elected: number[];
}

async function candidate(t: Test, url: string, keyPrefix: string, masterId: string, leaseMs: number, wrap: (s: ClusterStore) => ClusterStore = (s) => s): Promise<Candidate> {
  const store = await RedisStore.open({ url, keyPrefix });
  const lost: string[] = [];
  const elected: number[] = [];
  const lease = new LeaderLease(wrap(store), {
    masterId,
    url: `ws://127.0.0.1:${masterId.length}`,
    leaseMs,
    log: testLogger(),
    elected: async (epoch) => void elected.push(epoch),
    lost: (why) => void lost.push(why),
  });
  t.teardown(async () => {
    await lease.stop();
    await store.close();
  });
  return { lease, store, lost, elected };
}

async function admin(t: Test, url: string) {
  const client = createClient({ url });
  await client.connect();
  t.teardown(() => client.close());
  return {
    client,
    /** Closes masterId's presence connection from the server's side, as when its process dies. */
    async killPresence(masterId: string): Promise<void> {
      const list = await client.clientList();
      const mine = list.filter((c) => c.name === `berth-presence-${masterId}`);
      t.equal(mine.length, 1, `one presence connection of ${masterId}`);
      for (const c of mine) await client.clientKill({ filter: 'ID', id: c.id });
    },
  };
}

t.test('a leader whose connections close and stay closed is replaced before its lease ends, and steps down once back', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const prefix = uniquePrefix('presence');
  // a reaches Redis through a proxy: cutting it and refusing new connections is, for Redis, what
  // a kill -9 of a's process is (its sockets close and nothing comes back).
  const proxy = await FaultProxy.start(t, redis.port);
  const a = await candidate(t, `redis://127.0.0.1:${proxy.port}`, prefix, 'a', 60_000);
  await a.lease.start();
  t.equal(a.lease.state, 'leading');
  const b = await candidate(t, redis.url, prefix, 'b', 60_000);
  await b.lease.start();
  t.equal(b.lease.state, 'standby');
  const { client } = await admin(t, redis.url);
  proxy.refuse();
  await until('b leads', () => b.lease.state === 'leading', 10_000);
  t.same(b.elected, [a.elected[0]! + 1], 'b holds the next epoch');
  t.ok((await client.pTTL(`${prefix}leader`)) > 30_000, "b's own lease, far from a lease lapse");
  t.notOk(a.lease.holds(), 'a does not act while its presence is down');
  proxy.heal();
  await until('a stepped down', () => a.lost.length > 0, 10_000);
  t.same(a.lost, ['lease taken over while the presence connection was down']);
});

t.test('a leader that stops renewing but keeps its connection keeps the lease until it ends', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const prefix = uniquePrefix('presence');
  let paused = false;
  const pausable = (s: ClusterStore): ClusterStore => {
    const renew = s.renew.bind(s);
    return Object.assign(Object.create(s) as ClusterStore, {
      renew: (id: string, epoch: number, ms: number) => (paused ? new Promise<boolean>(() => undefined) : renew(id, epoch, ms)),
      campaign: s.campaign.bind(s),
      resign: s.resign.bind(s),
      openPresence: s.openPresence?.bind(s),
    });
  };
  const a = await candidate(t, redis.url, prefix, 'a', 1_500, pausable);
  await a.lease.start();
  const b = await candidate(t, redis.url, prefix, 'b', 1_500);
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
  await until('b leads after the lease ended', () => b.lease.state === 'leading', 10_000);
  t.same(b.elected, [a.elected[0]! + 1]);
  t.notOk(a.lease.holds(), 'a stopped acting at its own deadline');
  t.same(a.lost, ['lease deadline passed']);
});

t.test('a presence blip with nobody waiting is ridden out: not acting meanwhile, then leading on', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const prefix = uniquePrefix('presence');
  const a = await candidate(t, redis.url, prefix, 'a', 10_000);
  await a.lease.start();
  const { killPresence } = await admin(t, redis.url);
  const held: boolean[] = [];
  await killPresence('a');
  await until('a noticed', () => (held.push(a.lease.holds()), held.includes(false)), 5_000);
  await until('a acts again', () => a.lease.holds(), 10_000);
  t.equal(a.lease.state, 'leading');
  t.same(a.lost, [], 'never stepped down');
  t.same(a.elected.length, 1, 'the same term');
});
