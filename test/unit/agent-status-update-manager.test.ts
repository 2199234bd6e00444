import t from 'tap';
import { TaskState } from '../../protocol/index.js';
import { decodeTaskStatus } from '../../protocol/domain/index.js';
import { StatusUpdateManager } from '../../agent/index.js';
import type { PendingStatus } from '../../agent/index.js';
import { FakeTimers } from '../helpers/fake-timers.js';

let n = 0;
const status = (taskId: string, state: TaskState = TaskState.TASK_RUNNING): PendingStatus => decodeTaskStatus({ taskId, state, uuid: `u${++n}` }).value;

function setup(initialMs = 500, maxMs = 10_000) {
  const timers = new FakeTimers();
  const sent: PendingStatus[] = [];
  const m = new StatusUpdateManager({ send: (s) => (sent.push(s), true), initialMs, maxMs, random: () => 1, timers });
  /** Adds a fresh status per task id, in order, and returns them. */
  const add = (...taskIds: string[]): PendingStatus[] =>
    taskIds.map((taskId) => {
      const s = status(taskId);
      m.add(s);
      return s;
    });
  return { timers, sent, m, add, uuids: () => sent.map((s) => s.uuid) };
}

t.test('the head is re-sent with backoff until it is acknowledged', async (t) => {
  const { timers, m, uuids, sent } = setup(500, 2_000);
  m.online();
  const a = status('t1');
  m.add(a);
  t.same(uuids(), [a.uuid], 'sent at once');
  await timers.advance(499);
  t.equal(sent.length, 1);
  await timers.advance(1);
  t.equal(sent.length, 2, 're-sent after 500 ms');
  await timers.advance(1_000);
  t.equal(sent.length, 3, 'then after 1000 ms');
  await timers.advance(2_000);
  t.equal(sent.length, 4, 'then after 2000 ms');
  await timers.advance(2_000);
  t.equal(sent.length, 5, 'capped at maxMs');
  t.ok(sent.every((s) => s.uuid === a.uuid));
  t.equal(m.acknowledge('t1', a.uuid), a);
  await timers.advance(60_000);
  t.equal(sent.length, 5, 'no more re-sends after the ack');
  t.equal(timers.pending, 0, 'no timer left');
  t.equal(m.size, 0);
});

t.test('one FIFO per task with only its head in flight', async (t) => {
  const { m, add, uuids } = setup();
  m.online();
  const [a1, a2, b1] = add('a', 'a', 'b');
  t.same(uuids(), [a1.uuid, b1.uuid], 'a2 waits behind a1; b is independent');
  t.same(m.pending().map((s) => s.uuid), [a1.uuid, a2.uuid, b1.uuid]);
  m.acknowledge('a', a1.uuid);
  t.same(uuids(), [a1.uuid, b1.uuid, a2.uuid], 'a2 goes out once a1 is acknowledged');
});

t.test('only the head can be acknowledged; unknown uuids are ignored', async (t) => {
  const { m, add, uuids } = setup();
  m.online();
  const [a1, a2] = add('a', 'a');
  t.equal(m.acknowledge('a', a2.uuid), undefined, 'not the head');
  t.equal(m.acknowledge('a', 'nope'), undefined, 'unknown uuid');
  t.equal(m.acknowledge('zzz', a1.uuid), undefined, 'unknown task');
  t.equal(m.size, 2);
  t.same(uuids(), [a1.uuid]);
  t.equal(m.acknowledge('a', a1.uuid)?.uuid, a1.uuid);
  t.equal(m.acknowledge('a', a1.uuid), undefined, 'a second ack of the same uuid is ignored');
  t.same(m.pending().map((s) => s.uuid), [a2.uuid]);
});

t.test('nothing is sent offline; going online re-sends every head at once', async (t) => {
  const { timers, m, add, uuids, sent } = setup();
  const [a1, , b1] = add('a', 'a', 'b');
  await timers.advance(60_000);
  t.equal(sent.length, 0, 'offline: queued only');
  m.online();
  t.same(uuids(), [a1.uuid, b1.uuid]);
  m.offline();
  await timers.advance(60_000);
  t.equal(sent.length, 2, 'no retries while offline');
  t.equal(timers.pending, 0);
  m.online();
  t.same(uuids(), [a1.uuid, b1.uuid, a1.uuid, b1.uuid], 'each head again, at once, after a reconnect');
  await timers.advance(500);
  t.equal(sent.length, 6, 'and the backoff restarted from the first delay');
});

t.test('whenEmpty resolves once every update is acknowledged; stop clears timers', async (t) => {
  const { timers, m } = setup();
  m.online();
  const a = status('a', TaskState.TASK_FINISHED);
  m.add(a);
  let empty = false;
  const done = m.whenEmpty().then(() => (empty = true));
  await Promise.resolve();
  t.equal(empty, false);
  m.acknowledge('a', a.uuid);
  await done;
  t.equal(empty, true);
  m.add(status('b'));
  m.stop();
  t.equal(timers.pending, 0);
  const aborted = new AbortController();
  const waiting = m.whenEmpty(aborted.signal);
  aborted.abort();
  t.equal(await waiting, undefined, 'an aborted wait resolves');
});
