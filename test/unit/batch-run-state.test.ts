// A run's state machine: completions, retries with backoff, preemption that costs no attempt,
// gangs retried as a whole, deadlines, cancellation and the outcome record.
import t from 'tap';
import { RunTracker, canMoveRun, retryDelayMs, type RunJob } from '../../frameworks/batch/run-state.js';

const backoff = { initialMs: 1000, factor: 2, maxMs: 5000 };
function job(over: Partial<RunJob> = {}): RunJob {
  return { parallelism: 1, completions: 1, gang: false, retries: { limit: 0, backoff }, deadlineMs: undefined, taskDeadlineMs: undefined, ...over };
}

/** Launches everything due, naming tasks index.attempt.n so tests can follow them. */
function launchDue(run: RunTracker, nowMs: number): string[] {
  return run.due(nowMs).map(({ index, attempt }) => {
    const id = `t${index}.${attempt}.${nowMs}`;
    t.same(run.launched(index, id, nowMs), { kill: [] });
    return id;
  });
}

t.test('the transition table', async (t) => {
  t.ok(canMoveRun('pending', 'running'));
  t.ok(canMoveRun('running', 'deadline-exceeded'));
  t.notOk(canMoveRun('pending', 'succeeded'));
  t.notOk(canMoveRun('succeeded', 'running'));
  t.notOk(canMoveRun('failed', 'cancelled'));
});

t.test('backoff grows by its factor up to its cap', async (t) => {
  t.same([1, 2, 3, 4, 5].map((n) => retryDelayMs(backoff, n)), [1000, 2000, 4000, 5000, 5000]);
});

t.test('parallel tasks: at most parallelism at once, done after completions succeed', async (t) => {
  const logged: object[] = [];
  const run = new RunTracker('r1', job({ parallelism: 2, completions: 3 }), { info: (f) => logged.push(f) });
  t.equal(run.state, 'pending');
  const first = launchDue(run, 0);
  t.same(first, ['t0.1.0', 't1.1.0']);
  t.equal(run.state, 'running');
  t.same(run.due(0), [], 'parallelism 2 is used');
  run.ended(first[0]!, { kind: 'succeeded' }, 10);
  t.same(run.due(10), [{ index: 2, attempt: 1 }]);
  const third = launchDue(run, 10);
  run.ended(first[1]!, { kind: 'succeeded' }, 20);
  t.equal(run.state, 'running');
  run.ended(third[0]!, { kind: 'succeeded' }, 30);
  t.equal(run.state, 'succeeded');
  const out = run.outcome();
  t.match(out, { state: 'succeeded', exitCode: 0, startedMs: 0, finishedMs: 30, durationMs: 30, succeeded: 3 });
  t.equal(out?.attempts.length, 3);
  t.same(logged, [
    { runId: 'r1', from: 'pending', to: 'running', reason: 'tasks launched' },
    { runId: 'r1', from: 'running', to: 'succeeded', reason: '3 of 3 tasks succeeded' },
  ]);
});

t.test('a failure is retried after backoff; the limit spent fails the run with its exit code', async (t) => {
  const run = new RunTracker('r', job({ retries: { limit: 2, backoff } }));
  let [id] = launchDue(run, 0);
  run.ended(id!, { kind: 'failed', exitCode: 3 }, 100);
  t.same(run.due(100), [], 'waiting out the backoff');
  t.equal(run.nextWakeMs(100), 1100);
  t.same(run.due(1100), [{ index: 0, attempt: 2 }]);
  [id] = launchDue(run, 1100);
  run.ended(id!, { kind: 'failed', exitCode: 3 }, 1200);
  t.equal(run.nextWakeMs(1200), 3200, 'the second delay is doubled');
  [id] = launchDue(run, 3200);
  run.ended(id!, { kind: 'failed', exitCode: 7, message: 'boom' }, 3300);
  t.equal(run.state, 'failed');
  const out = run.outcome();
  t.equal(out?.exitCode, 7);
  t.equal(out?.reason, 'task 0 failed with exit code 7 after 3 attempt(s); retries.limit is 2');
  t.same(out?.attempts.map((a) => [a.attempt, a.result, a.exitCode]), [[1, 'failed', 3], [2, 'failed', 3], [3, 'failed', 7]]);
  t.equal(run.nextWakeMs(3300), undefined);
  t.same(run.due(5000), []);
});

t.test('a failed run kills its other running tasks', async (t) => {
  const run = new RunTracker('r', job({ parallelism: 3, completions: 3 }));
  const ids = launchDue(run, 0);
  t.same(run.ended(ids[1]!, { kind: 'failed', exitCode: 1 }, 5), { kill: [ids[0], ids[2]] });
  run.ended(ids[0]!, { kind: 'killed' }, 6);
  t.same(run.outcome()?.attempts.map((a) => [a.result, a.endedMs]), [['killed', 6], ['failed', 5], ['killed', undefined]]);
});

t.test('a preemption consumes no attempt and is retried at once', async (t) => {
  const run = new RunTracker('r', job({ retries: { limit: 0, backoff } }));
  let [id] = launchDue(run, 0);
  run.ended(id!, { kind: 'preempted', message: 'higher priority work' }, 50);
  t.equal(run.state, 'running', 'limit 0, yet the run goes on');
  t.same(run.due(50), [{ index: 0, attempt: 1 }], 'the same attempt number, no backoff');
  [id] = launchDue(run, 50);
  run.ended(id!, { kind: 'succeeded' }, 90);
  t.same(run.outcome()?.attempts.map((a) => a.result), ['preempted', 'succeeded']);
});

