// Cron schedules on an injected clock: due runs, missed runs with and without a starting
// deadline, each concurrency policy, and time zones across DST changes.
import t from 'tap';
import type { Clock } from '../../frameworks/batch/clock.js';
import { planSchedule, pruneHistory, upcoming, type ActiveRun, type ScheduleInput } from '../../frameworks/batch/schedule.js';
import type { ScheduleSpec } from '../../frameworks/batch/spec/index.js';

const at = (iso: string): Clock => ({ now: () => Date.parse(iso) });
const ms = (iso: string) => Date.parse(iso);
const iso = (n: number | undefined) => (n === undefined ? undefined : new Date(n).toISOString());

function spec(over: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return {
    cron: '0 * * * *', timeZone: 'UTC', concurrencyPolicy: 'Allow', startingDeadlineMs: undefined,
    successfulHistoryLimit: 3, failedHistoryLimit: 1, ...over,
  };
}

function input(schedule: ScheduleSpec, lastScheduled: string | undefined, active: ActiveRun[] = [], since = '2026-01-01T00:00:00Z'): ScheduleInput {
  return { schedule, lastScheduledMs: lastScheduled === undefined ? undefined : ms(lastScheduled), sinceMs: ms(since), active };
}

/** Drives a schedule from `from` to `to` the way the scheduler loop would: wake, plan, persist. */
function simulate(schedule: ScheduleSpec, from: string, to: string): string[] {
  const starts: string[] = [];
  let last: number | undefined;
  let now = ms(from);
  while (now <= ms(to)) {
    const plan = planSchedule({ schedule, lastScheduledMs: last, sinceMs: ms(from), active: [] }, { now: () => now });
    if (plan.decision.action === 'start') starts.push(iso(plan.decision.scheduledMs)!);
    last = plan.lastScheduledMs;
    if (plan.nextWakeMs === undefined) break;
    now = plan.nextWakeMs;
  }
  return starts;
}

t.test('nothing is due between times; the next wake-up is the next time', async (t) => {
  const plan = planSchedule(input(spec(), '2026-05-01T10:00:00Z'), at('2026-05-01T10:20:00Z'));
  t.same(plan.decision, { action: 'none' });
  t.equal(iso(plan.nextWakeMs), '2026-05-01T11:00:00.000Z');
  t.equal(iso(plan.lastScheduledMs), '2026-05-01T10:00:00.000Z');
});

t.test('a time exactly now is due; a new schedule never fires for times before it', async (t) => {
  const plan = planSchedule(input(spec(), '2026-05-01T10:00:00Z'), at('2026-05-01T11:00:00Z'));
  t.same(plan.decision, { action: 'start', scheduledMs: ms('2026-05-01T11:00:00Z') });
  t.equal(plan.dueCount, 1);
  t.equal(iso(plan.nextWakeMs), '2026-05-01T12:00:00.000Z');
  const fresh = planSchedule(input(spec(), undefined, [], '2026-05-01T10:30:00Z'), at('2026-05-01T10:45:00Z'));
  t.same(fresh.decision, { action: 'none' });
});

t.test('missed runs without a starting deadline collapse into one run for the latest', async (t) => {
  const plan = planSchedule(input(spec(), '2026-05-01T10:00:00Z'), at('2026-05-01T15:30:00Z'));
  t.same(plan.decision, { action: 'start', scheduledMs: ms('2026-05-01T15:00:00Z') });
  t.equal(plan.dueCount, 5, '11:00 to 15:00');
  t.equal(iso(plan.lastScheduledMs), '2026-05-01T15:00:00.000Z');
  const again = planSchedule({ ...input(spec(), undefined), lastScheduledMs: plan.lastScheduledMs }, at('2026-05-01T15:30:00Z'));
  t.same(again.decision, { action: 'none' }, 'the same times never fire twice');
  const long = planSchedule(input(spec({ cron: '* * * * *' }), '2026-05-01T00:00:00Z'), at('2026-05-03T00:00:00Z'));
  t.equal(long.dueCount, 100);
  t.equal(long.dueCountCapped, true);
  t.equal(long.decision.action, 'start');
});

t.test('missed runs with a starting deadline: within it starts, past it is skipped', async (t) => {
  const s = spec({ startingDeadlineMs: 10 * 60_000 });
  const within = planSchedule(input(s, '2026-05-01T10:00:00Z'), at('2026-05-01T12:09:00Z'));
  t.same(within.decision, { action: 'start', scheduledMs: ms('2026-05-01T12:00:00Z') });
  t.equal(within.dueCount, 2);
  const past = planSchedule(input(s, '2026-05-01T10:00:00Z'), at('2026-05-01T12:11:00Z'));
  t.same(past.decision, {
    action: 'skip', scheduledMs: ms('2026-05-01T12:00:00Z'), reason: 'starting-deadline',
    message: 'the run due at 2026-05-01T12:00:00.000Z is 660s late, past startingDeadlineSeconds (600s)',
  });
  t.equal(iso(past.lastScheduledMs), '2026-05-01T12:00:00.000Z', 'a skipped time is handled');
  t.equal(iso(past.nextWakeMs), '2026-05-01T13:00:00.000Z');
});

