// An agent's registration in parts: how the agent splits its tasks into frames, and how the master
// collects the parts and acts only on the whole list.
import t from 'tap';
import { registrationCalls } from '../../agent/registration-frames.js';
import { RegistrationParts, MAX_REGISTER_TASKS } from '../../master/registration-parts.js';
import { TaskState, type pb } from '../../protocol/index.js';

const report = (i: number, envBytes = 0): pb.TaskReport.$Properties => ({
  task: { taskId: `t${i}`, name: 'x', resources: { cpus: 0.01, memMb: 1 }, command: { value: 'true', shell: true, environment: envBytes > 0 ? { BIG: 'x'.repeat(envBytes) } : {} } },
  frameworkId: 'f1',
  status: { taskId: `t${i}`, state: TaskState.TASK_RUNNING, uuid: `u${i}` },
});
const reports = (n: number, envBytes = 0): pb.TaskReport.$Properties[] => Array.from({ length: n }, (_, i) => report(i, envBytes));
const agent = { hostname: 'h', resources: { cpus: 1, memMb: 1 } };

t.test('an older master (no parts asked for) gets every task in the Register', async (t) => {
  const calls = registrationCalls({ agent, agentId: 'a1', tasks: reports(5_000) }, 0);
  t.equal(calls.length, 1);
  t.equal(calls[0]?.register?.tasks?.length, 5_000);
  t.notOk(calls[0]?.register?.tasksTotal, 'no total announced');
});

t.test('tasks that fit one frame go in the Register, without a total', async (t) => {
  const calls = registrationCalls({ agent, agentId: 'a1', tasks: reports(10) }, 1_000);
  t.equal(calls.length, 1);
  t.equal(calls[0]?.register?.tasks?.length, 10);
  t.notOk(calls[0]?.register?.tasksTotal);
});

t.test('more tasks than a frame takes: a Register with the total, then RegisterTasks in order', async (t) => {
  const calls = registrationCalls({ agent, agentId: 'a1', tasks: reports(2_500) }, 1_000);
  t.same(calls.map((c) => (c.register ? `register ${c.register.tasks?.length}/${c.register.tasksTotal}` : `tasks ${c.registerTasks?.tasks?.length}`)), ['register 1000/2500', 'tasks 1000', 'tasks 500']);
  const ids = calls.flatMap((c) => (c.register?.tasks ?? c.registerTasks?.tasks ?? []).map((r) => r.task?.taskId));
  t.same(ids, reports(2_500).map((r) => r.task?.taskId), 'every task once, in order');
  t.equal(calls[0]?.register?.agentId, 'a1', 'the first frame is the registration itself');
});

t.test('large specs make smaller parts: no frame over the byte budget', async (t) => {
  const calls = registrationCalls({ agent, agentId: 'a1', tasks: reports(100, 10_000) }, 1_000, 64 * 1024);
  t.ok(calls.length >= 16, `split by bytes into ${calls.length} frames`);
  for (const c of calls) t.ok((c.register?.tasks ?? c.registerTasks?.tasks ?? []).length <= 6, 'at most 6 tasks of 10 KB in 64 KB');
});

t.test('the master acts on a registration in parts only once the last part is in', async (t) => {
  const parts = new RegistrationParts();
  const all = reports(5);
  t.match(parts.start({ agent, agentId: 'a1', tasks: all.slice(0, 2), tasksTotal: 5 }), { kind: 'waiting', received: 2, total: 5 });
  t.match(parts.add(all.slice(2, 4)), { kind: 'waiting', received: 4, total: 5 });
  const done = parts.add(all.slice(4));
  t.equal(done.kind, 'complete');
  if (done.kind === 'complete') {
    t.same(done.register.tasks?.map((r) => r.task?.taskId), ['t0', 't1', 't2', 't3', 't4']);
    t.equal(done.register.agentId, 'a1');
  }
  t.match(parts.add(all.slice(0, 1)), { kind: 'refused', field: 'register_tasks' }, 'nothing to add to once complete');
});

t.test('a Register with all its tasks (or without a total) is complete at once', async (t) => {
  const parts = new RegistrationParts();
  t.equal(parts.start({ agent, tasks: reports(3) }).kind, 'complete');
  t.equal(parts.start({ agent, tasks: reports(3), tasksTotal: 3 }).kind, 'complete');
});

t.test('bad parts are refused, naming the field and the rule', async (t) => {
  const parts = new RegistrationParts();
  t.match(parts.add(reports(1)), { kind: 'refused', field: 'register_tasks', message: /must follow a Register/ });
  t.match(parts.start({ agent, tasks: reports(3), tasksTotal: 2 }), { kind: 'refused', field: 'register.tasks_total', message: /from 3 .* got 2/ });
  t.match(parts.start({ agent, tasks: [], tasksTotal: MAX_REGISTER_TASKS + 1 }), { kind: 'refused', field: 'register.tasks_total' });
  t.equal(parts.start({ agent, tasks: reports(1), tasksTotal: 2 }).kind, 'waiting');
  t.match(parts.add(reports(2)), { kind: 'refused', field: 'register_tasks.tasks', message: /3 tasks, more than the 2/ });
  t.match(parts.add(reports(1)), { kind: 'refused', field: 'register_tasks' }, 'the refused registration is dropped');
});

t.test('a new Register replaces an unfinished one', async (t) => {
  const parts = new RegistrationParts();
  parts.start({ agent, agentId: 'old', tasks: reports(1), tasksTotal: 3 });
  t.equal(parts.start({ agent, agentId: 'new', tasks: reports(1), tasksTotal: 2 }).kind, 'waiting');
  const done = parts.add([report(9)]);
  t.equal(done.kind, 'complete');
  if (done.kind === 'complete') t.equal(done.register.agentId, 'new');
});
