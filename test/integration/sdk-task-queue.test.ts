// The task queue against the fake master: packing into offers, declines, suppress and revive,
// new attempts after LOST/ERROR/DROPPED, rescinds and refusals, reconciliation after a
// reconnection, kills, and an end on every path.
import t, { type Test } from 'tap';
import { SchedulerClient, TaskQueue, TaskState, type Offer, type TaskQueueEvent, type TaskQueueOptions } from '../../frameworks/sdk/index.js';
import { CloseCode, type SchedulerCall } from '../../protocol/index.js';
import { FakeMaster } from '../helpers/fake-master.js';
import { until } from '../helpers/poll.js';

const S = TaskState;
let offers = 0;
const offer = (cpus: number, attributes: Record<string, string> = {}, agentId = 'agent-1'): Offer => ({
  id: `offer-${++offers}`, agentId, hostname: 'h', resources: { cpus, memMb: 1024 }, attributes,
});

async function setup(t: Test, options: TaskQueueOptions = {}, run: { stopWhenDrained?: boolean } = { stopWhenDrained: true }) {
  const master = await FakeMaster.start(t);
  const client = new SchedulerClient({ masterUrl: master.url, framework: { name: 'q' }, reconnect: { initialMs: 20, maxMs: 50 } });
  t.teardown(() => client.close());
  const queue = new TaskQueue(client, options);
  const events: TaskQueueEvent[] = [];
  let ended = false;
  /** Starts run() (after the test has added its first tasks) and waits for the subscription. */
  const start = async (): Promise<void> => {
    void (async () => {
      for await (const e of queue.run(run)) events.push(e);
      ended = true;
    })();
    await until('subscribed', () => events.some((e) => e.type === 'subscribed'));
  };
  const calls = (pick: (c: SchedulerCall) => unknown) => master.schedulerCalls().filter((c) => pick(c));
  const launched = () => calls((c) => c.accept).flatMap((c) => c.accept?.operations?.flatMap((op) => op.tasks ?? []) ?? []).map((task) => task.taskId);
  const status = (taskId: string, state: TaskState, message = '') => master.toFramework({ update: { status: { taskId, state, agentId: 'agent-1', uuid: `${taskId}-${state}`, message } } });
  return { master, client, queue, events, calls, launched, status, start, ended: () => ended };
}

const shape = { cpus: 1, memMb: 64 };
const cmd = { value: 'true', shell: true };

t.test('packs waiting tasks into offers, suppresses when none waits, ends when all are done', async (t) => {
  const f = await setup(t);
  const tasks = ['a', 'b', 'c'].map((id) => f.queue.add({ id, resources: shape, command: cmd }));
  await f.start();
  f.master.toFramework({ offers: { offers: [offer(2)] } });
  await until('two launched', () => f.launched().length === 2);
  t.same(f.launched(), ['a.1', 'b.1']);
  t.equal(f.queue.counts.waiting, 1);
  f.master.toFramework({ offers: { offers: [offer(0.5)] } });
  await until('a decline', () => f.calls((c) => c.decline).length === 1);
  t.same(f.calls((c) => c.decline)[0]?.decline?.filters, { refuseSeconds: 10 }, 'an offer nothing fits is declined with a filter');
  f.master.toFramework({ offers: { offers: [offer(4)] } });
  await until('all launched', () => f.launched().length === 3);
  await until('suppressed', () => f.calls((c) => c.suppress).length > 0);
  t.same(f.queue.counts, { total: 3, waiting: 0, launching: 3, active: 0, done: 0, finished: 0, failed: 0 });
  for (const id of ['a.1', 'b.1']) f.status(id, S.TASK_FINISHED);
  f.status('c.1', S.TASK_RUNNING);
  f.status('c.1', S.TASK_FAILED, 'exit 3');
  await until('the run ends when every task is done', () => f.ended());
  const results = await Promise.all(tasks.map((task) => task.result));
  t.same(results.map((r) => [r.taskId, r.finished]), [['a.1', true], ['b.1', true], ['c.1', false]]);
  t.match(results[2]?.reason, /^FAILED: exit 3$/);
  t.equal(f.calls((c) => c.accept).length, 2, 'FAILED is not launched again');
  t.same(f.events.filter((e) => e.type === 'task').map((e) => e.type === 'task' && e.status.state), [S.TASK_FINISHED, S.TASK_FINISHED, S.TASK_RUNNING, S.TASK_FAILED]);
});

t.test('LOST, ERROR and DROPPED launch the task again under a new attempt id, reviving offers', async (t) => {
  const f = await setup(t);
  const task = f.queue.add({ id: 'x', resources: shape, command: cmd });
  await f.start();
  let attempt = 0;
  for (const state of [S.TASK_LOST, S.TASK_ERROR, S.TASK_DROPPED]) {
    f.master.toFramework({ offers: { offers: [offer(1)] } });
    const id = `x.${++attempt}`;
    await until(`${id} launched`, () => f.launched().includes(id));
    await until('suppressed', () => f.calls((c) => c.suppress).length === attempt);
    f.status(id, state);
    await until('revived', () => f.calls((c) => c.revive).length === attempt + 1);
    t.equal(task.phase, 'waiting');
  }
  f.master.toFramework({ offers: { offers: [offer(1)] } });
  await until('x.4 launched', () => f.launched().includes('x.4'));
  f.status('x.4', S.TASK_FINISHED);
  const result = await task.result;
  t.equal(result.attempts, 4);
  t.equal(result.taskId, 'x.4');
  t.equal(f.events.filter((e) => e.type === 'requeued').length, 3);
});

