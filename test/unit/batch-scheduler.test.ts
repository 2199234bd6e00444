// The batch scheduler on an in-memory driver, store and clock: launch intents are written before
// launches, ends before acknowledgements, a restarted scheduler reconciles and adopts instead of
// launching again, and cron runs start on the injected clock's time.
import t, { type Test } from 'tap';
import { BatchCommands } from '../../frameworks/batch/commands.js';
import { BatchScheduler } from '../../frameworks/batch/scheduler.js';
import { MemoryBatchStore, type BatchChange, type RunEvent } from '../../frameworks/batch/store/index.js';
import { FakeDriver } from '../helpers/batch-driver.js';
import { FakeTimers, settle } from '../helpers/fake-timers.js';
import { testLogger } from '../helpers/log.js';
import { until } from '../helpers/poll.js';

const START = Date.parse('2026-12-01T00:00:30Z');

async function boot(t: Test, store: MemoryBatchStore, timers: FakeTimers, driver = new FakeDriver()) {
  const scheduler = new BatchScheduler({ store, connect: () => driver, clock: timers, timers, log: testLogger(), roles: ['*'] });
  await scheduler.start();
  t.teardown(() => scheduler.stop());
  driver.push({ type: 'subscribed', frameworkId: 'fw-1' });
  await timers.advance(0);
  return { scheduler, driver, commands: new BatchCommands(scheduler) };
}

const job = (extra: object = {}) => JSON.stringify({ id: '/j', command: 'true', resources: { cpus: 1, memMb: 64 }, parallelism: 2, completions: 2, ...extra });

void t.test('a launch is written before it is sent, an end before it is acknowledged', async (t) => {
  const store = new MemoryBatchStore();
  const timers = new FakeTimers();
  timers.nowMs = START;
  const { driver, commands } = await boot(t, store, timers);
  t.equal(await store.frameworkId(), 'fw-1', 'the framework id is kept');
  await commands.submit(job());
  const run = await commands.runNow('/j', {});
  if (!run.ok) throw new Error(run.message);
  let seen: RunEvent[] | undefined;
  driver.onLaunch = () => void store.runEvents(run.runId).then((e) => (seen = e));
  driver.push({ type: 'offers', offers: [driver.offer('o1')] });
  await until('launched', () => driver.launched().length === 2);
  await settle();
  t.same(seen?.map((e) => e.type), ['launch', 'launch'], 'both intents were in the store when launch was called');
  t.same(driver.launched().map((l) => l.run.env.BERTH_TASK_INDEX), ['0', '1']);

  // A store that refuses the next write: the update is not acknowledged, so the master resends it.
  const apply = store.apply.bind(store);
  let failNext = true;
  store.apply = async (change: BatchChange) => {
    if (failNext) {
      failNext = false;
      throw new Error('store down');
    }
    return apply(change);
  };
  const [first] = driver.launched();
  driver.push({ type: 'update', status: driver.status(first!.taskId, { kind: 'succeeded' }) });
  await timers.advance(0);
  await settle();
  t.same(driver.acked, [], 'not acknowledged when the write failed');
  driver.push({ type: 'update', status: driver.status(first!.taskId, { kind: 'succeeded' }) });
  await until('acknowledged', () => driver.acked.length === 1);
  t.same((await store.runEvents(run.runId)).map((e) => e.type), ['launch', 'launch', 'end']);
});

void t.test('a restarted scheduler reconciles its tasks, keeps the running ones and relaunches the lost', async (t) => {
  const store = new MemoryBatchStore();
  const timers = new FakeTimers();
  timers.nowMs = START;
  const first = await boot(t, store, timers);
  await first.commands.submit(job());
  const run = await first.commands.runNow('/j', {});
  if (!run.ok) throw new Error(run.message);
  first.driver.push({ type: 'offers', offers: [first.driver.offer('o1')] });
  await until('launched', () => first.driver.launched().length === 2);
  const [a, b] = first.driver.launched().map((l) => l.taskId);
  await first.scheduler.stop();

  const second = await boot(t, store, timers);
  const reconcile = second.driver.calls.find((c) => c.call === 'reconcile');
  t.same(reconcile && 'tasks' in reconcile ? reconcile.tasks.map((x) => x.taskId).sort() : [], [a, b].sort(), 'asks about both tasks');
  second.driver.push({ type: 'update', status: second.driver.status(a!, undefined) });
  second.driver.push({ type: 'update', status: second.driver.status(b!, { kind: 'preempted', message: 'TASK_LOST' }) });
  second.driver.push({ type: 'offers', offers: [second.driver.offer('o2')] });
  await until('one relaunch', () => second.driver.launched().length === 1);
  const again = second.driver.launched()[0]!;
  t.equal(again.run.env.BERTH_TASK_INDEX, b!.split('.').at(-2), 'the lost index, and only it');
  t.not(again.taskId, b, 'under a new task id');
  second.driver.push({ type: 'update', status: second.driver.status(a!, { kind: 'succeeded' }) });
  second.driver.push({ type: 'update', status: second.driver.status(again.taskId, { kind: 'succeeded' }) });
  await until('succeeded', async () => (await store.getRun(run.runId))?.state === 'succeeded');
});

