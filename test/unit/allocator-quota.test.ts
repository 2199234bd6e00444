// Quota: guarantees are served first and protected by headroom; limits cap offers, also for
// ancestors.
import t from 'tap';
import { DrfAllocator } from '../../master/allocator/index.js';
import { res, snapshotOf } from '../../master/allocator/snapshot-builder.js';

const allocator = new DrfAllocator();
const agents = (n: number, cpus = 10, memMb = 10_000) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, { total: { cpus, memMb } }]));

t.test('a role below its quota guarantee is served before a role with a lower share', async (t) => {
  const snapshot = snapshotOf({
    agents: agents(2),
    frameworks: {
      quota: { roles: ['prod'], allocated: { prod: { cpus: 8, memMb: 8000 } } },
      other: { roles: ['dev'] },
    },
    roles: { prod: { quotaGuarantee: { cpus: 15 } } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(offers.map((o) => [o.agentId, o.frameworkId]), [['a0', 'quota'], ['a1', 'other']]);
});

t.test('once at its guarantee, a quota role falls back into weighted-DRF order', async (t) => {
  const snapshot = snapshotOf({
    agents: agents(2),
    frameworks: {
      quota: { roles: ['prod'], allocated: { prod: { cpus: 8, memMb: 8000 } } },
      other: { roles: ['dev'] },
    },
    roles: { prod: { quotaGuarantee: { cpus: 8 } } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(offers.map((o) => [o.agentId, o.frameworkId]), [['a0', 'other'], ['a1', 'quota']]);
});

t.test('headroom: free resources a guaranteed role still lacks are not offered to others', async (t) => {
  // prod lacks 15 cpus but its only framework has declined a0 and a1 for a while: other roles may
  // only take what exceeds the 15 cpus prod is owed (30 free - 15 = 15 cpus).
  const snapshot = snapshotOf({
    agents: agents(3),
    frameworks: {
      quota: {
        roles: ['prod'],
        filters: ['a0', 'a1', 'a2'].map((agentId) => ({ agentId, resources: { cpus: 10, memMb: 10_000 }, untilMs: 2_000_000 })),
      },
      other: { roles: ['dev'] },
    },
    roles: { prod: { quotaGuarantee: { cpus: 15 } } },
  });
  const { offers } = allocator.allocate(snapshot);
  const cpus = offers.reduce((n, o) => n + o.resources.cpus, 0);
  t.equal(cpus, 15);
  t.ok(offers.every((o) => o.frameworkId === 'other'));
  t.same(offers.map((o) => o.resources.cpus), [10, 5]);
});

t.test('a quota limit cuts the offer down to what the role may still take', async (t) => {
  const snapshot = snapshotOf({
    agents: agents(2),
    frameworks: { capped: { roles: ['batch'], allocated: { batch: { cpus: 3 } } } },
    roles: { batch: { quotaLimit: { cpus: 7 } } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(offers.map((o) => o.resources.cpus), [4]);
  t.equal(offers[0]?.resources.memMb, 10_000, 'a limit on cpus does not limit memory');
});

t.test("an ancestor's quota limit bounds its sub-roles together", async (t) => {
  const snapshot = snapshotOf({
    agents: agents(3),
    frameworks: { ml: { roles: ['eng/ml'] }, web: { roles: ['eng/web'] } },
    roles: { eng: { quotaLimit: { cpus: 12 } } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(offers.map((o) => [o.frameworkId, o.resources.cpus]), [['ml', 10], ['web', 2]]);
});

t.test('a role at its limit is skipped and the agent goes to the next role', async (t) => {
  const snapshot = snapshotOf({
    agents: agents(1),
    frameworks: { capped: { roles: ['batch'] , allocated: { batch: { cpus: 1 } } }, next: { roles: ['web'], allocated: { web: { cpus: 5 } } } },
    roles: { batch: { quotaLimit: { cpus: 1 } } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(offers.map((o) => o.frameworkId), ['next']);
});

t.test('what a role cannot take because of its limit stays free for others on the same agent', async (t) => {
  const snapshot = snapshotOf({
    agents: agents(1),
    frameworks: { capped: { roles: ['batch'] }, next: { roles: ['web'], allocated: { web: { cpus: 5 } } } },
    roles: { batch: { quotaLimit: { cpus: 4, memMb: 4000 } } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(offers.map((o) => [o.frameworkId, o.resources.cpus, o.resources.memMb]), [['capped', 4, 4000], ['next', 6, 6000]]);
  t.same(offers[0]?.resources, res({ cpus: 4, memMb: 4000 }));
});
