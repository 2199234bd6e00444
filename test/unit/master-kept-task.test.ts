// What the master keeps of a task after its launch: the spec cut to what it reads, repeated parts
// shared between tasks, and loaded records made to use their agent's and framework's own ids.
import t from 'tap';
import { KeptTasks } from '../../master/kept-task.js';
import { Registry, agentEntry, frameworkEntry } from '../../master/registry.js';
import type { TaskRecord } from '../../master/store/records.js';
import { ContainerType, StatusSource, TaskState } from '../../protocol/index.js';
import { decodeAgentInfo, decodeFrameworkInfo, decodeTaskInfo, decodeTaskStatus } from '../../protocol/domain/index.js';

const spec = (taskId: string, extra: Record<string, unknown> = {}) => decodeTaskInfo({
  taskId,
  name: 'web',
  resources: { cpus: 0.5, memMb: 64 },
  command: { value: 'httpd -f', shell: true, arguments: ['-p', '8080'], environment: { SECRET: 'x'.repeat(500) } },
  container: { type: ContainerType.DOCKER, image: 'busybox:latest', volumes: [{ hostPath: '/data', containerPath: '/data' }], user: 'nobody' },
  healthCheck: { type: 1, portIndex: 0, path: '/health' },
  labels: { team: 'a' },
  killGracePeriodMs: 3_000,
  ...extra,
}).value;

t.test('the kept spec holds what the master reads and drops what only the agent needs', async (t) => {
  const kept = new KeptTasks().spec(spec('t1'), { taskId: 't1', agentId: 'agent-1' });
  t.match(kept, { taskId: 't1', agentId: 'agent-1', name: 'web', resources: { cpus: 0.5, memMb: 64 }, command: { value: 'httpd -f', shell: true }, container: { type: ContainerType.DOCKER, image: 'busybox:latest' }, killGracePeriodMs: 3_000, labels: { team: 'a' }, preemptible: false });
  t.same(kept.command.environment, {}, 'no environment');
  t.same(kept.command.arguments, [], 'no arguments');
  t.same(kept.container.volumes, [], 'no volumes');
  t.equal(kept.container.user, '');
  t.equal(kept.healthCheck, null, 'no health check');
});

t.test('tasks with the same command, container and resources share one copy of each', async (t) => {
  const kept = new KeptTasks();
  const a = kept.spec(spec('a'), { taskId: 'a', agentId: 'x' });
  const b = kept.spec(spec('b'), { taskId: 'b', agentId: 'x' });
  t.equal(a.command, b.command, 'one command object');
  t.equal(a.container, b.container, 'one container object');
  t.equal(a.resources, b.resources, 'one resources object');
  t.ok(Object.isFrozen(a.command) && Object.isFrozen(a.resources), 'shared parts cannot be changed in place');
  const other = kept.spec(spec('c', { command: { value: 'sleep 1', shell: true } }), { taskId: 'c', agentId: 'x' });
  t.not(other.command, a.command, 'another command line, another object');
  t.equal(other.command.value, 'sleep 1');
  const withPorts = kept.spec(spec('d', { resources: { cpus: 0.5, memMb: 64, ports: [{ begin: 31000, end: 31000 }] } }), { taskId: 'd', agentId: 'x' });
  t.same(withPorts.resources.ports, [{ begin: 31000, end: 31000 }], 'resources with ports are the task\'s own');
});

t.test('a loaded task is cut too, and its status names its agent and framework', async (t) => {
  const reg = new Registry(10);
  reg.agents.set('a1', agentEntry({ id: 'a1', info: decodeAgentInfo({ hostname: 'h', resources: { cpus: 8, memMb: 8192 } }).value, registeredAtMs: 0, state: 'active' }));
  reg.frameworks.set('f1', frameworkEntry({ id: 'f1', info: decodeFrameworkInfo({ name: 'f', roles: ['*'] }).value, registeredAtMs: 0 }));
  const task: TaskRecord = { taskId: 't1', frameworkId: 'f1', agentId: 'a1', info: spec('t1'), status: decodeTaskStatus({ taskId: 't1', state: TaskState.TASK_RUNNING, source: StatusSource.AGENT }).value, appliedUuids: [], launchedAtMs: 0, role: '*' };
  reg.load({ agents: [], frameworks: [], tasks: [task], roles: [], completedTasks: [] });
  const loaded = reg.tasks.get('t1');
  t.same(loaded?.info.command.environment, {}, 'cut on load');
  t.match(loaded?.status, { taskId: 't1', agentId: 'a1', frameworkId: 'f1', state: TaskState.TASK_RUNNING });
  t.same(reg.agents.get('a1')?.usedByRole.get('*')?.cpus, 0.5, 'its resources still count against its agent');
});
