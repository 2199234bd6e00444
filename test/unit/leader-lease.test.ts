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
