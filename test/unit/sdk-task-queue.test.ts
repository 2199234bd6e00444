// The task queue against an in-memory client whose calls the test settles by hand: launches of
// unknown outcome wait for reconciliation, unsent ones are queued again, kills wait for the
// launch, and updates are released (acknowledged) only after the framework took their events.
import t from 'tap';
import { CallErrorCode, SchedulerCallError, TaskQueue, TaskState, type TaskQueueEvent } from '../../frameworks/sdk/index.js';
import { FakeClient, launchedIds, offer, offers, spec, tick, update } from '../helpers/fake-queue-client.js';


t.test('a launch whose answer was lost waits for reconciliation, which runs it again if it is unknown', async (t) => {
  const client = new FakeClient();
  const queue = new TaskQueue(client);
  const task = queue.add({ id: 'j', ...spec });
  queue.handle(offer('o1'));
  t.same(launchedIds(client.last('launch')), ['j.1']);
  client.last('launch')?.reject(new SchedulerCallError('accept', CallErrorCode.CONNECTION_CLOSED, 'closed'));
  await tick();
  t.equal(task.phase, 'launching', 'it may have launched: the queue does not guess');
  queue.handle({ type: 'subscribed', frameworkId: 'fw', masterId: 'm2', reconnected: true });
  t.same(client.last('reconcile')?.args[0], [{ taskId: 'j.1', agentId: 'ag' }]);
  const events = queue.handle(update('j.1', TaskState.TASK_LOST));
  t.same(events.map((e) => e.type), ['task', 'requeued']);
  queue.handle(offer('o2'));
  t.same(launchedIds(client.last('launch')), ['j.2']);
});

t.test('a launch that was never sent is queued again at once', async (t) => {
  const client = new FakeClient();
  const queue = new TaskQueue(client);
  const task = queue.add({ id: 'n', ...spec });
  queue.handle(offer('o1'));
  client.last('launch')?.reject(new SchedulerCallError('accept', CallErrorCode.NOT_CONNECTED, 'not connected'));
  await tick();
  t.equal(task.phase, 'waiting');
  const [requeued] = queue.handle({ type: 'agent-lost', agentId: 'x' }).filter((e) => e.type === 'requeued');
  t.match(requeued, { type: 'requeued', reason: /launch refused: not connected/ });
});

t.test('a kill during the launch waits for the master to take the launch', async (t) => {
  const client = new FakeClient();
  const queue = new TaskQueue(client);
  const task = queue.add({ id: 'k', ...spec });
  queue.handle(offer('o1'));
  queue.kill('k');
  t.equal(client.last('kill'), undefined, 'no kill for a task the master may not know yet');
  client.last('launch')?.resolve();
  await tick();
  t.same(client.last('kill')?.args.slice(0, 2), ['k.1', 'ag']);
  queue.handle(update('k.1', TaskState.TASK_LOST));
  t.equal(task.phase, 'done', 'a task being killed is not launched again');
  t.equal((await task.result).state, TaskState.TASK_LOST);
});

t.test('an attempt whose offer was rescinded but which runs after all is kept, not launched twice', async (t) => {
  const client = new FakeClient();
  const queue = new TaskQueue(client);
  const task = queue.add({ id: 'r', ...spec });
  queue.handle(offer('o1'));
  queue.handle({ type: 'rescind', offerId: 'o1' });
  t.equal(task.phase, 'waiting');
  const suppressions = (): number => client.calls.filter((c) => c.kind === 'suppress').length;
  const before = suppressions();
  queue.handle(update('r.1', TaskState.TASK_RUNNING));
  t.equal(task.phase, 'active');
  t.equal(suppressions(), before + 1, 'nothing waits any more: offers are suppressed');
  queue.handle(offer('o2'));
  t.equal(client.calls.filter((c) => c.kind === 'launch').length, 1, 'no second launch');
  t.equal(client.last('decline')?.args[0]?.toString(), 'o2');
  t.equal(client.last('kill'), undefined);
});

t.test('run() takes the next client event only after the framework took the events of the last', async (t) => {
  const client = new FakeClient();
  const queue = new TaskQueue(client);
  queue.add({ id: 'a', ...spec });
  client.push(offer('o1'));
  const u = update('a.1', TaskState.TASK_FINISHED);
  client.push(u);
  const seen: TaskQueueEvent[] = [];
  for await (const e of queue.run({ stopWhenDrained: true })) {
    seen.push(e);
    if (e.type === 'task') t.notOk(client.released.includes(u), 'the update is not acknowledged while the framework handles its event');
  }
  t.ok(client.released.includes(u), 'acknowledged once the framework moved on');
  t.same(seen.map((e) => e.type), ['task', 'done']);
  t.same(queue.counts, { total: 1, waiting: 0, launching: 0, active: 0, done: 1, finished: 1, failed: 0 });
});

t.test('work that arrives after a launch left a filtered remainder revives, as after a decline', async (t) => {
  const client = new FakeClient();
  const queue = new TaskQueue(client);
  const revives = (): number => client.calls.filter((c) => c.kind === 'revive').length;
  // Two tasks, an offer that fits one: one launches, the other still waits (offers stay wanted).
  queue.add({ id: 'a', ...spec });
  queue.add({ id: 'b', ...spec });
  queue.handle(offer('o1'));
  t.same(launchedIds(client.last('launch')), ['a.1']);
  t.match(client.last('launch')?.args[2], { refuseSeconds: 10 }, 'the remainder of o1 is refused for 10 s');
  const before = revives();
  queue.add({ id: 'c', ...spec });
  t.equal(revives(), before + 1, 'the new task revives, so the filter cannot hold it back');
});

t.test("an offers event's unused offers are declined in one call", async (t) => {
  const client = new FakeClient();
  const queue = new TaskQueue(client);
  const many = offers(['o1', 'o2', 'o3']);
  queue.add({ id: 'x', ...spec });
  queue.handle(many);
  t.same(launchedIds(client.last('launch')), ['x.1']);
  const declines = client.calls.filter((c) => c.kind === 'decline');
  t.equal(declines.length, 1);
  t.same(declines[0]?.args[0], ['o2', 'o3']);
});
