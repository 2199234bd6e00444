// The services SDK adapter: a planned launch becomes a TaskInput (image, command, env with the
// instance id and named ports, one port range per named port, the first health check, grace,
// labels), and task states and health become instance states.
import t from 'tap';
import { parseServiceDocument, type ServiceSpec } from '../../frameworks/services/index.js';
import { healthOf, instanceStateOf, portEnvName, toTaskInput } from '../../frameworks/services/sdk-adapter.js';
import { ContainerType, HealthCheckType, TaskHealth, TaskState, taskSpecOf } from '../../frameworks/sdk/index.js';

function spec(over: Record<string, unknown> = {}): ServiceSpec {
  const parsed = parseServiceDocument({
    id: '/team/web', instances: 2,
    container: { image: 'busybox:latest', command: 'httpd -f -p $PORT_HTTP', env: { MODE: 'prod' } },
    resources: { cpus: 0.5, memMb: 64, diskMb: 10, ports: [{ name: 'http' }, { name: 'admin-ui' }] },
    healthChecks: [{ protocol: 'HTTP', portName: 'admin-ui', path: '/health', intervalSeconds: 2 }, { protocol: 'TCP', portName: 'http' }],
    killGracePeriodSeconds: 3, labels: { team: 'web' },
    ...over,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.services[0]!;
}

void t.test('a launch becomes a task', async (t) => {
  const task = taskSpecOf(toTaskInput({ taskId: 'team_web.v2.ab', spec: spec(), version: 2, agentId: 'a1', ports: { http: 31005, 'admin-ui': 31002 } }));
  t.equal(task.container.type, ContainerType.DOCKER);
  t.equal(task.container.image, 'busybox:latest');
  t.same(task.command.value, 'httpd -f -p $PORT_HTTP');
  t.equal(task.command.shell, true);
  t.same(task.command.environment, {
    MODE: 'prod', BERTH_INSTANCE_ID: 'team_web.v2.ab', BERTH_SERVICE_ID: '/team/web', BERTH_SERVICE_VERSION: '2',
    PORT: '31005', PORT_HTTP: '31005', PORT_ADMIN_UI: '31002',
  });
  t.same(task.resources, { cpus: 0.5, memMb: 64, diskMb: 10, gpus: 0, ports: [{ begin: 31005, end: 31005 }, { begin: 31002, end: 31002 }] }, 'one range per port, in the spec\'s order ($PORT0 is the first)');
  t.equal(task.healthCheck?.type, HealthCheckType.HTTP, 'the first health check');
  t.equal(task.healthCheck?.portIndex, 1, 'its port by name');
  t.equal(task.healthCheck?.path, '/health');
  t.equal(task.healthCheck?.intervalMs, 2000);
  t.equal(task.killGracePeriodMs, 3000);
  t.same(task.labels, { team: 'web', service_id: '/team/web', service_version: '2' });
  t.equal(task.agentId, 'a1');
});

void t.test('args are the Docker CMD; no checks means no health check', async (t) => {
  const s = spec({ container: { image: 'busybox:latest', args: ['httpd', '-f', '-p', '8080'] }, healthChecks: [] });
  const task = taskSpecOf(toTaskInput({ taskId: 'x.v1.a', spec: s, version: 1, agentId: 'a1', ports: { http: 1, 'admin-ui': 2 } }));
  t.same({ value: task.command.value, shell: task.command.shell, arguments: task.command.arguments }, { value: '', shell: false, arguments: ['httpd', '-f', '-p', '8080'] }, 'args are the CMD, run by the image\'s entrypoint');
  t.equal(task.healthCheck, null);
  t.equal(task.container.user, '', "no user: the image's");
  const asUser = taskSpecOf(toTaskInput({ taskId: 'x.v1.b', spec: spec({ container: { image: 'busybox:latest', user: 'nobody' }, healthChecks: [] }), version: 1, agentId: 'a1', ports: { http: 1, 'admin-ui': 2 } }));
  t.equal(asUser.container.user, 'nobody', 'container.user reaches the task');
});

void t.test('a COMMAND check runs through the shell', async (t) => {
  const s = spec({ healthChecks: [{ protocol: 'COMMAND', command: 'test -f /ok' }] });
  const task = taskSpecOf(toTaskInput({ taskId: 'x.v1.a', spec: s, version: 1, agentId: 'a1', ports: { http: 1, 'admin-ui': 2 } }));
  t.equal(task.healthCheck?.type, HealthCheckType.COMMAND);
  t.same({ value: task.healthCheck?.command.value, shell: task.healthCheck?.command.shell }, { value: 'test -f /ok', shell: true });
});

void t.test('task states and health become instance states', async (t) => {
  t.equal(instanceStateOf(TaskState.TASK_STAGING), 'staging');
  t.equal(instanceStateOf(TaskState.TASK_RUNNING), 'running');
  t.equal(instanceStateOf(TaskState.TASK_UNREACHABLE), 'unreachable');
  t.equal(instanceStateOf(TaskState.TASK_FAILED), 'failed');
  t.equal(instanceStateOf(TaskState.TASK_GONE_BY_OPERATOR), 'gone');
  t.equal(instanceStateOf(TaskState.TASK_UNKNOWN), 'lost', 'a task the master does not know holds nothing');
  t.equal(healthOf(TaskHealth.HEALTHY), true);
  t.equal(healthOf(TaskHealth.UNHEALTHY), false);
  t.equal(healthOf(TaskHealth.UNKNOWN), undefined);
  t.equal(portEnvName('admin-ui.v2'), 'PORT_ADMIN_UI_V2');
});
