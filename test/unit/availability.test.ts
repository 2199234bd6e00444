import t from 'tap';
import { availability } from '../../master/availability.js';
import { resources } from '../../protocol/index.js';

const r = (cpus: number, memMb: number, ports: [number, number][] = []) =>
  resources.normalize({ cpus, memMb, ports: ports.map(([begin, end]) => ({ begin, end })) });

t.test('without reservations, free is total minus every use', async (t) => {
  const a = availability(r(8, 8000, [[100, 109]]), new Map(), new Map([['a', r(2, 1000, [[100, 101]])], ['b', r(1, 500)]]));
  t.same(a.free, r(5, 6500, [[102, 109]]));
  t.equal(a.reservedFree.size, 0);
});

t.test("a role's use is charged to its reservation first, the excess to the pool", async (t) => {
  const reserved = new Map([['eng', r(2, 2000)]]);
  const within = availability(r(8, 8000), reserved, new Map([['eng', r(1, 500)]]));
  t.same(within.free, r(6, 6000), 'use inside the reservation leaves the pool alone');
  t.same(within.reservedFree.get('eng'), r(1, 1500));
  const beyond = availability(r(8, 8000), reserved, new Map([['eng', r(3, 1000)]]));
  t.same(beyond.reservedFree.get('eng'), r(0, 1000));
  t.same(beyond.free, r(5, 6000), 'one cpu beyond the reservation comes from the pool');
  const other = availability(r(8, 8000), reserved, new Map([['ops', r(1, 1000)]]));
  t.same(other.free, r(5, 5000), "another role's use never touches the reservation");
  t.same(other.reservedFree.get('eng'), r(2, 2000));
});
