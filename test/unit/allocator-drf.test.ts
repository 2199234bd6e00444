// Weighted DRF ordering: the DRF paper's example, weighted roles, hierarchical roles, DRF order of
// frameworks inside a role, one offer per (framework, agent).
import t from 'tap';
import { DrfAllocator } from '../../master/allocator/index.js';
import { agentSlot, frameworkSlot, res, snapshotOf, type ResSpec } from '../../master/allocator/snapshot-builder.js';
import { resources, type Res } from '../../protocol/index.js';

const allocator = new DrfAllocator();

interface SimFramework {
  id: string;
  role: string;
  task: Res;
  used: Res;
  tasks: number;
}

/**
 * Drives the allocator like a master with frameworks that launch ONE task per offer and return
 * the rest without a filter, run after run, until no framework can launch anything.
 */
function simulate(agents: Record<string, ResSpec>, frameworks: { id: string; role: string; task: ResSpec }[], roles = {}): SimFramework[] {
  const fws: SimFramework[] = frameworks.map((f) => ({ ...f, task: res(f.task), used: resources.empty(), tasks: 0 }));
  const usedOn = new Map<string, Res>(Object.keys(agents).map((id) => [id, resources.empty()]));
  for (let round = 0; round < 1000; round++) {
    const snapshot = snapshotOf({
      agents: Object.entries(agents).map(([id, total]) => agentSlot(id, { total, free: resources.subtract(res(total), usedOn.get(id) as Res) })),
      frameworks: fws.map((f) => frameworkSlot(f.id, { roles: [f.role], allocated: { [f.role]: f.used } })),
      roles,
    });
    const { offers } = allocator.allocate(snapshot);
    let launched = 0;
    for (const offer of offers) {
      const f = fws.find((x) => x.id === offer.frameworkId) as SimFramework;
      if (!resources.contains(offer.resources, { ...f.task, ports: [] })) continue;
      f.used = resources.add(f.used, f.task);
      f.tasks++;
      usedOn.set(offer.agentId, resources.add(usedOn.get(offer.agentId) as Res, f.task));
      launched++;
    }
    if (launched === 0) break;
  }
  return fws;
}

t.test('the DRF paper example: 9 CPUs, 18 GB; <1 CPU, 4 GB> and <3 CPUs, 1 GB> get 3 and 2 tasks', async (t) => {
  const [a, b] = simulate({ pool: { cpus: 9, memMb: 18 * 1024 } }, [
    { id: 'A', role: 'users', task: { cpus: 1, memMb: 4 * 1024 } },
    { id: 'B', role: 'users', task: { cpus: 3, memMb: 1024 } },
  ]) as [SimFramework, SimFramework];
  t.equal(a.tasks, 3);
  t.equal(b.tasks, 2);
  // Both end at a dominant share of 2/3: A on memory (12 of 18 GB), B on cpus (6 of 9).
  t.equal(a.used.memMb / (18 * 1024), 2 / 3);
  t.equal(b.used.cpus / 9, 2 / 3);
});

t.test('weighted roles: weight 2 ends with twice the dominant share of weight 1', async (t) => {
  const agents = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`a${i}`, { cpus: 10, memMb: 10_000 }]));
  const [light, heavy] = simulate(
    agents,
    [
      { id: 'light', role: 'batch', task: { cpus: 1, memMb: 1000 } },
      { id: 'heavy', role: 'prod', task: { cpus: 1, memMb: 1000 } },
    ],
    { prod: { weight: 2 } },
  ) as [SimFramework, SimFramework];
  t.equal(light.tasks + heavy.tasks, 60);
  t.equal(heavy.tasks, 40);
  t.equal(light.tasks, 20);
});

t.test('the role with the lowest dominant share / weight is served first', async (t) => {
  const snapshot = snapshotOf({
    agents: { a1: { total: { cpus: 10, memMb: 10_000 } }, a2: { total: { cpus: 10, memMb: 10_000 } } },
    frameworks: {
      f1: { roles: ['r1'], allocated: { r1: { cpus: 4 } } },
      f2: { roles: ['r2'], allocated: { r2: { cpus: 6 } } },
    },
    roles: { r2: { weight: 3 } },
  });
  const { offers } = allocator.allocate(snapshot);
  // r1: 4/20 / 1 = 0.2; r2: 6/20 / 3 = 0.1 -> r2 first; after a1 (10 cpus) r2 holds 16/20/3 = 0.27 > 0.2.
  t.same(offers.map((o) => [o.agentId, o.frameworkId]), [['a1', 'f2'], ['a2', 'f1']]);
});

