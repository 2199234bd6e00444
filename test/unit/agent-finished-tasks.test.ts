// Retention of finished tasks: each is removed after retentionMs, or sooner when more than
// maxTasks are kept (oldest first); one already past its retention goes at once.
import t from 'tap';
import { FinishedTasks, type FinishedTask } from '../../agent/index.js';
import { FakeTimers } from '../helpers/fake-timers.js';

function setup(retentionMs: number, maxTasks: number) {
  const timers = new FakeTimers();
  const removed: string[] = [];
  let changes = 0;
  const kept = new FinishedTasks({ retentionMs, maxTasks, timers, now: timers.now, remove: async (f) => void removed.push(f.taskId), changed: () => changes++ });
  const task = (taskId: string): FinishedTask => ({ taskId, frameworkId: 'fw', containerId: `c-${taskId}`, sandboxDir: `/tmp/${taskId}`, finishedAtMs: timers.nowMs });
  return { timers, removed, kept, task, changes: () => changes };
}

t.test('removed after the retention', async (t) => {
  const s = setup(1_000, 10);
  s.kept.add(s.task('a'));
  await s.timers.advance(500);
  s.kept.add(s.task('b'));
  t.same(s.kept.list().map((f) => f.taskId), ['a', 'b']);
  await s.timers.advance(500);
  t.same(s.removed, ['a']);
  t.equal(s.kept.get('a'), undefined);
  t.equal(s.kept.get('b')?.containerId, 'c-b');
  await s.timers.advance(500);
  t.same(s.removed, ['a', 'b']);
  t.ok(s.changes() >= 4, 'every change is reported for the checkpoint');
});

t.test('at most maxTasks, the oldest removed first', async (t) => {
  const s = setup(60_000, 2);
  for (const id of ['a', 'b', 'c', 'd']) s.kept.add(s.task(id));
  t.same(s.removed, ['a', 'b']);
  t.same(s.kept.list().map((f) => f.taskId), ['c', 'd']);
  s.kept.stop();
  t.equal(s.timers.pending, 0, 'stop clears the timers');
});

t.test('a task restored past its retention goes at once', async (t) => {
  const s = setup(1_000, 10);
  await s.timers.advance(5_000);
  s.kept.add({ ...s.task('old'), finishedAtMs: 0 });
  t.same(s.removed, ['old']);
  t.same(s.kept.list(), []);
});

t.test('removeAll removes every kept task at once', async (t) => {
  const s = setup(60_000, 10);
  s.kept.add(s.task('a'));
  s.kept.add(s.task('b'));
  await s.kept.removeAll();
  t.same(s.removed.sort(), ['a', 'b']);
  t.same(s.kept.list(), []);
  t.equal(s.timers.pending, 0);
});
