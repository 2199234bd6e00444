// High availability with real master processes sharing a real redis-server: standbys redirect,
// a killed leader is replaced with epoch + 1, a paused leader is fenced and steps down, and
// frameworks follow the leader and keep their tasks.
import t, { type Test } from 'tap';
import { createClient } from 'redis';
import { SchedulerClient, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import { startRedis } from '../helpers/redis.js';
import { leaderOf, spawnMaster, type MasterProcess } from '../helpers/processes.js';
import { until } from '../helpers/poll.js';

const LEASE = ['--lease-ms', '1000'];

async function twoMasters(t: Test): Promise<{ redisUrl: string; a: MasterProcess; b: MasterProcess }> {
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) throw new Error('no redis');
  const a = await spawnMaster(t, ['--redis', redis.url, ...LEASE]);
  await leaderOf([a]);
  const b = await spawnMaster(t, ['--redis', redis.url, ...LEASE]);
  return { redisUrl: redis.url, a, b };
}

function framework(t: Test, urls: string[], frameworkId = ''): { client: SchedulerClient; events: SchedulerEvent[] } {
  const client = new SchedulerClient({ masterUrl: urls, framework: { name: 'ha', roles: ['*'], failoverTimeoutMs: 60_000 }, frameworkId });
  const events: SchedulerEvent[] = [];
  void (async () => {
    for await (const e of client.events()) events.push(e);
  })();
  t.teardown(() => client.close());
  return { client, events };
}

t.test('a standby redirects frameworks and API callers to the leader', async (t) => {
  const { a, b } = await twoMasters(t);
  t.equal((await b.health())?.leadership, 'standby');
  const { events } = framework(t, [b.url, a.url]);
  const subscribed = await until('subscribed', () => events.find((e) => e.type === 'subscribed'));
  t.match(subscribed, { type: 'subscribed' });
  // fetch follows the standby's 307 to the leader.
  const state = (await (await fetch(`${b.http}/api/v1/state`)).json()) as { leadership: string; url: string };
  t.equal(state.leadership, 'leading');
  t.equal(state.url, a.url);
});

t.test('kill -9 of the leader: a standby leads with epoch + 1 and frameworks follow with their id', async (t) => {
  const { a, b } = await twoMasters(t);
  const { epoch } = await leaderOf([a]);
  const { client, events } = framework(t, [a.url, b.url]);
  await until('subscribed', () => events.find((e) => e.type === 'subscribed'));
  const frameworkId = client.frameworkId;
  a.proc.kill('SIGKILL');
  const next = await leaderOf([b]);
  t.equal(next.epoch, epoch + 1, 'the new leader holds the next epoch');
  const again = await until('re-subscribed to the new leader', () =>
    events.find((e) => e.type === 'subscribed' && e.reconnected) as Extract<SchedulerEvent, { type: 'subscribed' }> | undefined, 20_000);
  t.equal(again.frameworkId, frameworkId, 'the framework keeps its id');
  const state = (await (await fetch(`${b.http}/api/v1/state`)).json()) as { frameworks: { id: string; connected: boolean }[] };
  t.same(state.frameworks.map((f) => [f.id, f.connected]), [[frameworkId, true]], 'the new leader loaded the framework from Redis');
});

t.test('SIGSTOP of the leader past its lease: another is elected; after SIGCONT the old one writes nothing and steps down', async (t) => {
  const { redisUrl, a, b } = await twoMasters(t);
  const { epoch } = await leaderOf([a]);
  const { events } = framework(t, [a.url, b.url]);
  await until('subscribed', () => events.find((e) => e.type === 'subscribed'));
  a.proc.kill('SIGSTOP');
  // A write sent to the paused leader waits in its socket until it runs again.
  const late = fetch(`${a.http}/api/v1/roles/late`, { method: 'PUT', body: '{"weight": 2}' }).then(
    (r) => r.status,
    () => 0,
  );
  const next = await leaderOf([b]);
  t.equal(next.epoch, epoch + 1);
  t.equal((await fetch(`${b.http}/api/v1/roles/fresh`, { method: 'PUT', body: '{"weight": 3}' })).status, 200, 'the new leader writes');
  a.proc.kill('SIGCONT');
  const lateStatus = await late;
  t.not(lateStatus, 200, `the old leader refused the write it found on waking (${lateStatus})`);
  await until('the old leader exits', () => a.exited(), 15_000);
  t.equal(a.proc.exitCode, 3, 'it exits with the stepped-down code');
  t.match(a.output(), /stepping down/);
  // Every event written since the new election carries the new epoch.
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  t.teardown(() => redis.quit());
  const entries = (await redis.xRange('berth:events', '-', '+')) ?? [];
  const epochs = entries.map((e) => Number(e.message.epoch));
  t.notOk(entries.some((e) => e.message.id === 'late'), 'the late write is nowhere in the log');
  const firstNew = epochs.indexOf(epoch + 1);
  t.ok(firstNew >= 0, 'the new leader wrote');
  t.same(epochs.slice(firstNew).filter((x) => x !== epoch + 1), [], 'no write of the old epoch after the new election');
});
