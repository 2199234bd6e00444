// Reservations: reserved resources go only to frameworks of their role, with the unreserved ones.
import t from 'tap';
import { DrfAllocator } from '../../master/allocator/index.js';
import { res, snapshotOf } from '../../master/allocator/snapshot-builder.js';

const allocator = new DrfAllocator();

t.test("reserved resources are offered to their role's framework, with the unreserved ones", async (t) => {
  const snapshot = snapshotOf({
    agents: { a1: { total: { cpus: 8, memMb: 8192 }, reservedFree: { db: { cpus: 2, memMb: 2048 } } } },
    frameworks: { db: { roles: ['db'] } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(offers, [{ frameworkId: 'db', agentId: 'a1', role: 'db', resources: res({ cpus: 8, memMb: 8192 }), reserved: res({ cpus: 2, memMb: 2048 }) }]);
});

t.test('other roles never get reserved resources, even when the owner is behind them', async (t) => {
  const snapshot = snapshotOf({
    agents: { a1: { total: { cpus: 8, memMb: 8192 }, reservedFree: { db: { cpus: 2, memMb: 2048 } } } },
    frameworks: { web: { roles: ['web'] }, db: { roles: ['db'], allocated: { db: { cpus: 100 } } } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(
    offers.map((o) => [o.frameworkId, o.resources.cpus, o.reserved?.cpus ?? 0]),
    [['web', 6, 0], ['db', 2, 2]],
    'web gets the unreserved part; db still gets its reservation in a second offer',
  );
});

t.test('an agent with only reserved resources left is offered to no other role', async (t) => {
  const snapshot = snapshotOf({
    agents: { a1: { total: { cpus: 2, memMb: 2048 }, free: {}, reservedFree: { db: { cpus: 2, memMb: 2048 } } } },
    frameworks: { web: { roles: ['web'] } },
  });
  t.same(allocator.allocate(snapshot).offers, []);
});

t.test('a sub-role does not inherit its parent role reservation', async (t) => {
  const snapshot = snapshotOf({
    agents: { a1: { total: { cpus: 2, memMb: 2048 }, free: {}, reservedFree: { eng: { cpus: 2, memMb: 2048 } } } },
    frameworks: { ml: { roles: ['eng/ml'] } },
  });
  t.same(allocator.allocate(snapshot).offers, []);
});

t.test('reservations of several roles on one agent each go to their own role', async (t) => {
  const snapshot = snapshotOf({
    agents: { a1: { total: { cpus: 4, memMb: 4096 }, free: {}, reservedFree: { x: { cpus: 1, memMb: 1024 }, y: { cpus: 3, memMb: 3072 } } } },
    frameworks: { fx: { roles: ['x'] }, fy: { roles: ['y'] } },
  });
  const { offers } = allocator.allocate(snapshot);
  t.same(
    offers.map((o) => [o.frameworkId, o.resources.cpus]).sort(),
    [['fx', 1], ['fy', 3]],
  );
});
