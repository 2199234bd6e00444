// The batch framework's interest in offers: suppressed while nothing waits, revived at once when
// work arrives, and revives after declines coalesced, so a stream of submissions asks the master
// for one round of offers rather than one per job.
import t from 'tap';
import { OfferInterest, REVIVE_COALESCE_MS } from '../../frameworks/batch/offer-interest.js';
import { FakeTimers } from '../helpers/fake-timers.js';

function setup() {
  const timers = new FakeTimers();
  const calls: string[] = [];
  const driver = { revive: async () => void calls.push('revive'), suppress: async () => void calls.push('suppress') };
  return { timers, calls, driver, interest: new OfferInterest(timers) };
}

void t.test('work on an idle framework revives at once; no work suppresses', async (t) => {
  const { calls, driver, interest } = setup();
  interest.update(driver, true, true, () => true);
  t.same(calls, ['revive']);
  interest.update(driver, true, false, () => true);
  t.same(calls, ['revive'], 'nothing more while offers are wanted and none was declined');
  interest.update(driver, false, false, () => false);
  interest.update(driver, false, false, () => false);
  t.same(calls, ['revive', 'suppress'], 'suppressed once');
});

void t.test('after declines, new work within the window shares one revive', async (t) => {
  const { timers, calls, driver, interest } = setup();
  interest.update(driver, true, true, () => true);
  interest.declined();
  for (let i = 0; i < 5; i++) interest.update(driver, true, true, () => true);
  t.same(calls, ['revive'], 'not yet: the revive waits for the window');
  await timers.advance(REVIVE_COALESCE_MS);
  t.same(calls, ['revive', 'revive'], 'five submissions, one revive');
  interest.update(driver, true, true, () => true);
  await timers.advance(REVIVE_COALESCE_MS);
  t.same(calls, ['revive', 'revive'], 'nothing was declined since, so nothing to revive');
});

void t.test('a coalesced revive that is no longer wanted is dropped', async (t) => {
  const { timers, calls, driver, interest } = setup();
  interest.update(driver, true, true, () => true);
  interest.declined();
  let waiting = true;
  interest.update(driver, true, true, () => waiting);
  waiting = false;
  await timers.advance(REVIVE_COALESCE_MS);
  t.same(calls, ['revive'], 'the work was placed meanwhile');
  interest.declined();
  interest.update(driver, true, true, () => true);
  interest.update(driver, false, false, () => false);
  await timers.advance(REVIVE_COALESCE_MS);
  t.same(calls, ['revive', 'suppress'], 'suppressing cancels a pending revive');
});

void t.test('new work revives only when a waiting task would fit in what was declined', async (t) => {
  const { timers, calls, driver, interest } = setup();
  const task = { cpus: 1, memMb: 64, diskMb: 0 };
  const fitsDeclined = (d: { cpus: number; memMb: number; diskMb: number }) => task.cpus <= d.cpus && task.memMb <= d.memMb && task.diskMb <= d.diskMb;
  interest.update(driver, true, true, fitsDeclined);
  interest.declined([{ cpus: 0, memMb: 16_000, diskMb: 0 }, { cpus: 0.5, memMb: 32, diskMb: 0 }]);
  interest.update(driver, true, true, fitsDeclined);
  await timers.advance(REVIVE_COALESCE_MS);
  t.same(calls, ['revive'], 'memory without cpus, and half a cpu: no task fits, no revive');
  interest.declined([{ cpus: 2, memMb: 128, diskMb: 0 }]);
  interest.update(driver, true, true, fitsDeclined);
  await timers.advance(REVIVE_COALESCE_MS);
  t.same(calls, ['revive', 'revive'], 'two cpus declined: revived for the task that fits');
});