t.test('a rescinded offer or a refused launch puts its tasks back; attempts are bounded', async (t) => {
  const f = await setup(t, { maxAttempts: 3 });
  f.master.answer = (call) => (call.accept ? 'silent' : 'accept');
  const task = f.queue.add({ id: 'r', resources: shape, command: cmd });
  await f.start();
  const first = offer(1);
  f.master.toFramework({ offers: { offers: [first] } });
  await until('launched', () => f.launched().includes('r.1'));
  f.master.toFramework({ rescind: { offerId: first.id } });
  await until('requeued', () => task.phase === 'waiting');
  f.master.answer = (call) => (call.accept ? { code: 'OFFER_UNKNOWN', message: 'offer is gone' } : 'accept');
  f.master.toFramework({ offers: { offers: [offer(1)] } });
  await until('requeued again', () => f.events.filter((e) => e.type === 'requeued').length === 2);
  f.master.toFramework({ offers: { offers: [offer(1)] } });
  const result = await task.result;
  t.equal(result.attempts, 3);
  t.match(result.reason, /gave up after 3 attempts; the last: launch refused: .*offer is gone/);
  t.same(f.launched(), ['r.1', 'r.2', 'r.3']);
  await until('the run ends', () => f.ended());
});

t.test('constraints choose the offers a task may use', async (t) => {
  const f = await setup(t);
  f.queue.add({ id: 'ssd', resources: shape, command: cmd, constraints: [{ attribute: 'disk', op: 'EQ', value: 'ssd' }] });
  await f.start();
  f.master.toFramework({ offers: { offers: [offer(4, { disk: 'hdd' })] } });
  await until('declined', () => f.calls((c) => c.decline).length === 1);
  f.master.toFramework({ offers: { offers: [offer(4, { disk: 'ssd' })] } });
  await until('launched', () => f.launched().includes('ssd.1'));
});

t.test('after a reconnection the queue reconciles its live tasks explicitly', async (t) => {
  const f = await setup(t);
  const task = f.queue.add({ id: 'live', resources: shape, command: cmd });
  await f.start();
  f.master.toFramework({ offers: { offers: [offer(1)] } });
  await until('launched', () => f.launched().includes('live.1'));
  f.status('live.1', S.TASK_RUNNING);
  await until('active', () => task.phase === 'active');
  f.master.schedulers[0]?.channel.close(CloseCode.SHUTDOWN, 'failover');
  await until('re-subscribed', () => f.events.filter((e) => e.type === 'subscribed').length === 2);
  const explicit = await until('explicit reconciliation', () => f.calls((c) => (c.reconcile?.tasks?.length ?? 0) > 0)[0]);
  t.same(explicit.reconcile?.tasks, [{ taskId: 'live.1', agentId: 'agent-1' }]);
  t.ok(f.events.some((e) => e.type === 'disconnected'), 'the disconnection is passed on');
  // The new master never heard of it: it comes back LOST and runs again.
  f.status('live.1', S.TASK_LOST, 'task is unknown to this master');
  await until('requeued', () => task.phase === 'waiting');
});

t.test('an earlier attempt that turns up running is killed; kill() ends a task', async (t) => {
  const f = await setup(t);
  const a = f.queue.add({ id: 'a', resources: shape, command: cmd });
  const b = f.queue.add({ id: 'b', resources: { cpus: 64, memMb: 1 }, command: cmd });
  await f.start();
  f.master.toFramework({ offers: { offers: [offer(1)] } });
  await until('launched', () => f.launched().includes('a.1'));
  f.status('a.1', S.TASK_LOST);
  f.master.toFramework({ offers: { offers: [offer(1)] } });
  await until('a.2 launched', () => f.launched().includes('a.2'));
  f.status('a.1', S.TASK_RUNNING);
  await until('the stale attempt killed', () => f.calls((c) => c.kill?.taskId === 'a.1').length === 1);
  f.status('a.2', S.TASK_RUNNING);
  await until('a.2 active', () => a.phase === 'active');
  f.queue.kill('a');
  await until('a.2 killed', () => f.calls((c) => c.kill?.taskId === 'a.2').length === 1);
  f.status('a.2', S.TASK_KILLED);
  f.queue.kill('b');
  t.equal((await b.result).state, S.TASK_KILLED, 'a waiting task ends at once');
  t.equal((await a.result).state, S.TASK_KILLED);
  await until('the run ends', () => f.ended());
});

t.test('when the client stops, the run ends and unfinished tasks end as abandoned', async (t) => {
  const f = await setup(t, {}, {});
  const task = f.queue.add({ id: 'w', resources: shape, command: cmd });
  await f.start();
  await f.client.close();
  await until('the run ends', () => f.ended());
  const result = await task.result;
  t.equal(result.finished, false);
  t.match(result.reason, /client stopped/);
});

t.test('bad specs and options are refused naming the field', async (t) => {
  const client = new SchedulerClient({ masterUrl: 'ws://127.0.0.1:1', framework: { name: 'x' } });
  const queue = new TaskQueue(client);
  t.throws(() => queue.add({ id: 'bad id', resources: shape }), { code: 'INVALID_TASK', field: 'id' });
  t.throws(() => queue.add({ id: 'ok', resources: { cpus: 0, memMb: 1 } }), { code: 'INVALID_TASK', field: 'resources.cpus' });
  queue.add({ id: 'ok', resources: shape });
  t.throws(() => queue.add({ id: 'ok', resources: shape }), /already in the queue/);
  t.throws(() => new TaskQueue(client, { maxAttempts: 0 }), /maxAttempts must be a whole number >= 1/);
});
