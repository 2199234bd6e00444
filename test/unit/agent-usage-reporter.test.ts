// Usage reports alone: the pressure rule, reports only while registered, and a slow sample makes
// ticks skip instead of piling up.
import t from 'tap';
import { pressureOf, UsageReporter, HollowRuntime, type ContainerRuntime, type UsageSample } from '../../agent/index.js';
import type { pb } from '../../protocol/index.js';
import { FakeTimers, settle } from '../helpers/fake-timers.js';

const MIB = 1024 * 1024;

t.test('pressure: tasks over the fraction of the advertised memory, or the host under its floor', async (t) => {
  const base = { taskMemBytes: 100 * MIB, advertisedMemBytes: 1000 * MIB, hostAvailableBytes: 4000 * MIB, memFraction: 0.9, hostFloorBytes: 256 * MIB };
  t.same(pressureOf(base), { underPressure: false, reason: '' });
  const tasks = pressureOf({ ...base, taskMemBytes: 950 * MIB });
  t.equal(tasks.underPressure, true);
  t.equal(tasks.reason, 'tasks use 950 MiB, 95% of the 1000 MiB advertised (threshold 90%)');
  const host = pressureOf({ ...base, hostAvailableBytes: 100 * MIB });
  t.equal(host.reason, 'the host has 100 MiB available, below the floor of 256 MiB');
  t.match(pressureOf({ ...base, taskMemBytes: 950 * MIB, hostAvailableBytes: 0 }).reason, /advertised.*; the host has 0 MiB/);
});

function setup(stats: (id: string) => Promise<UsageSample | undefined>) {
  const timers = new FakeTimers();
  const sent: pb.AgentCall.IUsage[] = [];
  let online = true;
  const runtime = Object.assign(new HollowRuntime(), { stats }) as ContainerRuntime;
  const reporter = new UsageReporter({
    runtime,
    tasks: () => [{ taskId: 'a', containerId: 'ca' }, { taskId: 'b', containerId: 'cb' }],
    send: (u) => (sent.push(u), true),
    online: () => online,
    intervalMs: 1_000,
    advertisedMemMb: 100,
    memFraction: 0.5,
    hostFloorBytes: 0,
    host: () => ({ totalBytes: 8_000 * MIB, availableBytes: 6_000 * MIB, cpuPercent: 12 }),
    timers,
    now: timers.now,
  });
  return { timers, sent, reporter, setOnline: (v: boolean) => (online = v) };
}

t.test('each interval: every task and the host, with pressure from the tasks\' memory', async (t) => {
  const s = setup(async (id) => (id === 'ca' ? { cpuPercent: 5, memBytes: 40 * MIB, atMs: 1 } : { cpuPercent: 1, memBytes: 20 * MIB, atMs: 1 }));
  s.reporter.start();
  await s.timers.advance(999);
  t.equal(s.sent.length, 0);
  await s.timers.advance(1);
  t.equal(s.sent.length, 1);
  const u = s.sent[0];
  t.same(u?.tasks?.map((x) => [x.taskId, x.usage?.memBytes]), [['a', 40 * MIB], ['b', 20 * MIB]]);
  t.same(u?.agent, { cpuPercent: 12, memBytes: 2_000 * MIB, atMs: 1_000 });
  t.equal(u?.underPressure, true, '60 MiB of 100 MiB is over half');
  await s.timers.advance(2_000);
  t.equal(s.sent.length, 3);
  s.reporter.stop();
  await s.timers.advance(5_000);
  t.equal(s.sent.length, 3, 'nothing after stop');
});

t.test('nothing is sampled or sent while not registered; a task without a sample is left out', async (t) => {
  let calls = 0;
  const s = setup(async (id) => {
    calls++;
    return id === 'ca' ? undefined : { cpuPercent: 0, memBytes: 1, atMs: 1 };
  });
  s.setOnline(false);
  s.reporter.start();
  await s.timers.advance(3_000);
  t.equal(calls, 0);
  t.equal(s.sent.length, 0);
  s.setOnline(true);
  await s.timers.advance(1_000);
  t.same(s.sent[0]?.tasks?.map((x) => x.taskId), ['b']);
  s.reporter.stop();
});

t.test('a slow sample makes the next ticks skip, never pile up', async (t) => {
  let release: () => void = () => undefined;
  let inFlight = 0;
  let most = 0;
  const s = setup(async () => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise<void>((resolve) => (release = resolve));
    inFlight--;
    return { cpuPercent: 0, memBytes: 1, atMs: 1 };
  });
  s.reporter.start();
  await s.timers.advance(5_000);
  t.equal(s.reporter.skipped, 4, 'four ticks skipped while the first sample hangs');
  t.equal(s.sent.length, 0);
  for (let i = 0; i < 2; i++) release();
  await settle();
  release();
  await settle();
  t.ok(most <= 2, 'one sample at a time (two stats calls: one per task)');
  s.reporter.stop();
});
