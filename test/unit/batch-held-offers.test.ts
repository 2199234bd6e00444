// Offers the batch scheduler holds: one that arrives while nothing waits is kept, and work run
// later starts on it at once; it is declined once held OFFER_HOLD_MS, or at once while waiting
// tasks cannot use it; a rescinded one is never launched on.
import t, { type Test } from 'tap';
import { BatchCommands } from '../../frameworks/batch/commands.js';
import { HeldOffers, OFFER_HOLD_MS } from '../../frameworks/batch/held-offers.js';
import { BatchScheduler } from '../../frameworks/batch/scheduler.js';
import { MemoryBatchStore } from '../../frameworks/batch/store/index.js';
import { FakeDriver } from '../helpers/batch-driver.js';
import { FakeTimers, settle } from '../helpers/fake-timers.js';
import { testLogger } from '../helpers/log.js';
import { until } from '../helpers/poll.js';

const START = Date.parse('2026-12-01T00:00:30Z');

async function boot(t: Test) {
  const timers = new FakeTimers();
  timers.nowMs = START;
  const driver = new FakeDriver();
  const store = new MemoryBatchStore();
  const scheduler = new BatchScheduler({ store, connect: () => driver, clock: timers, timers, log: testLogger(), roles: ['*'] });
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  driver.push({ type: 'subscribed', frameworkId: 'fw-1' });
  await timers.advance(0);
  const commands = new BatchCommands(scheduler);
  const run = async (id: string, extra: object = {}) => {
    const submitted = await commands.submit(JSON.stringify({ id, command: 'true', resources: { cpus: 1, memMb: 64 }, ...extra }));
    if (!submitted.ok) throw new Error(submitted.message);
    const r = await commands.runNow(id, {});
    if (!r.ok) throw new Error(r.message);
    return r.runId;
  };
  return { timers, driver, store, scheduler, run };
}

const declined = (driver: FakeDriver) => driver.calls.flatMap((c) => (c.call === 'decline' ? c.offerIds : []));
const callsNamed = (driver: FakeDriver, name: string) => driver.calls.filter((c) => c.call === name).length;

void t.test('an offer that arrives while nothing waits is held, and jobs run later start on it at once', async (t) => {
  const { timers, driver, run } = await boot(t);
  await run('/first');
  driver.push({ type: 'offers', offers: [driver.offer('o1', 4, 4096, 'a1'), driver.offer('o2', 4, 4096, 'a2')] });
  await until('the first job launched', () => driver.launched().length === 1);
  await settle();
  t.same(declined(driver), [], 'the offer no task used is not declined');
  const revives = callsNamed(driver, 'revive');

  await run('/second');
  await until('the second job launched', () => driver.launched().length === 2);
  const second = driver.calls.filter((c) => c.call === 'launch').at(-1);
  t.same(second?.call === 'launch' ? second.offerIds : [], ['o2'], 'on the offer held');
  t.equal(callsNamed(driver, 'revive'), revives, 'without asking the master for offers again');

  // Held OFFER_HOLD_MS with nothing to run: declined, the agent's capacity back in the pool.
  await run('/third');
  await until('offers asked for again', () => callsNamed(driver, 'revive') > revives);
  driver.push({ type: 'offers', offers: [driver.offer('o3', 4, 4096, 'a3'), driver.offer('o4', 4, 4096, 'a4')] });
  await until('the third job launched', () => driver.launched().length === 3);
  await settle();
  t.same(declined(driver), [], 'o4 is held');
  await timers.advance(OFFER_HOLD_MS - 1);
  await settle();
  t.same(declined(driver), [], 'not before OFFER_HOLD_MS');
  await timers.advance(2);
  await until('o4 declined', () => declined(driver).includes('o4'));
  t.same(declined(driver), ['o4']);
});

void t.test('while tasks wait, an offer that fits none of them is declined at once', async (t) => {
  const { driver, run } = await boot(t);
  await run('/big', { resources: { cpus: 2, memMb: 64 } });
  driver.push({ type: 'offers', offers: [driver.offer('small', 1, 4096, 'a1')] });
  await until('the small offer declined', () => declined(driver).includes('small'));
  t.equal(driver.launched().length, 0);
  driver.push({ type: 'offers', offers: [driver.offer('large', 2, 4096, 'a2')] });
  await until('the job launched on the large offer', () => driver.launched().length === 1);
  t.equal(driver.launched()[0]?.agentId, 'a2');
});

void t.test('a held offer the master rescinds is not launched on', async (t) => {
  const { driver, run } = await boot(t);
  await run('/first');
  driver.push({ type: 'offers', offers: [driver.offer('o1', 1, 4096, 'a1'), driver.offer('o2', 1, 4096, 'a2')] });
  await until('the first job launched', () => driver.launched().length === 1);
  driver.push({ type: 'rescind', offerId: 'o2' });
  await settle();
  await run('/second');
  await until('offers asked for again', () => driver.calls.filter((c) => c.call === 'revive').length >= 2 || driver.launched().length > 1);
  t.equal(driver.launched().length, 1, 'the second job waits for a new offer');
  driver.push({ type: 'offers', offers: [driver.offer('o3', 1, 4096, 'a3')] });
  await until('the second job launched', () => driver.launched().length === 2);
  t.equal(driver.launched()[1]?.agentId, 'a3');
});

void t.test('HeldOffers declines in arrival order once each is OFFER_HOLD_MS old', async (t) => {
  const held = new HeldOffers();
  const offer = (id: string) => ({ id, agentId: id, role: '*', gangId: '', free: { cpus: 1, memMb: 1, diskMb: 0 } });
  held.add([offer('a'), offer('b')], 1_000);
  held.add([offer('c')], 1_500);
  t.equal(held.nextExpiryMs(), 1_000 + OFFER_HOLD_MS);
  const ids = (offers: { id: string }[]) => offers.map((o) => o.id);
  t.same(held.expired(1_000 + OFFER_HOLD_MS - 1), []);
  t.same(ids(held.take(['b', 'x'])), ['b'], 'only what was held is taken');
  t.same(ids(held.expired(1_000 + OFFER_HOLD_MS)), ['a']);
  t.equal(held.nextExpiryMs(), 1_500 + OFFER_HOLD_MS);
  t.same(held.all().map((o) => o.id), ['c']);
  t.same(ids(held.clear()), ['c']);
  t.equal(held.nextExpiryMs(), undefined);
  t.equal(held.size, 0);
});
