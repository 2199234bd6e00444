// A framework's offer limit (FrameworkInfo.max_offers, as offerRoom in the snapshot): a run sends
// it no more offers than its room, passes it over for the next framework in order, and says why.
import t from 'tap';
import { DrfAllocator } from '../../master/allocator/index.js';
import { snapshotOf, type AgentSpec } from '../../master/allocator/snapshot-builder.js';

const allocator = new DrfAllocator();
const NOW = 1_000_000;
const agents: Record<string, AgentSpec> = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`a${i}`, { total: { cpus: 4, memMb: 4096 } }]));

t.test('a framework gets at most its room in offers; the rest go to the next framework', async (t) => {
  const { offers } = allocator.allocate(snapshotOf({ nowMs: NOW, agents, frameworks: { limited: { roles: ['r'], offerRoom: 2 }, other: { roles: ['r'], allocated: { r: { cpus: 40 } } } } }));
  t.equal(offers.filter((o) => o.frameworkId === 'limited').length, 2, 'two offers, its room');
  t.equal(offers.filter((o) => o.frameworkId === 'other').length, 4, 'the other framework gets the other agents');
});

t.test('with nobody else, the agents past the room are left unoffered', async (t) => {
  const { offers } = allocator.allocate(snapshotOf({ nowMs: NOW, agents, frameworks: { limited: { roles: ['r'], offerRoom: 3 } } }));
  t.equal(offers.length, 3);
  const none = allocator.allocate(snapshotOf({ nowMs: NOW, agents, frameworks: { limited: { roles: ['r'], offerRoom: 0 } } }));
  t.same(none.offers, [], 'no room: no offers');
});

t.test('a limit in one role of a framework ends its offers in every role', async (t) => {
  const { offers } = allocator.allocate(snapshotOf({ nowMs: NOW, agents, frameworks: { both: { roles: ['x', 'y'], offerRoom: 4 } } }));
  t.equal(offers.length, 4, 'four offers across the two roles');
});

t.test('explain names the offer limit', async (t) => {
  const e = allocator.explain(snapshotOf({ nowMs: NOW, agents, frameworks: { limited: { roles: ['r'], offerRoom: 1 } } }), { frameworkId: 'limited' });
  t.ok(e.reasons.some((r) => r.kind === 'offer-limit'), 'an offer-limit reason');
  t.match(e.summary, /offer limit/);
});

t.test('a framework that starts the run at its limit is out of the scan from the first agent', async (t) => {
  const run = allocator.allocate(snapshotOf({ nowMs: NOW, agents, frameworks: { full: { roles: ['r'], offerRoom: 0 }, other: { roles: ['r'], allocated: { r: { cpus: 40 } } } } }));
  t.same(run.offers.map((o) => o.frameworkId), Array(6).fill('other'), 'every agent goes to the other framework');
  const e = allocator.explain(snapshotOf({ nowMs: NOW, agents, frameworks: { full: { roles: ['r'], offerRoom: 0 } } }), { frameworkId: 'full' });
  t.ok(e.reasons.some((r) => r.kind === 'offer-limit'), 'and the explanation still names the limit');
});
