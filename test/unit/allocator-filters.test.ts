// Filters (Mesos semantics), SUPPRESS / REVIVE, the minimum offer size and draining agents.
import t from 'tap';
import { DrfAllocator } from '../../master/allocator/index.js';
import { snapshotOf, type FrameworkSpec } from '../../master/allocator/snapshot-builder.js';

const allocator = new DrfAllocator();
const NOW = 1_000_000;

function offersFor(fw: FrameworkSpec, free = { cpus: 4, memMb: 4096 }) {
  return allocator.allocate(
    snapshotOf({ nowMs: NOW, agents: { a1: { total: { cpus: 8, memMb: 8192 }, free } }, frameworks: { f: fw } }),
  ).offers;
}

t.test('a DECLINE filter blocks an offer that is a subset of what was refused', async (t) => {
  const filters = [{ agentId: 'a1', resources: { cpus: 4, memMb: 4096 }, untilMs: NOW + 5000 }];
  t.same(offersFor({ roles: ['r'], filters }), [], 'the same resources again');
  t.same(offersFor({ roles: ['r'], filters }, { cpus: 2, memMb: 1024 }), [], 'less than was refused');
});

t.test('a filter does not block an offer with more than was refused', async (t) => {
  const filters = [{ agentId: 'a1', resources: { cpus: 4, memMb: 4096 }, untilMs: NOW + 5000 }];
  t.equal(offersFor({ roles: ['r'], filters }, { cpus: 6, memMb: 4096 }).length, 1);
});

t.test('a filter holds only on its agent and only until it ends', async (t) => {
  t.equal(offersFor({ roles: ['r'], filters: [{ agentId: 'a2', resources: { cpus: 8, memMb: 8192 }, untilMs: NOW + 5000 }] }).length, 1);
  t.equal(offersFor({ roles: ['r'], filters: [{ agentId: 'a1', resources: { cpus: 8, memMb: 8192 }, untilMs: NOW }] }).length, 1);
});

t.test('a filter for one role does not block offers for the other role', async (t) => {
  const offers = offersFor({ roles: ['r1', 'r2'], filters: [{ agentId: 'a1', resources: { cpus: 8, memMb: 8192 }, untilMs: NOW + 5000, role: 'r1' }] });
  t.same(offers.map((o) => o.role), ['r2']);
});

t.test('a filtered framework is passed over for the next one in order', async (t) => {
  const { offers } = allocator.allocate(
    snapshotOf({
      nowMs: NOW,
      agents: { a1: { total: { cpus: 8, memMb: 8192 } } },
      frameworks: {
        first: { roles: ['r'], filters: [{ agentId: 'a1', resources: { cpus: 8, memMb: 8192 }, untilMs: NOW + 1 }] },
        second: { roles: ['r'], allocated: { r: { cpus: 1 } } },
      },
    }),
  );
  t.same(offers.map((o) => o.frameworkId), ['second']);
});

t.test('SUPPRESS takes a framework out of allocation for that role; REVIVE (not suppressed, no filters) brings it back', async (t) => {
  t.same(offersFor({ roles: ['r'], suppressed: ['r'] }), []);
  t.same(offersFor({ roles: ['r1', 'r2'], suppressed: ['r1'] }).map((o) => o.role), ['r2']);
  t.equal(offersFor({ roles: ['r'] }).length, 1, 'revived: offered again');
});

t.test('an offer below the minimum size in both cpus and mem is not made', async (t) => {
  const run = (free: { cpus: number; memMb: number }) =>
    allocator.allocate(snapshotOf({ agents: { a1: { total: { cpus: 8, memMb: 8192 }, free } }, frameworks: { f: { roles: ['r'] } }, minOffer: { cpus: 0.5, memMb: 256 } })).offers;
  t.same(run({ cpus: 0.1, memMb: 100 }), []);
  t.equal(run({ cpus: 0.5, memMb: 100 }).length, 1, 'enough cpus');
  t.equal(run({ cpus: 0.1, memMb: 256 }).length, 1, 'enough mem');
});

t.test('draining agents get no new offers', async (t) => {
  const { offers } = allocator.allocate(
    snapshotOf({
      agents: { a1: { total: { cpus: 8, memMb: 8192 }, draining: true }, a2: { total: { cpus: 8, memMb: 8192 } } },
      frameworks: { f: { roles: ['r'] }, g: { roles: ['r'] } },
    }),
  );
  t.same(offers.map((o) => o.agentId), ['a2']);
});

t.test('an agent with nothing free is not offered', async (t) => {
  t.same(offersFor({ roles: ['r'] }, { cpus: 0, memMb: 0 }), []);
});
