// The domain module: wire messages decode once into values with every field present; bad values
// are reported with their field paths; wire -> domain -> wire -> domain is stable.
import t from 'tap';
import fc from 'fast-check';
import { BerthError, ContainerType, ErrorCode, HealthCheckType, pb, StatusSource, TaskState, type TaskInfo } from '../../protocol/index.js';
import {
  decodeAgentInfo,
  decodeError,
  decodeFrameworkInfo,
  decodeOffer,
  decodeResources,
  decodeTaskInfo,
  decodeTaskReport,
  decodeTaskStatus,
  taskPorts,
  toWireAgentInfo,
  toWireFrameworkInfo,
  toWireOffer,
  toWireTaskInfo,
  toWireTaskReport,
  toWireTaskStatus,
  type Problem,
  type TaskSpec,
} from '../../protocol/domain/index.js';

const fields = (problems: Problem[]): string[] => problems.map((p) => p.field);

/** A task as a framework would send it: a Docker container, an HTTP check on its second port. */
const DOCKER_TASK: TaskInfo = {
  taskId: 'web-1',
  name: 'web',
  resources: { cpus: 0.5, memMb: 128, ports: [{ begin: 31002, end: 31002 }, { begin: 31000, end: 31000 }] },
  command: { value: 'httpd -f -p $PORT1', shell: true, environment: { MODE: 'test' } },
  container: { type: ContainerType.DOCKER, image: 'busybox:latest', volumes: [{ hostPath: '/srv/data', containerPath: '/data', readOnly: true }] },
  killGracePeriodMs: 2000,
  healthCheck: { type: HealthCheckType.HTTP, portIndex: 1, intervalMs: 500, consecutiveFailures: 3 },
  labels: { app: 'web' },
  preemptible: true,
};

/** Through real protobuf bytes, as a message arrives off a socket. */
const viaBytes = (task: TaskInfo): pb.TaskInfo => pb.TaskInfo.decode(pb.TaskInfo.encode(pb.TaskInfo.fromObject(task)).finish());

t.test('a TaskInfo missing every field decodes to required defaults, and says what it lacks', async (t) => {
  const expected: TaskSpec = {
    taskId: '',
    name: '',
    agentId: '',
    resources: { cpus: 0, memMb: 0, diskMb: 0, gpus: 0, ports: [] },
    command: { value: '', shell: false, arguments: [], environment: {} },
    container: { type: ContainerType.MESOS, image: '', privileged: false, volumes: [], capAdd: [], user: '' },
    killGracePeriodMs: 0,
    healthCheck: null,
    labels: {},
    preemptible: false,
  };
  for (const [how, wire] of [['a plain object', {}], ['decoded bytes', pb.TaskInfo.decode(new Uint8Array())], ['undefined', undefined]] as const) {
    const d = decodeTaskInfo(wire, 'launch.tasks[0]');
    t.same(d.value, expected, `${how}: every field has its default`);
    t.same(fields(d.problems), ['launch.tasks[0].task_id', 'launch.tasks[0].resources.cpus', 'launch.tasks[0].resources.mem_mb', 'launch.tasks[0].command.value'], `${how}: the launch rules name what is missing`);
  }
});

t.test('a full TaskInfo decodes cleanly, with the defaults it left out filled in', async (t) => {
  const d = decodeTaskInfo(viaBytes(DOCKER_TASK));
  t.same(d.problems, []);
  t.equal(d.value.container.image, 'busybox:latest');
  t.same(d.value.command.arguments, []);
  t.same(d.value.healthCheck, {
    type: HealthCheckType.HTTP, portIndex: 1, path: '/', command: { value: '', shell: false, arguments: [], environment: {} },
    delayMs: 0, intervalMs: 500, timeoutMs: 0, gracePeriodMs: 0, consecutiveFailures: 3,
  });
  t.same(d.value.resources.ports, [{ begin: 31002, end: 31002 }, { begin: 31000, end: 31000 }], 'a task keeps its ranges in the order given: $PORT0 is the first');
  t.same(taskPorts(d.value), [31002, 31000]);
  const plain = decodeTaskInfo({ taskId: 't', resources: { cpus: 1, memMb: 1 }, command: { value: 'true' }, container: { type: ContainerType.UNKNOWN, image: 'ignored' } });
  t.same(plain.value.container, { type: ContainerType.MESOS, image: '', privileged: false, volumes: [], capAdd: [], user: '' }, 'no DOCKER type: the command runs on the host');
});

