// Every Mesos scheduler call, as JSON written after the examples in Mesos' scheduler HTTP API
// documentation, read into the berth call it becomes (or refused, naming the field).
import t from 'tap';
import { readCall, type FrameworkCall, type SubscribeCall } from '../../master/mesos/index.js';
import { ContainerType, HealthCheckType, OperationType } from '../../protocol/index.js';

const FW = { value: '12220-3440-12532-2345' };

function berth(body: Record<string, unknown>): FrameworkCall['berth'] {
  const read = readCall({ framework_id: FW, ...body });
  if (!read.call) throw new Error(read.problems.join('; '));
  return (read.call as FrameworkCall).berth;
}

function problems(body: unknown): string {
  return readCall(body).problems.join('; ');
}

t.test('SUBSCRIBE: FrameworkInfo, roles, capabilities, failover timeout, suppressed roles', async (t) => {
  const read = readCall({
    type: 'SUBSCRIBE',
    subscribe: {
      framework_info: { user: 'foo', name: 'Example HTTP Framework', roles: ['test1', 'test2'], capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }], failover_timeout: 2.5 },
      suppressed_roles: ['test2'],
    },
  });
  const call = read.call as SubscribeCall;
  t.same(call.subscribe.framework, { name: 'Example HTTP Framework', roles: ['test1', 'test2'], failoverTimeoutMs: 2500, user: 'foo', principal: '', partitionAware: true, webuiUrl: '' });
  t.notOk(call.subscribe.frameworkId, 'a new framework');
  t.same(call.suppressedRoles, ['test2']);

  const again = readCall({ type: 'SUBSCRIBE', framework_id: FW, subscribe: { framework_info: { user: 'foo', name: 'x', id: FW, role: 'eng' } } }).call as SubscribeCall;
  t.equal(again.subscribe.frameworkId, FW.value, 'framework_info.id subscribes again');
  t.same(again.subscribe.framework?.roles, ['eng'], 'the deprecated single role');
  const star = readCall({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'foo', name: 'x' } } }).call as SubscribeCall;
  t.same(star.subscribe.framework?.roles, ['*'], 'no role is the default role');
  t.match(problems({ type: 'SUBSCRIBE', framework_id: { value: 'a' }, subscribe: { framework_info: { name: 'x', id: { value: 'b' } } } }), /framework_info.id must equal framework_id/);
  t.match(problems({ type: 'SUBSCRIBE', subscribe: {} }), /subscribe.framework_info must be given/);
});

t.test('ACCEPT with LAUNCH: TaskInfo with CommandInfo, a DOCKER container, resources, kill policy, health check, labels', async (t) => {
  const call = berth({
    type: 'ACCEPT',
    accept: {
      offer_ids: [{ value: '12220-3440-12532-O12' }],
      operations: [{
        type: 'LAUNCH',
        launch: {
          task_infos: [{
            name: 'My Task',
            task_id: { value: '12220-3440-12532-my-task' },
            agent_id: { value: '12220-3440-12532-S1233' },
            command: { shell: true, value: 'sleep 1000', environment: { variables: [{ name: 'FOO', value: 'BAR' }] } },
            container: { type: 'DOCKER', docker: { image: 'busybox:latest', network: 'HOST' }, volumes: [{ container_path: '/data', host_path: '/srv/data', mode: 'RO' }] },
            resources: [
              { allocation_info: { role: 'engineering' }, name: 'cpus', role: '*', type: 'SCALAR', scalar: { value: 1.0 } },
              { allocation_info: { role: 'engineering' }, name: 'mem', role: '*', type: 'SCALAR', scalar: { value: 128.0 } },
              { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 31001 }] } },
            ],
            kill_policy: { grace_period: { nanoseconds: 3_000_000_000 } },
            health_check: { type: 'HTTP', http: { port: 31001, path: '/health' }, interval_seconds: 2 },
            labels: { labels: [{ key: 'team', value: 'core' }] },
          }],
        },
      }],
      filters: { refuse_seconds: 5.0 },
    },
  });
  t.same(call?.accept?.offerIds, ['12220-3440-12532-O12']);
  t.same(call?.accept?.filters, { refuseSeconds: 5 });
  const op = call?.accept?.operations?.[0];
  t.equal(op?.type, OperationType.LAUNCH);
  const task = op?.tasks?.[0];
  t.equal(task?.taskId, '12220-3440-12532-my-task');
  t.equal(task?.agentId, '12220-3440-12532-S1233');
  t.same(task?.resources, { cpus: 1, memMb: 128, diskMb: 0, gpus: 0, ports: [{ begin: 31000, end: 31001 }] });
  t.same(task?.command, { value: 'sleep 1000', shell: true, arguments: [], environment: { FOO: 'BAR' } });
  t.same(task?.container, { type: ContainerType.DOCKER, image: 'busybox:latest', privileged: false, volumes: [{ hostPath: '/srv/data', containerPath: '/data', readOnly: true }], user: '' });
  t.equal(task?.killGracePeriodMs, 3000);
  t.match(task?.healthCheck, { type: HealthCheckType.HTTP, portIndex: 1, path: '/health', intervalMs: 2000 });
  t.same(task?.labels, { team: 'core' });
});

