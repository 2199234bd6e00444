// Task endings: the one place the master ends tasks. Live tasks only, a state per task from the
// rule, KILLED for a task whose kill was asked, resources back to the pool, changes to persist.
import t from 'tap';
import { StatusSource, TaskReason, TaskState, resources } from '../../protocol/index.js';
import { Outbox } from '../../master/outbox.js';
import { Registry, agentEntry, frameworkEntry, usedOn } from '../../master/registry.js';
import type { TaskRecord } from '../../master/store/records.js';
import { TaskEndings } from '../../master/task-endings.js';
import { decodeAgentInfo, decodeFrameworkInfo, decodeTaskInfo, decodeTaskStatus } from '../../protocol/domain/index.js';

function setup(partitionAware = false) {
  const reg = new Registry(10);
  reg.agents.set('a1', agentEntry({ id: 'a1', info: decodeAgentInfo({ hostname: 'h', resources: { cpus: 8, memMb: 8192 } }).value, registeredAtMs: 0, state: 'active' }));
  reg.frameworks.set('f1', frameworkEntry({ id: 'f1', info: decodeFrameworkInfo({ name: 'f', partitionAware }).value, registeredAtMs: 0 }));
  let triggered = 0;
  const endings = new TaskEndings({ registry: reg, outbox: new Outbox({ registry: reg, epoch: () => 1 }), triggerAllocation: () => void triggered++ });
  const add = (taskId: string, state: TaskState, extra: Partial<TaskRecord> = {}): TaskRecord => {
    const task: TaskRecord = { taskId, frameworkId: 'f1', agentId: 'a1', info: decodeTaskInfo({ taskId, resources: { cpus: 1, memMb: 10 } }).value, status: decodeTaskStatus({ taskId, state, source: StatusSource.AGENT }).value, appliedUuids: [], launchedAtMs: 0, role: '*', ...extra };
    reg.index(task);
    return task;
  };
  return { reg, endings, add, triggered: () => triggered };
}

t.test('live tasks end as the rule says; ended ones and those the rule skips are left alone', async (t) => {
  const { reg, endings, add, triggered } = setup();
  add('run', TaskState.TASK_RUNNING);
  add('done', TaskState.TASK_FINISHED);
  add('skip', TaskState.TASK_RUNNING);
  const ending = endings.end(['run', 'done', 'skip', 'nope'], (x) => (x.taskId === 'skip' ? undefined : TaskState.TASK_LOST), TaskReason.AGENT_REMOVED, 'gone');
  t.same(ending.statuses.map((s) => [s.taskId, s.state, s.reason, s.source]), [['run', TaskState.TASK_LOST, TaskReason.AGENT_REMOVED, StatusSource.MASTER]]);
  t.ok(ending.statuses[0]?.uuid, 'a master-made update is delivered reliably');
  t.same(ending.changes.map((c) => (c.type === 'task.status' ? [c.type, c.taskId, c.status.state] : [c.type])), [['task.status', 'run', TaskState.TASK_LOST]], 'only the status is written');
  t.same(usedOn(reg.agents.get('a1')!), resources.normalize({ cpus: 1, memMb: 10 }), 'only the skipped task still holds resources');
  t.equal(triggered(), 1, 'the allocator runs for the freed resources');
});

t.test('a task whose kill was asked ends KILLED, not LOST', async (t) => {
  const { endings, add } = setup();
  add('asked', TaskState.TASK_RUNNING, { killAsked: { gracePeriodMs: 0, reason: TaskReason.KILLED_BY_FRAMEWORK } });
  add('plain', TaskState.TASK_RUNNING);
  const ending = endings.end(['asked', 'plain'], () => TaskState.TASK_LOST, TaskReason.AGENT_UNREACHABLE, 'away');
  t.same(ending.statuses.map((s) => [s.taskId, s.state]), [['asked', TaskState.TASK_KILLED], ['plain', TaskState.TASK_LOST]]);
  t.match(ending.statuses[0]?.message, /kill had been asked/);
});

t.test('partitioned: partition-aware frameworks hear UNREACHABLE or GONE, the others LOST', async (t) => {
  for (const aware of [true, false]) {
    const { endings, add } = setup(aware);
    const task = add('x', TaskState.TASK_RUNNING);
    t.equal(endings.partitioned(TaskState.TASK_UNREACHABLE)(task), aware ? TaskState.TASK_UNREACHABLE : TaskState.TASK_LOST);
    t.equal(endings.partitioned(TaskState.TASK_GONE)(task), aware ? TaskState.TASK_GONE : TaskState.TASK_LOST);
  }
});