t.test('a task killed by someone else is a failure', async (t) => {
  const run = new RunTracker('r', job());
  const [id] = launchDue(run, 0);
  run.ended(id!, { kind: 'killed', message: 'by operator' }, 10);
  t.equal(run.state, 'failed');
});

t.test('a gang launches whole, and a member failure retries the whole gang', async (t) => {
  const run = new RunTracker('g', job({ gang: true, parallelism: 3, completions: 3, retries: { limit: 1, backoff } }));
  let ids = launchDue(run, 0);
  t.equal(ids.length, 3);
  run.ended(ids[0]!, { kind: 'succeeded' }, 10);
  t.same(run.ended(ids[1]!, { kind: 'failed', exitCode: 1 }, 20), { kill: [ids[2]] });
  t.same(run.due(2000), [], 'not while a member still runs');
  run.ended(ids[2]!, { kind: 'killed' }, 30);
  t.same(run.due(500), [], 'backoff');
  t.same(run.due(1020).map((r) => [r.index, r.attempt]), [[0, 2], [1, 2], [2, 2]], 'every index again, the succeeded one too');
  ids = launchDue(run, 1020);
  for (const id of ids) run.ended(id, { kind: 'succeeded' }, 2000);
  t.equal(run.state, 'succeeded');
});

t.test('a preempted gang member restarts the gang without counting', async (t) => {
  const run = new RunTracker('g', job({ gang: true, parallelism: 2, completions: 2 }));
  const ids = launchDue(run, 0);
  t.same(run.ended(ids[0]!, { kind: 'preempted' }, 5), { kill: [ids[1]] });
  run.ended(ids[1]!, { kind: 'killed' }, 6);
  t.same(run.due(6).map((r) => r.attempt), [1, 1]);
});

t.test('a task past its deadline is killed and counted as a failed attempt', async (t) => {
  const run = new RunTracker('r', job({ taskDeadlineMs: 1000, retries: { limit: 1, backoff } }));
  const [id] = launchDue(run, 0);
  t.equal(run.nextWakeMs(0), 1000);
  t.same(run.tick(999), { kill: [] });
  t.same(run.tick(1000), { kill: [id] });
  t.same(run.due(1000), [], 'not while the killed task is still reported running');
  run.ended(id!, { kind: 'killed' }, 1010);
  t.same(run.due(2000), [{ index: 0, attempt: 2 }]);
  t.same(run.outcome(), undefined);
  const [id2] = launchDue(run, 2000);
  t.same(run.tick(3000), { kill: [id2] });
  t.equal(run.state, 'failed');
  t.match(run.outcome()?.reason, /ran past taskDeadlineSeconds after 2 attempt\(s\)/);
});

t.test('the run deadline counts from the first launch and kills everything', async (t) => {
  const run = new RunTracker('r', job({ parallelism: 2, completions: 2, deadlineMs: 5000 }));
  t.same(run.tick(99_999), { kill: [] }, 'a pending run has not started its clock');
  const ids = launchDue(run, 10_000);
  t.equal(run.nextWakeMs(10_000), 15_000);
  t.same(run.tick(15_000), { kill: ids });
  t.equal(run.state, 'deadline-exceeded');
  t.match(run.outcome(), { reason: 'the run did not finish within deadlineSeconds (5)', durationMs: 5000 });
  run.ended(ids[0]!, { kind: 'killed' }, 15_100);
  t.equal(run.state, 'deadline-exceeded');
});

t.test('cancel from pending or running; a launch racing the end is killed', async (t) => {
  const idle = new RunTracker('a', job());
  t.same(idle.cancel('replaced by the 11:00 run', 1), { kill: [] });
  t.match(idle.outcome(), { state: 'cancelled', reason: 'replaced by the 11:00 run', startedMs: undefined, durationMs: undefined });
  t.same(idle.launched(0, 'late', 2), { kill: ['late'] });
  const busy = new RunTracker('b', job());
  const [id] = launchDue(busy, 0);
  t.same(busy.cancel('by user', 3), { kill: [id] });
  t.same(busy.cancel('again', 4), { kill: [] });
  t.same(busy.runningTasks(), [id], 'reported running until its end arrives');
});

t.test('hasDue() agrees with due(), and a backoff still to end is a wake time, through random histories', async (t) => {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const ends = [{ kind: 'succeeded' }, { kind: 'failed', exitCode: 1 }, { kind: 'preempted' }] as const;
  let mismatches = 0;
  let checks = 0;
  for (let round = 0; round < 40; round++) {
    const gang = round % 4 === 0;
    const run = new RunTracker(`r${round}`, job({ parallelism: 1 + rand(4), completions: 1 + rand(5), gang, retries: { limit: 2, backoff } }));
    const running: string[] = [];
    let now = 0;
    for (let step = 0; step < 30 && run.state !== 'succeeded' && run.state !== 'failed'; step++) {
      now += rand(3) * 700;
      checks++;
      if (run.hasDue(now) !== run.due(now).length > 0) mismatches++;
      // A backoff still to end is a time to wake at.
      if (!run.hasDue(now) && run.hasDue(now + 60_000) && run.nextWakeMs(now) === undefined) mismatches++;
      if (rand(2) === 0) running.push(...launchDue(run, now));
      else if (running.length > 0) run.ended(running.splice(rand(running.length), 1)[0]!, ends[rand(3)]!, now);
    }
  }
  t.ok(checks > 500, `${checks} states checked`);
  t.equal(mismatches, 0, 'no state where they disagree');
});
