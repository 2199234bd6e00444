// The task queue holding offers (holdOffers): an offer no task fits is kept while work is expected
// and used the moment a task is added, without a revive or another offer; held offers are given
// back in one decline once work stops, and never used when rescinded, stale or about to expire.
import t from 'tap';
import { TaskQueue } from '../../frameworks/sdk/index.js';
import { BerthError, ErrorCode } from '../../protocol/index.js';
import { until } from '../helpers/poll.js';
import { FakeClient, launchedIds, offer, offers, spec, tick } from '../helpers/fake-queue-client.js';

/** Long enough that the wait for work cannot run out during a test, however slow the machine. */
const EXPECTING = { idleMs: 600_000 };

t.test('an offer is held while work is expected and a task added later launches on it at once', async (t) => {
  const client = new FakeClient();
  const queue = new TaskQueue(client, { holdOffers: EXPECTING });
  queue.add({ id: 'a', ...spec });
  queue.handle(offer('o1', 'ag1'));
  t.same(launchedIds(client.last('launch')), ['a.1']);
  t.match(client.last('launch')?.args[2], { refuseSeconds: 0 }, 'the remainder comes back at the next allocation run');
  queue.handle(offer('o2', 'ag2'));
  t.equal(client.count('decline'), 0, 'o2 is held, not declined');
  const revives = client.count('revive');
  const task = queue.add({ id: 'b', ...spec });
  await tick();
  t.same(client.last('launch')?.args[0], ['o2'], 'b launched on the held offer');
  t.same(launchedIds(client.last('launch')), ['b.1']);
  t.equal(task.phase, 'launching');
  t.equal(client.count('revive'), revives, 'no revive was needed');
  t.equal(client.count('suppress'), 0, 'offers are not suppressed while work is expected');
  queue.add({ id: 'c', ...spec });
  await tick();
  t.equal(client.count('launch'), 2, 'o2 was used up: c waits for an offer');
  t.equal(queue.get('c')?.phase, 'waiting');
});

t.test('tasks added in one tick share one launch on a held offer', async (t) => {
  const client = new FakeClient();
  const queue = new TaskQueue(client, { holdOffers: EXPECTING });
  queue.add({ id: 'first', ...spec });
  queue.handle(offer('o1'));
  queue.handle(offer('big', 'ag2', { cpus: 4 }));
  for (const id of ['x', 'y', 'z']) queue.add({ id, ...spec, resources: { cpus: 1, memMb: 32 } });
  await tick();
  t.same(client.last('launch')?.args[0], ['big']);
  t.same(launchedIds(client.last('launch')), ['x.1', 'y.1', 'z.1']);
});

t.test('held offers are declined in one call once no work came for idleMs, then offers are suppressed', async (t) => {
  const client = new FakeClient();
  const queue = new TaskQueue(client, { holdOffers: { idleMs: 30 }, refuseSeconds: 7 });
  queue.add({ id: 'a', ...spec });
  queue.handle(offers(['o1', 'o2', 'o3']));
  t.same(launchedIds(client.last('launch')), ['a.1']);
  const decline = await until('the held offers declined', () => client.last('decline'));
  t.same(decline.args, [['o2', 'o3'], 7], 'one call, with the filter');
  await until('suppressed', () => client.count('suppress') === 1);
  queue.handle(offer('o4'));
  t.same(client.last('decline')?.args[0], ['o4'], 'with no work expected an offer is declined at once');
  queue.add({ id: 'b', ...spec });
  await until('revived', () => client.count('revive') >= 1);
  t.equal(queue.get('b')?.phase, 'waiting', 'nothing was held to launch b on');
});

t.test('a rescinded held offer is not used; at most maxOffers are held; none within 2 s of its expiry', async (t) => {
  const client = new FakeClient();
  const queue = new TaskQueue(client, { holdOffers: { ...EXPECTING, maxOffers: 2 } });
  queue.add({ id: 'a', ...spec });
  queue.handle(offer('o0', 'ag0'));
  queue.handle(offer('soon', 'ag9', { expiresAtMs: Date.now() + 500 }));
  t.same(client.last('decline')?.args[0], ['soon'], 'an offer about to expire is declined');
  queue.handle(offer('o1', 'ag1'));
  queue.handle(offer('o2', 'ag2'));
  queue.handle(offer('o3', 'ag3'));
  t.same(client.last('decline')?.args[0], ['o3'], 'a third offer is one too many');
  queue.handle({ type: 'rescind', offerId: 'o1' });
  queue.add({ id: 'b', ...spec });
  await tick();
  t.same(client.last('launch')?.args[0], ['o2'], 'the rescinded o1 is skipped');
  queue.handle({ type: 'disconnected', code: 1006, reason: 'gone' });
  queue.add({ id: 'c', ...spec });
  await tick();
  t.equal(client.count('launch'), 2, 'offers of a closed session are forgotten');
});

t.test('holdOffers options are checked', async (t) => {
  const client = new FakeClient();
  t.throws(() => new TaskQueue(client, { holdOffers: { maxOffers: 0, idleMs: -1 } }), new BerthError(ErrorCode.INVALID_CALL, 'invalid TaskQueue options: holdOffers.maxOffers must be a whole number >= 1; holdOffers.idleMs must be a number of milliseconds > 0', { field: 'options' }));
  t.doesNotThrow(() => new TaskQueue(client, { holdOffers: true }));
});