t.test('bad values are reported with their field paths and codes', async (t) => {
  const d = decodeTaskInfo(
    {
      taskId: 'no spaces allowed',
      agentId: '-bad',
      resources: { cpus: -1, memMb: Number.NaN, ports: [{ begin: 9, end: 1 }, { begin: 0, end: 70000 }] },
      command: { value: 'run', arguments: ['ok', 7 as unknown as string], environment: { A: 1 as unknown as string } },
      container: { type: ContainerType.DOCKER, volumes: [{ hostPath: '/x', containerPath: 'relative' }] },
      killGracePeriodMs: -5,
      healthCheck: { type: 42 as never, portIndex: 0 },
      labels: 'x' as unknown as Record<string, string>,
    },
    'accept.operations[0].tasks[1]',
  );
  const f = (s: string): string => `accept.operations[0].tasks[1].${s}`;
  t.same(fields(d.problems).sort(), [
    f('agent_id'), f('command.arguments[1]'), f('command.environment.A'), f('container.image'), f('container.volumes[0].container_path'),
    f('health_check.type'), f('kill_grace_period_ms'), f('labels'), f('resources.cpus'), f('resources.cpus'), f('resources.mem_mb'), f('resources.mem_mb'),
    f('resources.ports[0]'), f('resources.ports[1]'), f('task_id'),
  ].sort());
  const byField = new Map(d.problems.map((p) => [p.field, p]));
  t.match(byField.get(f('resources.ports[0]'))?.message, /must have begin <= end, got 9-1/);
  t.equal(byField.get(f('resources.ports[0]'))?.code, ErrorCode.INVALID_RESOURCES);
  t.match(byField.get(f('container.image'))?.message, /is required for a DOCKER container/);
  t.equal(byField.get(f('container.image'))?.code, ErrorCode.INVALID_TASK);
  t.match(byField.get(f('health_check.type'))?.message, /must be one of UNKNOWN, HTTP, TCP, COMMAND, got 42/);
  t.match(byField.get(f('kill_grace_period_ms'))?.message, /must be at least 0, got -5/);
  t.equal(d.value.killGracePeriodMs, 0, 'a bad value decodes to its default');

  const checks = decodeTaskInfo({ ...DOCKER_TASK, healthCheck: { type: HealthCheckType.TCP, portIndex: 2 } });
  t.match(checks.problems[0]?.message, /task\.health_check\.port_index must name one of the task's 2 ports, got 2/);
  const command = decodeTaskInfo({ ...DOCKER_TASK, healthCheck: { type: HealthCheckType.COMMAND } });
  t.same(fields(command.problems), ['task.health_check.command.value']);

  const err = decodeError(d.problems);
  t.ok(err instanceof BerthError);
  t.equal(err?.field, d.problems[0]?.field, 'one error, with the first problem\'s field');
  t.match(err?.message, /task_id .* must be 1-200 characters.*; /);
  t.equal(decodeError([]), undefined);
});

t.test('wire -> domain -> wire -> domain is stable for every message, also through bytes', async (t) => {
  const task = decodeTaskInfo(viaBytes(DOCKER_TASK)).value;
  t.same(decodeTaskInfo(toWireTaskInfo(task)).value, task);
  t.same(decodeTaskInfo(viaBytes(toWireTaskInfo(task))).value, task);

  const finished = { taskId: 'web-1', state: TaskState.TASK_FINISHED, reason: 'CONTAINER_EXITED', agentId: 'a1', frameworkId: 'f1', uuid: 'u1', timestampMs: 1.5e12, source: StatusSource.AGENT, health: 1, exitCode: 0, containerId: 'c1' };
  const bytes = pb.TaskStatus.decode(pb.TaskStatus.encode(finished).finish());
  const status = decodeTaskStatus(bytes);
  t.same(status.problems, []);
  t.equal(status.value.exitCode, 0, 'proto3 drops the zero on the wire; a terminal update without exit_code exited with 0');
  t.same(decodeTaskStatus(pb.TaskStatus.decode(pb.TaskStatus.encode(toWireTaskStatus(status.value)).finish())).value, status.value);
  const running = decodeTaskStatus({ taskId: 'web-1', state: TaskState.TASK_RUNNING }).value;
  t.equal(running.exitCode, -1, 'a task not yet ended has no exit code');
  t.same(decodeTaskStatus(toWireTaskStatus(running)).value, running);
  t.equal(decodeTaskStatus({ taskId: 'x', state: TaskState.TASK_LOST, exitCode: -1 }).value.exitCode, -1);

  const offerWire = { id: 'o1', frameworkId: 'f1', agentId: 'a1', hostname: 'h', resources: { cpus: 2, memMb: 512, ports: [{ begin: 31000, end: 31009 }] }, attributes: { rack: 'r1' }, reserved: { cpus: 1 } };
  const offer = decodeOffer(pb.Offer.decode(pb.Offer.encode(offerWire).finish()));
  t.same(offer.problems, []);
  t.equal(offer.value.role, '*');
  t.same(offer.value.reserved, { cpus: 1, memMb: 0, diskMb: 0, gpus: 0, ports: [] });
  t.same(decodeOffer(toWireOffer(offer.value)).value, offer.value);

  const agent = decodeAgentInfo({ hostname: 'h1', resources: { cpus: 4, memMb: 4096 }, reservations: [{ role: 'eng/ml', resources: { cpus: 1 } }], runtime: 'docker' });
  t.same(agent.problems, []);
  t.same(decodeAgentInfo(pb.AgentInfo.decode(pb.AgentInfo.encode(toWireAgentInfo(agent.value)).finish())).value, agent.value);
  t.equal(agent.value.address, 'h1', 'an agent that gives no address (an older one) is reached at its hostname');
  t.equal(decodeAgentInfo({ hostname: 'h1', address: '10.0.0.7', resources: { cpus: 1, memMb: 1 } }).value.address, '10.0.0.7');

  const framework = decodeFrameworkInfo({ name: 'hello' });
  t.same(framework.value.roles, ['*'], 'a framework without roles is in the default role');
  t.same(decodeFrameworkInfo(toWireFrameworkInfo(framework.value)).value, framework.value);

  const report = decodeTaskReport({ task: DOCKER_TASK, frameworkId: 'f1', status: finished });
  t.same(report.problems, []);
  t.same(decodeTaskReport(pb.TaskReport.decode(pb.TaskReport.encode(toWireTaskReport(report.value)).finish())).value, report.value);
});

t.test('the other messages report bad values under their field paths', async (t) => {
  t.same(fields(decodeTaskStatus({ state: 99 as TaskState, health: 3, exitCode: 1.5, timestampMs: -1 }, 'update.status').problems).sort(),
    ['update.status.exit_code', 'update.status.health', 'update.status.state', 'update.status.task_id', 'update.status.timestamp_ms']);
  t.same(fields(decodeOffer({ resources: { gpus: Infinity } }).problems), ['offer.resources.gpus', 'offer.id', 'offer.agent_id']);
  t.same(fields(decodeAgentInfo({ resources: { cpus: -2 }, reservations: [{ role: 'Upper' }] }, 'register.agent').problems),
    ['register.agent.resources.cpus', 'register.agent.reservations[0].role', 'register.agent.hostname']);
  t.same(fields(decodeFrameworkInfo({ roles: ['ok', 'Not OK'], failoverTimeoutMs: -1 }, 'subscribe.framework').problems),
    ['subscribe.framework.roles[1]', 'subscribe.framework.failover_timeout_ms', 'subscribe.framework.name']);
  t.same(fields(decodeTaskReport({ task: { taskId: 't' }, status: {} }, 'register.tasks[0]').problems),
    ['register.tasks[0].task.resources.cpus', 'register.tasks[0].task.resources.mem_mb', 'register.tasks[0].task.command.value', 'register.tasks[0].status.task_id']);
  t.same(fields(decodeResources({ ports: [{ begin: 1, end: 2 }, 'x' as never] }, 'r').problems), ['r.ports[1]']);
});

t.test('any valid task round-trips through the domain and the bytes unchanged', async (t) => {
  const port = fc.integer({ min: 1, max: 65535 });
  const wire = fc.record({
    taskId: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/),
    name: fc.string(),
    resources: fc.record({
      cpus: fc.integer({ min: 1, max: 64_000 }).map((n) => n / 1000),
      memMb: fc.integer({ min: 1, max: 1 << 20 }),
      diskMb: fc.nat(),
      ports: fc.array(fc.tuple(port, fc.nat({ max: 20 })).map(([b, n]) => ({ begin: b, end: Math.min(65535, b + n) })), { maxLength: 3 }),
    }),
    command: fc.record({ value: fc.string({ minLength: 1 }), shell: fc.boolean(), arguments: fc.array(fc.string(), { maxLength: 3 }), environment: fc.dictionary(fc.string({ minLength: 1 }), fc.string()) }),
    container: fc.oneof(
      fc.record({ type: fc.constant(ContainerType.DOCKER), image: fc.string({ minLength: 1 }), capAdd: fc.array(fc.string(), { maxLength: 2 }) }),
      fc.record({ type: fc.constantFrom(ContainerType.MESOS, ContainerType.UNKNOWN) }),
    ),
    killGracePeriodMs: fc.nat(),
    labels: fc.dictionary(fc.string({ minLength: 1 }), fc.string()),
    preemptible: fc.boolean(),
  });
  fc.assert(
    fc.property(wire, (w) => {
      const once = decodeTaskInfo(w as TaskInfo);
      if (once.problems.length > 0) throw new Error(`valid input reported: ${once.problems.map((p) => p.message).join('; ')}`);
      const again = decodeTaskInfo(viaBytes(toWireTaskInfo(once.value)));
      return again.problems.length === 0 && JSON.stringify(again.value) === JSON.stringify(once.value);
    }),
    { numRuns: 200 },
  );
  t.comment('200 generated tasks kept every field'); // fc.assert above throws on a counterexample
});