t.test('container forms: none (a host command), MESOS with a Docker image, and what berth refuses', async (t) => {
  const launch = (task: Record<string, unknown>): Record<string, unknown> => ({
    type: 'ACCEPT',
    accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'LAUNCH', launch: { task_infos: [{ name: 'n', task_id: { value: 't1' }, resources: [], ...task }] } }] },
  });
  const tasks = (body: Record<string, unknown>) => berth(body)?.accept?.operations?.[0]?.tasks ?? [];
  t.equal(tasks(launch({ command: { value: 'true' } }))[0]?.container, undefined, 'no container: a command on the host');
  t.same(tasks(launch({ command: { shell: false, value: '/bin/echo', arguments: ['echo', 'hi'] } }))[0]?.command, { value: '/bin/echo', shell: false, arguments: ['echo', 'hi'], environment: {} });
  t.match(tasks(launch({ container: { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'busybox' } } } } }))[0]?.container, { type: ContainerType.DOCKER, image: 'busybox' }, 'the unified containerizer with a Docker image');
  const refusals: [Record<string, unknown>, RegExp][] = [
    [{ executor: { executor_id: { value: 'e' }, command: { value: 'x' } } }, /task_infos\[0\].executor must be absent: berth has no custom executors/],
    [{ command: { value: 'x', uris: [{ value: 'http://example.com/a.tgz' }] } }, /command.uris must be empty: berth has no fetcher/],
    [{ container: { type: 'DOCKER', docker: { image: 'x', network: 'BRIDGE' } } }, /docker.network must be HOST/],
    [{ container: { type: 'DOCKER', docker: { image: 'x', parameters: [{ key: 'privileged', value: 'true' }] } } }, /docker.parameters must be empty/],
    [{ container: { type: 'APPC' } }, /container.type must be DOCKER or MESOS/],
    [{ resources: [{ name: 'bananas', type: 'SCALAR', scalar: { value: 1 } }] }, /resources\[0\].name must be one of cpus, mem, disk, gpus or ports/],
    [{ resources: [{ name: 'ports', type: 'SCALAR', scalar: { value: 1 } }] }, /resources\[0\].type must be RANGES for ports/],
    [{ command: { value: 'x', environment: { variables: [{ name: 'S', type: 'SECRET' }] } } }, /variables\[0\].type must be VALUE/],
    [{ task_id: { value: '' } }, /task_infos\[0\].task_id.value must not be empty/],
  ];
  for (const [task, message] of refusals) t.match(problems({ framework_id: FW, ...launch(task) }), message);
  t.match(problems({ framework_id: FW, type: 'ACCEPT', accept: { offer_ids: [{ value: 'o' }], operations: [{ type: 'CREATE', create: {} }] } }), /operations\[0\].type must be LAUNCH, LAUNCH_GROUP, RESERVE or UNRESERVE/);
});

