// Gang requests: all-or-nothing bundles, and the hold rule that cannot deadlock anyone.
import t from 'tap';
import { DrfAllocator } from '../../master/allocator/index.js';
import { res, snapshotOf, type SnapshotSpec } from '../../master/allocator/snapshot-builder.js';

const allocator = new DrfAllocator();
const NOW = 1_000_000;
const four = { total: { cpus: 4, memMb: 4096, ports: '31000-31009' } };
/** Three agents, one of them busy: a gang of three 4-cpu tasks fits the cluster but not now. */
const busy = { a1: four, a2: four, a3: { total: { cpus: 4, memMb: 4096 }, free: {} } };

function run(spec: Partial<SnapshotSpec> & Pick<SnapshotSpec, 'frameworks'>) {
  return allocator.allocate(snapshotOf({ nowMs: NOW, agents: { a1: four, a2: four }, gangHoldMs: 10_000, ...spec }));
}

t.test('a gang that fits is offered as one bundle of exactly its shapes', async (t) => {
  const { offers } = run({
    frameworks: {
      mpi: { roles: ['hpc'], gangs: [{ id: 'g1', role: 'hpc', tasks: [{ cpus: 3, memMb: 1024 }, { cpus: 3, memMb: 1024 }] }] },
      other: { roles: ['web'], allocated: { web: { cpus: 100 } } },
    },
  });
  const gang = offers.filter((o) => o.gangId === 'g1');
  t.same(gang.map((o) => [o.agentId, o.resources.cpus, o.resources.memMb]), [['a1', 3, 1024], ['a2', 3, 1024]]);
  t.ok(gang.every((o) => o.frameworkId === 'mpi' && o.role === 'hpc'));
  const rest = offers.filter((o) => o.gangId === undefined);
  t.same(rest.map((o) => [o.frameworkId, o.agentId, o.resources.cpus]), [['other', 'a1', 1], ['other', 'a2', 1]], 'the rest of each agent goes to others');
});

t.test("a shape's ports are a count: the offer carries that many concrete free ports", async (t) => {
  const { offers } = run({ frameworks: { mpi: { roles: ['hpc'], gangs: [{ id: 'g', role: 'hpc', tasks: [{ cpus: 1, memMb: 10, ports: '1-2' }] }] } } });
  t.same(offers[0]?.resources, res({ cpus: 1, memMb: 10, ports: '31000-31001' }));
});

t.test('all or nothing: a gang of which only part fits gets no offer', async (t) => {
  const { offers } = run({
    gangHoldMs: 0,
    frameworks: { mpi: { roles: ['hpc'], gangs: [{ id: 'g', role: 'hpc', tasks: [{ cpus: 3 }, { cpus: 3 }, { cpus: 3 }] }] } },
  });
  t.same(offers.filter((o) => o.gangId !== undefined), []);
  t.equal(offers.length, 2, 'the framework still gets ordinary offers');
});

t.test('a gang that does not fit yet holds the free resources its partial placement found', async (t) => {
  const result = run({
    agents: { a1: { total: { cpus: 4, memMb: 4096 } }, a2: { total: { cpus: 4, memMb: 4096 }, free: { cpus: 1, memMb: 1024 } }, a3: { total: { cpus: 4, memMb: 4096 } } },
    frameworks: {
      mpi: { roles: ['hpc'], gangs: [{ id: 'g', role: 'hpc', tasks: [{ cpus: 4, memMb: 1000 }, { cpus: 4, memMb: 1000 }, { cpus: 4, memMb: 1000 }], sinceMs: NOW - 1000 }] },
      web: { roles: ['web'] },
    },
  });
  t.same(result.gangHolds?.map((h) => [h.agentId, h.resources.cpus]), [['a1', 4], ['a3', 4]]);
  t.ok(result.offers.every((o) => o.gangId === undefined));
  // a1 and a3 keep 3072 MB each that the hold does not need; a2 is not held at all.
  t.same(
    result.offers.map((o) => [o.agentId, o.resources.cpus, o.resources.memMb]),
    [['a1', 0, 3096], ['a2', 1, 1024], ['a3', 0, 3096]],
    'only what is not held is offered',
  );
});

t.test('only one gang in the cluster holds at a time: the first in DRF order', async (t) => {
  const gang = (id: string) => ({ id, role: 'hpc', tasks: [{ cpus: 4 }, { cpus: 4 }, { cpus: 4 }] });
  const { gangHolds } = run({
    agents: busy,
    frameworks: {
      first: { roles: ['hpc'], gangs: [gang('g-first')] },
      second: { roles: ['hpc'], allocated: { hpc: { cpus: 1 } }, gangs: [gang('g-second')] },
    },
  });
  t.same([...new Set(gangHolds?.map((h) => h.gangId))], ['g-first']);
});

t.test('holds alternate with windows without a hold, so no hold outlasts gangHoldMs', async (t) => {
  const at = (ageMs: number) =>
    run({ agents: busy, frameworks: { mpi: { roles: ['hpc'], gangs: [{ id: 'g', role: 'hpc', tasks: [{ cpus: 4 }, { cpus: 4 }, { cpus: 4 }], sinceMs: NOW - ageMs }] } } })
      .gangHolds?.length ?? 0;
  t.ok(at(0) > 0, 'holds in its first window');
  t.ok(at(9_999) > 0);
  t.equal(at(10_000), 0, 'then none for as long');
  t.equal(at(19_999), 0);
  t.ok(at(20_000) > 0, 'then holds again');
});

t.test('a gang that could never fit holds nothing', async (t) => {
  const { gangHolds, offers } = run({ frameworks: { mpi: { roles: ['hpc'], gangs: [{ id: 'g', role: 'hpc', tasks: [{ cpus: 4 }, { cpus: 64 }] }] } } });
  t.same(gangHolds, []);
  t.equal(offers.length, 2);
});

t.test('a gang stays within its quota limit', async (t) => {
  const { offers } = run({
    roles: { hpc: { quotaLimit: { cpus: 5 } } },
    frameworks: { mpi: { roles: ['hpc'], gangs: [{ id: 'g', role: 'hpc', tasks: [{ cpus: 3 }, { cpus: 3 }] }] } },
  });
  t.same(offers.filter((o) => o.gangId), []);
});

t.test("a gang of a suppressed role is not placed", async (t) => {
  const { offers, gangHolds } = run({ frameworks: { mpi: { roles: ['hpc'], suppressed: ['hpc'], gangs: [{ id: 'g', role: 'hpc', tasks: [{ cpus: 1 }] }] } } });
  t.same(offers, []);
  t.same(gangHolds, []);
});
