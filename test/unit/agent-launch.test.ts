import t from 'tap';
import { ContainerType, type TaskInfo } from '../../protocol/index.js';
import { decodeTaskInfo, type TaskSpec } from '../../protocol/domain/index.js';
import { HollowRuntime, launchSpecOf, taskPorts } from '../../agent/index.js';
import { taskArgv, taskEnvironment } from '../../agent/runtime/task-env.js';

/** The spec the agent decodes from a RunTask's TaskInfo. */
const spec = (task: TaskInfo): TaskSpec => decodeTaskInfo(task).value;

t.test('ports are expanded range by range in the order given', async (t) => {
  t.same(taskPorts(spec({ resources: { ports: [{ begin: 31005, end: 31006 }, { begin: 31001, end: 31001 }] } })), [31005, 31006, 31001]);
  t.same(taskPorts(spec({})), []);
});

t.test('a launch spec is built field by field', async (t) => {
  const launch = launchSpecOf(
    spec({
      taskId: 't1',
      resources: { cpus: 0.5, memMb: 64, ports: [{ begin: 31000, end: 31000 }] },
      command: { value: 'echo hi', shell: true, environment: { A: '1', PORT0: 'spoofed' } },
      container: { type: ContainerType.DOCKER, image: 'busybox:latest', privileged: true, capAdd: ['NET_ADMIN'], volumes: [{ hostPath: '/srv', containerPath: '/data' }] },
      labels: { team: 'x' },
    }),
    { frameworkId: 'fw', agentId: 'ag', sandboxDir: '/tmp/s' },
  );
  t.equal(launch.image, 'busybox:latest');
  t.same(launch.ports, [31000]);
  t.equal(launch.resources.memMb, 64);
  t.same(launch.container, { privileged: true, capAdd: ['NET_ADMIN'], volumes: [{ hostPath: '/srv', containerPath: '/data', readOnly: false }], user: '' });
  const env = taskEnvironment(launch);
  t.equal(env.PORT0, '31000', "berth's variables win over the task's own");
  t.equal(env.PORTS, '31000');
  t.equal(env.A, '1');
  t.equal(env.BERTH_TASK_ID, 't1');
  t.same(taskArgv(launch), ['/bin/sh', '-c', 'echo hi']);
  t.same(taskArgv({ ...launch, command: { value: '/bin/echo', shell: false, arguments: ['a', 'b'] } }), ['/bin/echo', 'a', 'b']);
});

t.test('a task without a DOCKER container has no image', async (t) => {
  t.equal(launchSpecOf(spec({ taskId: 't', container: { type: ContainerType.MESOS, image: 'x' } }), { frameworkId: 'f', agentId: 'a', sandboxDir: '/s' }).image, undefined);
  t.same(launchSpecOf(spec({ taskId: 't' }), { frameworkId: 'f', agentId: 'a', sandboxDir: '/s' }).container, { privileged: false, volumes: [], capAdd: [], user: '' }, 'and asks for nothing');
});

t.test('the hollow runtime finishes after its duration or when killed', async (t) => {
  const spec = launchSpecOf(decodeTaskInfo({ taskId: 'h' }).value, { frameworkId: 'f', agentId: 'a', sandboxDir: '/nonexistent' });
  const forever = new HollowRuntime();
  const c = await forever.launch(spec);
  t.equal((await forever.launch(spec)).id, c.id, 'launch is idempotent');
  t.equal((await forever.list('a')).length, 1);
  await forever.kill(c.id, 1_000);
  t.equal((await forever.wait(c.id)).signal, 'SIGTERM');
  const timed = new HollowRuntime({ durationMs: 10 });
  const d = await timed.launch(spec);
  t.same(await timed.wait(d.id), { exitCode: 0, oomKilled: false });
  const running = new HollowRuntime();
  const e = await running.launch(spec);
  const aborted = new AbortController();
  const waiting = running.wait(e.id, aborted.signal);
  aborted.abort();
  await t.rejects(waiting, { name: 'AbortError' }, 'an aborted wait rejects');
  t.equal((await running.inspect(e.id))?.running, true, 'and the task keeps running');
  await running.remove(e.id);
});
