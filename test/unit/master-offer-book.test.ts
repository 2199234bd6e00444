// The offer book: indexes by id, framework and agent; claimed offers cannot be used again but
// still hold their resources until released.
import t from 'tap';
import { resources, type Res } from '../../protocol/index.js';
import { OfferBook, type OfferEntry } from '../../master/offer-book.js';

const r = (cpus: number, memMb: number): Res => resources.normalize({ cpus, memMb });

function offer(id: string, frameworkId: string, agentId: string, res: Res, expiresAtMs = 0): OfferEntry {
  return { id, frameworkId, agentId, role: '*', resources: res, reserved: resources.empty(), gangId: '', createdAtMs: 0, expiresAtMs };
}

function book(): OfferBook {
  const b = new OfferBook();
  b.add(offer('o1', 'f1', 'a1', r(1, 100), 50));
  b.add(offer('o2', 'f2', 'a1', r(2, 200)));
  b.add(offer('o3', 'f1', 'a2', r(4, 400), 500));
  return b;
}

t.test('indexes by framework and agent, and sums what an agent has on offer', async (t) => {
  const b = book();
  t.equal(b.size, 3);
  t.same(b.ofFramework('f1').map((o) => o.id), ['o1', 'o3']);
  t.same(b.ofAgent('a1').map((o) => o.id), ['o1', 'o2']);
  t.same(b.heldOnAgent('a1'), r(3, 300));
  t.same(b.ofFramework('nobody'), []);
});

t.test('remove takes an offer out of every index, once', async (t) => {
  const b = book();
  t.equal(b.remove('o1')?.id, 'o1');
  t.equal(b.remove('o1'), undefined);
  t.equal(b.get('o1'), undefined);
  t.same(b.ofFramework('f1').map((o) => o.id), ['o3']);
  t.same(b.heldOnAgent('a1'), r(2, 200));
});

t.test('expired offers are those past their expiry; 0 never expires', async (t) => {
  const b = book();
  t.same(b.expired(49), []);
  t.same(b.expired(50).map((o) => o.id), ['o1']);
  t.same(b.expired(10_000).map((o) => o.id), ['o1', 'o3']);
});

t.test('a claimed offer is unusable but holds its resources until released', async (t) => {
  const b = book();
  const claimed = b.claim(['o1', 'nope']);
  t.same(claimed.map((o) => o.id), ['o1'], 'unknown ids are skipped');
  t.equal(b.get('o1'), undefined, 'cannot be accepted or declined again');
  t.same(b.ofAgent('a1').map((o) => o.id), ['o2'], 'not rescinded with the agent');
  t.same(b.expired(10_000).map((o) => o.id), ['o3'], 'does not expire');
  t.same(b.heldOnAgent('a1'), r(3, 300), 'still holds its resources');
  t.same([...b.holding()].map((o) => o.id).sort(), ['o1', 'o2', 'o3'], 'the allocator sees it held');
  b.release(claimed);
  t.same(b.heldOnAgent('a1'), r(2, 200));
  t.same([...b.holding()].map((o) => o.id).sort(), ['o2', 'o3']);
});

t.test("an agent's version changes with every add, remove, claim and release of its offers; a framework's offered agents follow its outstanding offers", async (t) => {
  const b = book();
  const v0 = b.agentVersion('a1');
  t.equal(b.agentVersion('a9'), 0, 'an agent never offered has version 0');
  t.same([...b.offeredAgents('f1')].sort(), ['a1', 'a2']);
  b.add(offer('o4', 'f1', 'a1', r(1, 10)));
  const v1 = b.agentVersion('a1');
  t.not(v1, v0, 'an add changes it');
  t.equal(b.agentVersion('a2'), b.agentVersion('a2'), 'other agents keep theirs');
  b.remove('o1');
  t.same([...b.offeredAgents('f1')].sort(), ['a1', 'a2'], 'f1 still holds o4 on a1');
  b.remove('o4');
  t.same([...b.offeredAgents('f1')], ['a2'], 'and now none on a1');
  const before = b.agentVersion('a2');
  const claimed = b.claim(['o3']);
  t.not(b.agentVersion('a2'), before, 'a claim changes it');
  t.same(b.holdingOn('a2').map((o) => o.id), ['o3'], 'a claimed offer still holds its resources');
  t.same([...b.offeredAgents('f1')], [], 'but is no longer outstanding');
  const claimedAt = b.agentVersion('a2');
  b.release(claimed);
  t.not(b.agentVersion('a2'), claimedAt, 'a release changes it');
  t.same(b.holdingOn('a2'), []);
});

t.test('offers that never expire are never scanned for expiry', async (t) => {
  const b = new OfferBook();
  b.add(offer('n1', 'f1', 'a1', r(1, 1)));
  t.same(b.expired(Number.MAX_SAFE_INTEGER), []);
  b.add(offer('e1', 'f1', 'a1', r(1, 1), 10));
  t.same(b.expired(20).map((o) => o.id), ['e1']);
  b.remove('e1');
  t.same(b.expired(Number.MAX_SAFE_INTEGER), []);
});

t.test("a framework's offered scalars per role follow its outstanding offers (claimed ones leave)", async (t) => {
  const b = book();
  const scalars = (cpus: number, memMb: number): Res => ({ ...r(cpus, memMb), ports: [] });
  t.same([...b.offeredByRole('f1')], [['*', scalars(5, 500)]]);
  b.add({ ...offer('o4', 'f1', 'a3', { ...r(0.5, 10), ports: [{ begin: 31000, end: 31009 }] }), role: 'batch' });
  t.same(b.offeredByRole('f1').get('batch'), scalars(0.5, 10), 'ports are left out');
  b.claim(['o1']);
  t.same(b.offeredByRole('f1').get('*'), scalars(4, 400), 'a claimed offer is no longer on offer');
  b.remove('o3');
  b.remove('o4');
  t.equal(b.offeredByRole('f1').size, 0, 'nothing left');
  t.same([...b.offeredByRole('f2')], [['*', scalars(2, 200)]]);
});

t.test('expiry: an offer added with an earlier expiry than the rest is found', async (t) => {
  const b = new OfferBook();
  b.add(offer('late', 'f1', 'a1', r(1, 1), 1_000));
  t.same(b.expired(100), []);
  b.add(offer('early', 'f1', 'a2', r(1, 1), 50));
  t.same(b.expired(100).map((o) => o.id), ['early']);
  b.remove('early');
  t.same(b.expired(999), []);
  t.same(b.expired(1_000).map((o) => o.id), ['late']);
});
