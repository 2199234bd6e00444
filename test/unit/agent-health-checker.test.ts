// The health check schedule alone, on a hand-moved clock: delay, interval, grace period,
// consecutive failures, only changes reported, never two probes at once.
import t from 'tap';
import { DEFAULT_SCHEDULE, Health, HealthChecker, scheduleOf, type CheckResult, type HealthChange, type HealthSchedule } from '../../agent/index.js';
import { FakeTimers, settle } from '../helpers/fake-timers.js';

function setup(schedule: Partial<HealthSchedule>, answers: (n: number) => boolean | 'hang') {
  const timers = new FakeTimers();
  const changes: (HealthChange & { atMs: number })[] = [];
  const probes: number[] = [];
  let inFlight = 0;
  let most = 0;
  const hung: ((r: CheckResult) => void)[] = [];
  const checker = new HealthChecker({
    schedule: { ...DEFAULT_SCHEDULE, ...schedule },
    timers,
    now: timers.now,
    onChange: (c) => changes.push({ ...c, atMs: timers.nowMs }),
    probe: () => {
      probes.push(timers.nowMs);
      const answer = answers(probes.length);
      inFlight++;
      most = Math.max(most, inFlight);
      if (answer === 'hang') {
        return new Promise<CheckResult>((resolve) => hung.push((r) => {
          inFlight--;
          resolve(r);
        }));
      }
      inFlight--;
      return Promise.resolve({ ok: answer, message: answer ? 'fine' : `probe ${probes.length} failed` });
    },
  });
  return { timers, checker, changes, probes, hung, most: () => most };
}

t.test('the first probe waits for the delay, then one per interval', async (t) => {
  const s = setup({ delayMs: 1_000, intervalMs: 200 }, () => true);
  s.checker.start();
  await s.timers.advance(999);
  t.same(s.probes, []);
  await s.timers.advance(1);
  t.same(s.probes, [1_000]);
  await s.timers.advance(400);
  t.same(s.probes, [1_000, 1_200, 1_400]);
  t.same(s.changes.map((c) => c.health), [Health.HEALTHY], 'healthy reported once');
  s.checker.stop();
  await s.timers.advance(1_000);
  t.equal(s.probes.length, 3, 'no probe after stop');
});

t.test('unhealthy after consecutiveFailures failures in a row; one success resets the count', async (t) => {
  // ok, fail, fail, ok, fail, fail, fail ...
  const s = setup({ intervalMs: 100, consecutiveFailures: 3 }, (n) => n === 1 || n === 4);
  s.checker.start();
  await s.timers.advance(0);
  await s.timers.advance(300);
  t.same(s.changes.map((c) => c.health), [Health.HEALTHY], 'two failures are not enough');
  await s.timers.advance(200);
  t.same(s.changes.map((c) => c.health), [Health.HEALTHY], 'the success reset the count');
  await s.timers.advance(100);
  t.same(s.changes.map((c) => c.health), [Health.HEALTHY, Health.UNHEALTHY]);
  t.equal(s.changes[1]?.failures, 3);
  t.equal(s.changes[1]?.message, 'probe 7 failed', 'the last failure says what failed');
  await s.timers.advance(1_000);
  t.equal(s.changes.length, 2, 'unhealthy reported once');
});

t.test('failures inside the grace period do not count until the task was once healthy', async (t) => {
  const s = setup({ intervalMs: 100, consecutiveFailures: 1, gracePeriodMs: 500 }, () => false);
  s.checker.start();
  await s.timers.advance(450);
  t.same(s.changes, [], 'failing inside the grace period');
  await s.timers.advance(100);
  t.same(s.changes.map((c) => [c.health, c.atMs]), [[Health.UNHEALTHY, 500]], 'the first failure after it counts');

  const early = setup({ intervalMs: 100, consecutiveFailures: 1, gracePeriodMs: 10_000 }, (n) => n === 1);
  early.checker.start();
  await early.timers.advance(100);
  t.same(early.changes.map((c) => c.health), [Health.HEALTHY, Health.UNHEALTHY], 'a success ends the grace period early');
});

t.test('a slow probe is never overlapped by the next', async (t) => {
  const s = setup({ intervalMs: 100 }, (n) => (n === 1 ? 'hang' : true));
  s.checker.start();
  await s.timers.advance(1_000);
  t.equal(s.probes.length, 1, 'still waiting for the first');
  s.hung[0]?.({ ok: true, message: 'late' });
  await settle();
  await s.timers.advance(100);
  t.equal(s.probes.length, 2, 'the next one comes an interval after it settled');
  t.equal(s.most(), 1);
});

t.test('a probe that throws counts as a failure', async (t) => {
  const timers = new FakeTimers();
  const changes: HealthChange[] = [];
  const checker = new HealthChecker({
    schedule: { ...DEFAULT_SCHEDULE, intervalMs: 10, consecutiveFailures: 1 },
    timers,
    now: timers.now,
    onChange: (c) => changes.push(c),
    probe: () => Promise.reject(new Error('boom')),
  });
  checker.start();
  await timers.advance(0);
  t.match(changes[0]?.message, /boom/);
});

t.test('a restarted agent starts from the health it last reported', async (t) => {
  const timers = new FakeTimers();
  const changes: HealthChange[] = [];
  const checker = new HealthChecker({ schedule: DEFAULT_SCHEDULE, timers, now: timers.now, initial: Health.HEALTHY, onChange: (c) => changes.push(c), probe: async () => ({ ok: true, message: 'ok' }) });
  checker.start();
  await timers.advance(0);
  t.same(changes, [], 'still healthy: nothing to report');
});

t.test('scheduleOf fills the defaults', async (t) => {
  t.same(scheduleOf({}), DEFAULT_SCHEDULE);
  t.same(scheduleOf({ delayMs: 5, intervalMs: 6, timeoutMs: 7, gracePeriodMs: 8, consecutiveFailures: 2 }), { delayMs: 5, intervalMs: 6, timeoutMs: 7, gracePeriodMs: 8, consecutiveFailures: 2 });
  t.equal(scheduleOf({ consecutiveFailures: 0 }).consecutiveFailures, 3);
});