t.test('frameworks inside a role are served in DRF order, re-sorted after every offer', async (t) => {
  const snapshot = snapshotOf({
    agents: { a1: { total: { cpus: 2, memMb: 2048 } }, a2: { total: { cpus: 2, memMb: 2048 } }, a3: { total: { cpus: 2, memMb: 2048 } } },
    frameworks: {
      big: { roles: ['r'], allocated: { r: { cpus: 3 } } },
      small: { roles: ['r'], allocated: { r: { cpus: 1 } } },
      zero: { roles: ['r'] },
    },
  });
  const { offers } = allocator.allocate(snapshot);
  // Shares of 6 cpus: zero 0 -> 1/3 after a1; small 1/6 -> 1/2 after a2; then zero (1/3) is
  // below big (1/2) again.
  t.same(offers.map((o) => o.frameworkId), ['zero', 'small', 'zero']);
});

t.test('hierarchical roles: siblings compete under their parent, parents by subtree share', async (t) => {
  const snapshot = snapshotOf({
    agents: Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`a${i}`, { total: { cpus: 10, memMb: 10_000 } }])),
    frameworks: {
      ml: { roles: ['eng/ml'], allocated: { 'eng/ml': { cpus: 1 } } },
      web: { roles: ['eng/web'], allocated: { 'eng/web': { cpus: 1 } } },
      ops: { roles: ['ops'], allocated: { ops: { cpus: 3 } } },
    },
  });
  const { offers } = allocator.allocate(snapshot);
  // eng holds 2 of 40 cpus, ops 3: eng first; inside eng, ml and web tie on share, ml by name;
  // then eng holds 12 > ops 3: ops; then eng (12) < ops (13): web (1) before ml (11).
  t.same(offers.map((o) => [o.agentId, o.frameworkId, o.role]), [
    ['a0', 'ml', 'eng/ml'],
    ['a1', 'ops', 'ops'],
    ['a2', 'web', 'eng/web'],
    ['a3', 'ops', 'ops'],
  ]);
});

t.test("a parent role's own frameworks compete with its sub-roles under the parent's weight", async (t) => {
  const snapshot = snapshotOf({
    agents: { a1: { total: { cpus: 10, memMb: 10_000 } }, a2: { total: { cpus: 10, memMb: 10_000 } } },
    frameworks: {
      parent: { roles: ['eng'], allocated: { eng: { cpus: 5 } } },
      child: { roles: ['eng/ml'], allocated: { 'eng/ml': { cpus: 1 } } },
    },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(offers.map((o) => o.frameworkId), ['child', 'parent']);
});

t.test('one offer per (framework, agent): an outstanding offer blocks a second one there', async (t) => {
  const snapshot = snapshotOf({
    agents: { a1: { total: { cpus: 4, memMb: 4096 } }, a2: { total: { cpus: 4, memMb: 4096 } } },
    frameworks: { only: { roles: ['r'], offeredAgents: ['a1'] } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(offers.map((o) => o.agentId), ['a2']);
});

t.test('a framework with two roles gets at most one offer per agent', async (t) => {
  const snapshot = snapshotOf({
    agents: { a1: { total: { cpus: 4, memMb: 4096 }, reservedFree: { r2: { cpus: 1, memMb: 512 } } } },
    frameworks: { both: { roles: ['r1', 'r2'] } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.equal(offers.length, 1);
});

t.test('an agent goes whole to one framework: its free resources and ports in one offer', async (t) => {
  const snapshot = snapshotOf({
    agents: { a1: { total: { cpus: 4, memMb: 4096, diskMb: 100, ports: '31000-31009' } } },
    frameworks: { f: { roles: ['r'] }, g: { roles: ['r'] } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(offers, [{ frameworkId: 'f', agentId: 'a1', role: 'r', resources: res({ cpus: 4, memMb: 4096, diskMb: 100, ports: '31000-31009' }) }]);
});
