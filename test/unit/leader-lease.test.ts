// The lease rides out a store outage shorter than what is left of it: a failed renewal is tried
// again soon, not a third of a lease later (found from outside: a 3 s Redis outage deposed a
// leader with a 10 s lease). An outage longer than the lease still ends leadership.
import t, { type Test } from 'tap';
import { LeaderLease } from '../../master/leader-lease.js';
import { MemoryStore, type ClusterStore } from '../../master/store/index.js';
import { until } from '../helpers/poll.js';
import { testLogger } from '../helpers/log.js';

const LEASE_MS = 3_000;

async function flakyLease(t: Test): Promise<{ lease: LeaderLease; down: (on: boolean) => void; lost: string[] }> {
  const store = await MemoryStore.open();
  let isDown = false;
  const flaky = {
    campaign: (c: { masterId: string; url: string }, ms: number) => store.campaign(c, ms),
    renew: async (id: string, epoch: number, ms: number) => {
      if (isDown) throw new Error('store unreachable');
      return store.renew(id, epoch, ms);
    },
    resign: (id: string, epoch: number) => store.resign(id, epoch),
  } as unknown as ClusterStore;
  const lost: string[] = [];
  const lease = new LeaderLease(flaky, { masterId: 'm1', url: 'ws://127.0.0.1:1', leaseMs: LEASE_MS, log: testLogger(), elected: async () => undefined, lost: (why) => lost.push(why) });
  await lease.start();
  t.teardown(() => lease.stop());
  return { lease, down: (on) => (isDown = on), lost };
}

void t.test('an outage past the next regular renewal but within the lease is ridden out', async (t) => {
  const { lease, down, lost } = await flakyLease(t);
  t.equal(lease.state, 'leading');
  await new Promise((resolve) => setTimeout(resolve, LEASE_MS / 3 + 100));
  down(true);
  await until('a renewal failed', () => (lease.renewFailingSinceMs !== null ? true : undefined), LEASE_MS);
  // Back after the next regular renewal time (a third of a lease after the failure), before the
  // deadline: only a quick retry gets through in time.
  await new Promise((resolve) => setTimeout(resolve, LEASE_MS / 3 + 100));
  down(false);
  await until('a renewal got through', () => (lease.renewFailingSinceMs === null ? true : undefined), LEASE_MS);
  t.ok(lease.holds(), 'still leading');
  t.same(lost, [], 'never stepped down');
});

void t.test('an outage longer than the lease ends leadership', async (t) => {
  const { lease, down, lost } = await flakyLease(t);
  down(true);
  await until('stepped down', () => (lost.length > 0 ? true : undefined), LEASE_MS * 2);
  t.notOk(lease.holds());
  t.match(lost, ['lease deadline passed']);
});

void t.test('a standby that sees the leader\'s presence missing, or is elected and loading, is taking over; changed() wakes at each answer', async (t) => {
  const store = await MemoryStore.open();
  let absentFor = 3;
  const gone = { masterId: 'm0', url: 'ws://127.0.0.1:2', epoch: 1, absent: true };
  const fake = {
    campaign: async (c: { masterId: string; url: string }, ms: number) => (absentFor-- > 0 ? { elected: false, leader: gone } : store.campaign(c, ms)),
    renew: (id: string, epoch: number, ms: number) => store.renew(id, epoch, ms),
    resign: (id: string, epoch: number) => store.resign(id, epoch),
    openPresence: () => ({ up: true, onChange: () => undefined, close: async () => undefined }),
  } as unknown as ClusterStore;
  let loaded!: () => void;
  const lease = new LeaderLease(fake, {
    masterId: 'm1', url: 'ws://127.0.0.1:1', leaseMs: LEASE_MS, log: testLogger(), lost: () => undefined,
    // Its own presence counts as settled at once.
    presenceTimings: { graceMs: 500, explainMs: 250, settleMs: 0 },
    elected: () => new Promise<void>((r) => (loaded = r)),
  });
  const started = lease.start();
  t.teardown(() => lease.stop());
  t.equal(lease.takingOver, false, 'before its first campaign it knows of no leader');
  await lease.changed(LEASE_MS);
  t.equal(lease.state, 'standby');
  t.equal(lease.takingOver, true, 'the leader it sees is absent');
  await until('elected and loading', () => (lease.state === 'starting' ? true : undefined), LEASE_MS);
  t.equal(lease.takingOver, true, 'elected, still loading');
  const woke = lease.changed(LEASE_MS).then(() => lease.state);
  loaded();
  t.equal(await woke, 'leading', 'changed() resolves when it leads');
  t.equal(lease.takingOver, false);
  await started;
  const t0 = Date.now();
  await lease.changed(50);
  t.ok(Date.now() - t0 >= 45, 'with nothing changing, changed() waits out its time');
});
