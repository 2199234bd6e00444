// The registry's books: tasks charge their agent and framework while they hold resources and
// give them back when they end or become unreachable.
import t from 'tap';
import { StatusSource, TaskState, resources, type Res } from '../../protocol/index.js';
import { Registry, agentEntry, frameworkEntry, usedOn } from '../../master/registry.js';
import type { TaskRecord } from '../../master/store/records.js';
import { decodeAgentInfo, decodeFrameworkInfo, decodeTaskInfo, decodeTaskStatus } from '../../protocol/domain/index.js';

const r = (cpus: number, memMb: number): Res => resources.normalize({ cpus, memMb });

function registry(completedKept = 2): Registry {
  const reg = new Registry(completedKept);
  reg.agents.set('a1', agentEntry({ id: 'a1', info: decodeAgentInfo({ hostname: 'h', resources: { cpus: 8, memMb: 8192 }, reservations: [{ role: 'eng', resources: { cpus: 1 } }] }).value, registeredAtMs: 0, state: 'active' }));
  reg.frameworks.set('f1', frameworkEntry({ id: 'f1', info: decodeFrameworkInfo({ name: 'f', roles: ['*'] }).value, registeredAtMs: 0 }));
  return reg;
}

function task(taskId: string, state: TaskState = TaskState.TASK_RUNNING, res: Res = r(1, 100)): TaskRecord {
  return { taskId, frameworkId: 'f1', agentId: 'a1', info: decodeTaskInfo({ taskId, resources: res }).value, status: decodeTaskStatus({ taskId, state, source: StatusSource.AGENT }).value, appliedUuids: [], launchedAtMs: 0, role: '*' };
}

t.test('a live task charges its agent and framework; ending it gives the resources back', async (t) => {
  const reg = registry();
  const x = task('x');
  reg.index(x);
  const agent = reg.agents.get('a1');
  const fw = reg.frameworks.get('f1');
  t.same(agent && usedOn(agent), r(1, 100));
  t.same(fw?.allocated.get('*'), r(1, 100));
  t.ok(agent?.tasks.has('x') && fw?.tasks.has('x'), 'indexed under both');
  t.equal(reg.applyStatus(x, decodeTaskStatus({ taskId: 'x', state: TaskState.TASK_RUNNING, uuid: 'u1' }).value), false, 'no change in what it holds');
  t.equal(reg.applyStatus(x, decodeTaskStatus({ taskId: 'x', state: TaskState.TASK_FINISHED, uuid: 'u2' }).value), true, 'resources freed: the allocator should run');
  t.same(agent && usedOn(agent), r(0, 0));
  t.same(x.appliedUuids, ['u1', 'u2']);
});

t.test('an unreachable task holds nothing, and is charged again when it comes back', async (t) => {
  const reg = registry();
  const x = task('x');
  reg.index(x);
  reg.applyStatus(x, decodeTaskStatus({ taskId: 'x', state: TaskState.TASK_UNREACHABLE }).value);
  t.same(reg.frameworks.get('f1')?.allocated.get('*'), r(0, 0));
  reg.applyStatus(x, decodeTaskStatus({ taskId: 'x', state: TaskState.TASK_RUNNING }).value);
  t.same(reg.frameworks.get('f1')?.allocated.get('*'), r(1, 100));
});

t.test('only the last few applied uuids are kept', async (t) => {
  const reg = registry();
  const x = task('x');
  reg.index(x);
  for (let i = 0; i < 6; i++) reg.applyStatus(x, decodeTaskStatus({ taskId: 'x', state: TaskState.TASK_RUNNING, uuid: `u${i}` }).value);
  t.same(x.appliedUuids, ['u2', 'u3', 'u4', 'u5']);
});

t.test('a loaded terminal task with a uuid waits for its acknowledgement', async (t) => {
  const reg = registry();
  const x = task('x', TaskState.TASK_FAILED);
  x.status.uuid = 'u-end';
  reg.index(x);
  t.equal(reg.frameworks.get('f1')?.unacked.get('x')?.uuid, 'u-end');
  t.same(reg.agents.get('a1') && usedOn(reg.agents.get('a1')!), r(0, 0), 'a terminal task holds nothing');
});

t.test('retired tasks are kept for reconciliation, oldest dropped first; their ids stay taken', async (t) => {
  const reg = registry(2);
  for (const id of ['a', 'b', 'c']) {
    const x = task(id, TaskState.TASK_FINISHED);
    reg.index(x);
    reg.retire(x);
  }
  t.same([...reg.completed.keys()], ['b', 'c']);
  t.equal(reg.tasks.size, 0);
  t.notOk(reg.agents.get('a1')?.tasks.size);
  t.ok(reg.taskIdTaken('c'));
  t.notOk(reg.taskIdTaken('a'), 'forgotten once beyond the bound');
  reg.index(task('live'));
  t.ok(reg.taskIdTaken('live'));
});

t.test('an agent entry derives its total and reservations from its record', async (t) => {
  const reg = registry();
  const agent = reg.agents.get('a1');
  t.same(agent?.total, r(8, 8192));
  t.same(agent?.reserved.get('eng'), resources.normalize({ cpus: 1 }));
});