t.test('LAUNCH_GROUP, RESERVE and UNRESERVE operations; an ACCEPT without operations declines', async (t) => {
  const task = (id: string) => ({ name: id, task_id: { value: id }, command: { value: 'true' }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 } }] });
  const group = berth({ type: 'ACCEPT', accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'LAUNCH_GROUP', launch_group: { executor: { type: 'DEFAULT' }, task_group: { tasks: [task('g1'), task('g2')] } } }] } });
  t.equal(group?.accept?.operations?.[0]?.type, OperationType.LAUNCH_GROUP);
  t.same(group?.accept?.operations?.[0]?.tasks?.map((x) => x.taskId), ['g1', 'g2']);
  const reserved = { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'p' }] };
  const reserve = berth({ type: 'ACCEPT', accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'RESERVE', reserve: { resources: [reserved, { ...reserved, name: 'mem', scalar: { value: 64 } }] } }] } });
  t.same(reserve?.accept?.operations?.[0], { type: OperationType.RESERVE, reservations: [{ role: 'eng', resources: { cpus: 1, memMb: 64, diskMb: 0, gpus: 0, ports: [] } }] });
  const unreserve = berth({ type: 'ACCEPT', accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'UNRESERVE', unreserve: { resources: [reserved] } }] } });
  t.equal(unreserve?.accept?.operations?.[0]?.type, OperationType.UNRESERVE);
  t.match(problems({ framework_id: FW, type: 'ACCEPT', accept: { offer_ids: [{ value: 'o1' }], operations: [{ type: 'RESERVE', reserve: { resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }] } }] } }), /reservations must name exactly one role/);
  t.same(berth({ type: 'ACCEPT', accept: { offer_ids: [{ value: 'o1' }], operations: [], filters: { refuse_seconds: 10 } } }), { decline: { offerIds: ['o1'], filters: { refuseSeconds: 10 } } });
});

t.test('DECLINE, REVIVE, SUPPRESS, KILL, SHUTDOWN, ACKNOWLEDGE, RECONCILE, MESSAGE, REQUEST, TEARDOWN', async (t) => {
  t.same(berth({ type: 'DECLINE', decline: { offer_ids: [{ value: '12220-3440-12532-O12' }, { value: '12220-3440-12532-O13' }], filters: { refuse_seconds: 5.0 } } }), { decline: { offerIds: ['12220-3440-12532-O12', '12220-3440-12532-O13'], filters: { refuseSeconds: 5 } } });
  t.same(berth({ type: 'DECLINE', decline: { offer_ids: [{ value: 'o' }], filters: { refuse_seconds: 1e12 } } })?.decline?.filters, { refuseSeconds: 31_536_000 }, 'refuse_seconds is capped at a year, as Mesos does');
  t.same(berth({ type: 'REVIVE', revive: { role: 'eng' } }), { revive: { roles: ['eng'] } });
  t.same(berth({ type: 'REVIVE' }), { revive: { roles: [] } }, 'no roles: every role');
  t.same(berth({ type: 'SUPPRESS', suppress: { roles: ['a', 'b'] } }), { suppress: { roles: ['a', 'b'] } });
  t.same(berth({ type: 'KILL', kill: { task_id: { value: '12220-3440-12532-my-task' }, agent_id: { value: '12220-3440-12532-S1233' } } }), { kill: { taskId: '12220-3440-12532-my-task', agentId: '12220-3440-12532-S1233', gracePeriodMs: 0 } });
  t.same(berth({ type: 'SHUTDOWN', shutdown: { executor_id: { value: 'my-task' }, agent_id: { value: 'S1' } } }), { kill: { taskId: 'my-task', agentId: 'S1' } }, "a command task's executor has the task's id");
  const uuid = Buffer.from('3b1c7e52-0d3a-4f5e-9a1c-2b8f0c6d7e11').toString('base64');
  t.same(berth({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: { value: 'S1' }, task_id: { value: 'my-task' }, uuid } }), { acknowledge: { agentId: 'S1', taskId: 'my-task', uuid: '3b1c7e52-0d3a-4f5e-9a1c-2b8f0c6d7e11' } });
  t.same(berth({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: '312325' }, agent_id: { value: '123535' } }] } }), { reconcile: { tasks: [{ taskId: '312325', agentId: '123535' }] } });
  t.same(berth({ type: 'RECONCILE', reconcile: { tasks: [] } }), { reconcile: { tasks: [] } }, 'implicit reconciliation');
  t.equal(berth({ type: 'MESSAGE', message: { agent_id: { value: 'S1' }, executor_id: { value: 'e' }, data: 'adaf838jahd748jnaldf' } }), undefined, 'MESSAGE is taken without a berth call');
  t.match(problems({ framework_id: FW, type: 'MESSAGE', message: { data: 'aGk=' } }), /message.agent_id.value must not be empty; message.executor_id.value must not be empty/);
  t.equal(berth({ type: 'REQUEST', requests: [{ agent_id: { value: 'S1' }, resources: {} }] }), undefined, 'REQUEST is ignored, as by Mesos\' allocator');
  t.same(berth({ type: 'TEARDOWN' }), { teardown: {} });
});
