// Failover on the default lease with real master processes on a real redis-server: a killed
// leader's presence connection closes with it, so a standby takes over without waiting out the
// 10 s lease; a leader that is stopped (as a busy or paused one is, to the sockets) keeps it.
import t, { type Test } from 'tap';
import { createClient } from 'redis';
import { startRedis } from '../helpers/redis.js';
import { leaderOf, spawnMaster, type MasterProcess } from '../helpers/processes.js';
import { until } from '../helpers/poll.js';
import { HelloKind, connect } from '../../protocol/index.js';
import { PRESENCE_TIMINGS } from '../../master/presence-watch.js';

async function twoMasters(t: Test): Promise<{ a: MasterProcess; b: MasterProcess; pttl: () => Promise<number>; lease: () => Promise<string | null> }> {
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) throw new Error('no redis');
  const a = await spawnMaster(t, ['--redis', redis.url]);
  await leaderOf([a]);
  const b = await spawnMaster(t, ['--redis', redis.url]);
  await until('b stands by', async () => (await b.health())?.leadership === 'standby');
  const client = createClient({ url: redis.url });
  await client.connect();
  t.teardown(() => client.close());
  return { a, b, pttl: () => client.pTTL('berth:leader'), lease: () => client.get('berth:leader') };
}

t.test('kill -9 of the leader on the default lease: the standby takes over through presence, with epoch + 1', async (t) => {
  const { a, b, pttl } = await twoMasters(t);
  const { epoch } = await leaderOf([a]);
  a.proc.kill('SIGKILL');
  const next = await leaderOf([b], 10_000);
  t.equal(next.epoch, epoch + 1);
  t.match(b.output(), /took the lease over/, "elected because a's presence connection closed, not because its lease ran out");
  t.ok((await pttl()) > 5_000, "the lease now is b's own, fresh");
});

t.test('a Hello that reaches the standby while the dead leader\'s presence is missing is held, then welcomed by the new leader', async (t) => {
  const { a, b, lease } = await twoMasters(t);
  const { epoch } = await leaderOf([a]);
  // A standby counts a missing presence only once its own has been up for PRESENCE_TIMINGS.settleMs.
  await new Promise((r) => setTimeout(r, PRESENCE_TIMINGS.settleMs + 200));
  a.proc.kill('SIGKILL');
  // The lease records a's presence as missing once b's campaign has seen it: b knows a takeover is under way.
  await until("b saw a's presence missing", async () => /absentSinceMs/.test((await lease()) ?? ''), 10_000, 5);
  const { channel, welcome } = await connect(`${b.url}/api/v1/scheduler`, { kind: HelloKind.SCHEDULER, client: 'ha-presence-test' });
  t.equal(welcome.epoch, epoch + 1, 'welcomed by b as the new leader, not refused with NOT_LEADER');
  t.equal((await b.health())?.leadership, 'leading');
  t.match(b.output(), /leading .*loadedAhead=true/, 'b loaded the state while it waited out the grace, and led with it');
  channel.close();
});

t.test('a leader stopped past its renewal interval but within its lease is not deposed', async (t) => {
  const { a, b, pttl } = await twoMasters(t);
  const { epoch } = await leaderOf([a]);
  a.proc.kill('SIGSTOP');
  // A renewal is due every third of the 10 s lease: under 6 s left means one was missed, and the
  // standby (asking every 100 ms) had dozens of chances to take over.
  await until('a renewal missed', async () => (await pttl()) < 6_000, 15_000, 100);
  t.equal((await b.health())?.leadership, 'standby', 'b still stands by');
  a.proc.kill('SIGCONT');
  await until('a renewed', async () => (await pttl()) > 6_000, 10_000, 50);
  t.match(await a.health(), { leadership: 'leading', epoch }, 'a leads on in the same epoch');
  t.equal((await b.health())?.leadership, 'standby');
  t.notMatch(b.output(), /took the lease over/);
  t.notMatch(a.output(), /stepping down/);
});