void t.test('cron runs start at their time on the injected clock; Forbid skips while one is active', async (t) => {
  const store = new MemoryBatchStore();
  const timers = new FakeTimers();
  timers.nowMs = START;
  const { commands, driver } = await boot(t, store, timers);
  await commands.submit(job({ schedule: { cron: '*/5 * * * *', concurrencyPolicy: 'Forbid' } }));
  t.same(await store.listRuns(), [], 'nothing before the first time');
  await timers.advance(Date.parse('2026-12-01T00:05:01Z') - timers.nowMs);
  await until('a scheduled run', async () => (await store.listRuns()).length === 1);
  const [run] = await store.listRuns();
  t.equal(run!.scheduledMs, Date.parse('2026-12-01T00:05:00Z'));
  t.ok(driver.calls.some((c) => c.call === 'revive'), 'offers are asked for');
  await timers.advance(5 * 60_000);
  await settle();
  t.equal((await store.listRuns()).length, 1, 'Forbid: no second run while the first is pending');
  t.equal((await store.listCursors())[0]!.lastScheduledMs, Date.parse('2026-12-01T00:10:00Z'), 'the skipped time counts as handled');
});

void t.test('cron Replace cancels the active run for the new one; history keeps failedHistoryLimit', async (t) => {
  const store = new MemoryBatchStore();
  const timers = new FakeTimers();
  timers.nowMs = START;
  const { commands } = await boot(t, store, timers);
  await commands.submit(job({ schedule: { cron: '*/5 * * * *', concurrencyPolicy: 'Replace', failedHistoryLimit: 1 } }));
  const at = (hhmm: string) => Date.parse(`2026-12-01T00:${hhmm}:01Z`) - timers.nowMs;
  await timers.advance(at('05'));
  await until('run 1', async () => (await store.listRuns()).length === 1);
  const [first] = await store.listRuns();
  await timers.advance(at('10'));
  await until('run 2', async () => (await store.listRuns()).length === 2);
  const replaced = await store.getRun(first!.runId);
  t.equal(replaced?.state, 'cancelled');
  t.match(replaced?.reason, /replaced by the run due at 2026-12-01T00:10:00.000Z/);
  await timers.advance(at('15'));
  await until('run 3, run 1 forgotten', async () => {
    const runs = await store.listRuns();
    return runs.length === 2 && !runs.some((r) => r.runId === first!.runId);
  });
  const states = (await store.listRuns()).sort((a, b) => a.seq - b.seq).map((r) => r.state);
  t.same(states, ['cancelled', 'pending'], 'the newest failure and the active run are kept');
});

void t.test('a waiting gang is not starved by small jobs submitted after it: their offers are declined until the gang has started', async (t) => {
  const store = new MemoryBatchStore();
  const timers = new FakeTimers();
  timers.nowMs = START;
  const { driver, commands } = await boot(t, store, timers);
  const start = async (spec: object) => {
    await commands.submit(JSON.stringify({ command: 'true', ...spec }));
    const run = await commands.runNow((spec as { id: string }).id, {});
    if (!run.ok) throw new Error(run.message);
    await timers.advance(0);
    return run.runId;
  };
  // /busy holds agent a2; the gang needs both agents' four cpus.
  await start({ id: '/busy', resources: { cpus: 4, memMb: 64 } });
  driver.push({ type: 'offers', offers: [driver.offer('o-a2', 4, 4096, 'a2')] });
  await until('busy launched', () => driver.launched().length === 1);
  const busy = driver.launched()[0]!;
  await start({ id: '/gang', resources: { cpus: 4, memMb: 64 }, parallelism: 2, gang: true });
  const gangId = await until('the gang is asked of the master', () => driver.calls.find((c) => c.call === 'requestGang')?.gangId);

  // A stream of small jobs, each with a free agent offered: none may take what the gang needs.
  for (let k = 1; k <= 3; k++) {
    await start({ id: `/small-${k}`, resources: { cpus: 1, memMb: 64 } });
    driver.push({ type: 'offers', offers: [driver.offer(`o-a1-${k}`, 4, 4096, 'a1')] });
    await until(`offer ${k} answered`, () => driver.calls.some((c) => c.call === 'decline' && c.offerIds.includes(`o-a1-${k}`)));
  }
  t.equal(driver.launched().length, 1, 'no small job started on the capacity the gang waits for');

  // /busy ends; the master offers the gang its bundle, and only then do the small jobs start.
  driver.push({ type: 'update', status: { ...driver.status(busy.taskId, { kind: 'succeeded' }), agentId: 'a2' } });
  driver.push({ type: 'offers', offers: [{ ...driver.offer('g-a1', 4, 4096, 'a1'), gangId }, { ...driver.offer('g-a2', 4, 4096, 'a2'), gangId }] });
  await until('the gang launched', () => driver.launched().length === 3);
  t.same(driver.launched().slice(1).map((l) => [l.name, l.agentId]), [['/gang #0', 'a1'], ['/gang #1', 'a2']]);
  driver.push({ type: 'offers', offers: [driver.offer('o-a3', 4, 4096, 'a3')] });
  await until('the small jobs launched', () => driver.launched().length === 6);
  t.same(driver.launched().slice(3).map((l) => l.name).sort(), ['/small-1 #0', '/small-2 #0', '/small-3 #0'], 'the small jobs run once the gang has started');
});