t.test('concurrency policies with a run still active', async (t) => {
  const active = [{ runId: 'run-10h', scheduledMs: ms('2026-05-01T10:00:00Z') }];
  const now = at('2026-05-01T11:00:05Z');
  const allow = planSchedule(input(spec(), '2026-05-01T10:00:00Z', active), now);
  t.same(allow.decision, { action: 'start', scheduledMs: ms('2026-05-01T11:00:00Z') });
  const forbid = planSchedule(input(spec({ concurrencyPolicy: 'Forbid' }), '2026-05-01T10:00:00Z', active), now);
  t.same(forbid.decision, {
    action: 'skip', scheduledMs: ms('2026-05-01T11:00:00Z'), reason: 'forbid',
    message: 'concurrencyPolicy Forbid: run run-10h is still active, so the run due at 2026-05-01T11:00:00.000Z is skipped',
  });
  t.equal(iso(forbid.lastScheduledMs), '2026-05-01T11:00:00.000Z', 'the skipped time does not fire once run-10h ends');
  const replace = planSchedule(input(spec({ concurrencyPolicy: 'Replace' }), '2026-05-01T10:00:00Z', active), now);
  t.same(replace.decision, { action: 'replace', scheduledMs: ms('2026-05-01T11:00:00Z'), kill: ['run-10h'] });
  const idle = planSchedule(input(spec({ concurrencyPolicy: 'Forbid' }), '2026-05-01T10:00:00Z'), now);
  t.equal(idle.decision.action, 'start', 'Forbid starts when nothing is active');
});

t.test('Europe/Berlin spring forward: 02:30 does not exist and runs at 03:00 CEST', async (t) => {
  // 2026-03-29 02:00 CET becomes 03:00 CEST.
  const s = spec({ cron: '30 2 * * *', timeZone: 'Europe/Berlin' });
  t.same(simulate(s, '2026-03-27T12:00:00Z', '2026-03-30T12:00:00Z'), [
    '2026-03-28T01:30:00.000Z', // 02:30 CET
    '2026-03-29T01:00:00.000Z', // 03:00 CEST, the first time after the gap
    '2026-03-30T00:30:00.000Z', // 02:30 CEST
  ]);
  // A schedule every 30 minutes is no fixed time: the times inside the gap are skipped.
  t.same(upcoming(spec({ cron: '*/30 * * * *', timeZone: 'Europe/Berlin' }), ms('2026-03-29T00:40:00Z'), 3).map(iso), [
    '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-29T02:00:00.000Z',
  ]);
});

t.test('Europe/Berlin fall back: 02:30 happens twice and runs once', async (t) => {
  // 2026-10-25 03:00 CEST becomes 02:00 CET; 02:30 is both 00:30Z and 01:30Z.
  const s = spec({ cron: '30 2 * * *', timeZone: 'Europe/Berlin' });
  t.same(simulate(s, '2026-10-23T12:00:00Z', '2026-10-26T12:00:00Z'), [
    '2026-10-24T00:30:00.000Z',
    '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST) only
    '2026-10-26T01:30:00.000Z', // 02:30 CET
  ]);
  // Every 30 minutes runs on both passes through the repeated hour.
  t.same(simulate(spec({ cron: '*/30 * * * *', timeZone: 'Europe/Berlin' }), '2026-10-24T23:45:00Z', '2026-10-25T01:45:00Z'), [
    '2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T01:30:00.000Z',
  ]);
});

t.test('America/New_York: a run missed across spring forward still collapses into one', async (t) => {
  // 2026-03-08 02:00 EST becomes 03:00 EDT; the scheduler was down from Saturday to Monday.
  const s = spec({ cron: '30 2 * * *', timeZone: 'America/New_York' });
  const plan = planSchedule(input(s, '2026-03-07T07:30:00Z'), at('2026-03-09T12:00:00Z'));
  t.same(plan.decision, { action: 'start', scheduledMs: ms('2026-03-09T06:30:00Z') });
  t.equal(plan.dueCount, 2, 'Sunday (at 03:00 EDT) and Monday');
});

t.test('history limits keep the newest successes and failures', async (t) => {
  const runs = [1, 2, 3, 4, 5].map((n) => ({ runId: `ok${n}`, succeeded: true, finishedMs: n }))
    .concat([6, 7, 8].map((n) => ({ runId: `bad${n}`, succeeded: false, finishedMs: n })));
  t.same(pruneHistory({ successfulHistoryLimit: 3, failedHistoryLimit: 1 }, runs).sort(), ['bad6', 'bad7', 'ok1', 'ok2']);
  t.same(pruneHistory({ successfulHistoryLimit: 0, failedHistoryLimit: 5 }, runs).length, 5);
});
