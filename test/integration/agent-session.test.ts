// The agent against a scripted master on a real WebSocket (port 0): registration, task life
// cycles, kills, acknowledgements, epochs, reconnects and leader redirects.
import t, { type Test } from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { CloseCode, ContainerType, resources, stateName, TaskState, type TaskInfo } from '../../protocol/index.js';
import { Agent, DockerRuntime, HollowRuntime, ProcessRuntime, type ContainerRuntime } from '../../agent/index.js';
import { FakeMaster } from '../helpers/fake-master.js';

async function until<T>(what: string, probe: () => T | undefined | false, deadlineMs = 15_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const log = pino({ level: 'silent' });

async function setup(t: Test, runtime: ContainerRuntime = new ProcessRuntime({ logPollMs: 50 })) {
  const master = await FakeMaster.start(t);
  const workDir = await mkdtemp(path.join(tmpdir(), 'berth-agent-'));
  const agent = new Agent({
    masterUrl: master.url,
    runtime,
    log,
    resources: resources.normalize({ cpus: 2, memMb: 1024, ports: [{ begin: 31000, end: 31010 }] }),
    workDir,
    hostname: 'test-host',
    attributes: { rack: 'r1' },
    bootId: 'boot-1',
    statusRetry: { initialMs: 50, maxMs: 200 },
    reconnect: { initialMs: 20, maxMs: 100 },
    defaultKillGracePeriodMs: 2_000,
  });
  t.teardown(async () => {
    await agent.stop({ killTasks: true, flushTimeoutMs: 100 });
    await rm(workDir, { recursive: true, force: true });
  });
  return { master, agent, workDir };
}

const shellTask = (taskId: string, command: string, extra: Partial<TaskInfo> = {}): TaskInfo => ({
  taskId,
  name: taskId,
  resources: { cpus: 0.1, memMb: 32, ports: [{ begin: 31005, end: 31006 }, { begin: 31001, end: 31001 }] },
  command: { value: command, shell: true },
  ...extra,
});

t.test('registers with its info, runs a task to FINISHED and forgets it once acknowledged', async (t) => {
  const { master, agent } = await setup(t);
  agent.start();
  t.equal(await agent.whenRegistered(), 'agent-1');
  const [reg] = master.registrations();
  t.equal(reg?.agentId, '', 'no id the first time');
  t.equal(reg?.agent?.hostname, 'test-host');
  t.equal(reg?.agent?.runtime, 'process');
  t.equal(reg?.agent?.bootId, 'boot-1');
  t.equal(reg?.agent?.resources?.cpus, 2);
  t.same(reg?.agent?.attributes, { rack: 'r1' });

  master.send({ runTask: { frameworkId: 'fw-1', task: shellTask('t1', 'echo "$PORT0 $PORT1 $PORT2"; exit 0') } });
  await until('terminal update', () => master.states('t1').includes('FINISHED'));
  t.same(master.states('t1'), ['STARTING', 'RUNNING', 'FINISHED']);
  const finished = master.updates('t1').find((s) => s.state === TaskState.TASK_FINISHED);
  t.equal(finished?.exitCode, 0);
  t.equal(finished?.agentId, 'agent-1');
  t.equal(finished?.frameworkId, 'fw-1');
  t.ok(finished?.containerId, 'container id set');
  t.ok((finished?.timestampMs ?? 0) > 0);
  const uuids = new Set(master.updates('t1').map((s) => s.uuid));
  t.equal(uuids.size, 3, 'a fresh uuid per update');
  await until('task forgotten', () => agent.tasks().length === 0);
  t.equal(agent.pendingUpdates().length, 0);
});

t.test('ports are given in the order of the task\'s ranges', async (t) => {
  const { master, agent, workDir } = await setup(t);
  agent.start();
  await agent.whenRegistered();
  master.send({ runTask: { frameworkId: 'fw-1', task: shellTask('ports', 'echo "$PORT0 $PORT1 $PORT2 $PORTS" > ports.txt') } });
  await until('finished', () => master.states('ports').includes('FINISHED'));
  const { readFile } = await import('node:fs/promises');
  t.equal((await readFile(path.join(workDir, 'sandboxes', 'ports', 'ports.txt'), 'utf8')).trim(), '31005 31006 31001 31005,31006,31001');
});

t.test('a failing task is TASK_FAILED with its exit code', async (t) => {
  const { master, agent } = await setup(t);
  agent.start();
  await agent.whenRegistered();
  master.send({ runTask: { frameworkId: 'fw-1', task: shellTask('t7', 'exit 7') } });
  await until('failed', () => master.updates('t7').find((s) => s.state === TaskState.TASK_FAILED));
  const failed = master.updates('t7').find((s) => s.state === TaskState.TASK_FAILED);
  t.equal(failed?.reason, 'CONTAINER_EXITED');
  t.equal(failed?.exitCode, 7);
});

t.test('kill sends KILLING then KILLED with the reason; an unknown task is LOST', async (t) => {
  const { master, agent } = await setup(t);
  agent.start();
  await agent.whenRegistered();
  master.send({ runTask: { frameworkId: 'fw-1', task: shellTask('k1', 'sleep 60') } });
  await until('running', () => master.states('k1').includes('RUNNING'));
  master.send({ killTask: { frameworkId: 'fw-1', taskId: 'k1', gracePeriodMs: 1_000, reason: 'SCALED_DOWN' } });
  await until('killed', () => master.states('k1').includes('KILLED'));
  t.same(master.states('k1'), ['STARTING', 'RUNNING', 'KILLING', 'KILLED']);
  t.equal(master.updates('k1').find((s) => s.state === TaskState.TASK_KILLED)?.reason, 'SCALED_DOWN');

  master.send({ killTask: { frameworkId: 'fw-1', taskId: 'ghost' } });
  const lost = await until('lost', () => master.updates('ghost')[0]);
  t.equal(lost.state, TaskState.TASK_LOST);
  t.equal(lost.reason, 'TASK_UNKNOWN');
});

t.test('a second runTask for one task id is ignored', async (t) => {
  const { master, agent } = await setup(t, new HollowRuntime());
  agent.start();
  await agent.whenRegistered();
  const task = shellTask('dup', 'sleep 60');
  master.send({ runTask: { frameworkId: 'fw-1', task } });
  master.send({ runTask: { frameworkId: 'fw-1', task } });
  await until('running', () => master.states('dup').includes('RUNNING'));
  master.send({ runTask: { frameworkId: 'fw-1', task } });
  master.send({ killTask: { taskId: 'dup' } });
  await until('killed', () => master.states('dup').includes('KILLED'));
  t.same(master.states('dup'), ['RUNNING', 'KILLING', 'KILLED'], 'a hollow task goes from STAGING straight to RUNNING');
  t.equal(master.updates('dup').find((s) => s.state === TaskState.TASK_KILLED)?.reason, 'KILLED_BY_FRAMEWORK');
});

t.test('events from an older epoch are ignored', async (t) => {
  const { master, agent } = await setup(t, new HollowRuntime());
  master.epoch = 5;
  agent.start();
  await agent.whenRegistered();
  t.equal(agent.epoch, 5);
  master.send({ runTask: { frameworkId: 'fw-1', task: shellTask('old', 'true') } }, 4);
  master.send({ killTask: { taskId: 'old' } }, 5);
  const first = await until('an answer', () => master.updates('old')[0]);
  t.equal(first.state, TaskState.TASK_LOST, 'the stale runTask never ran');
  t.equal(agent.tasks().length, 0);
});

t.test('unacknowledged updates are re-sent, reported at re-registration and re-sent after it', async (t) => {
  // The process runtime reports STARTING, so RUNNING queues behind it.
  const { master, agent } = await setup(t);
  master.autoAck = false;
  agent.start();
  await agent.whenRegistered();
  master.send({ runTask: { frameworkId: 'fw-1', task: shellTask('r1', 'sleep 60') } });
  const starting = await until('starting', () => master.updates('r1')[0]);
  await until('a re-send', () => master.updates('r1').filter((s) => s.uuid === starting.uuid).length >= 2);
  t.equal(master.updates('r1').filter((s) => s.state === TaskState.TASK_RUNNING).length, 0, 'RUNNING waits behind the unacknowledged STARTING');

  const before = master.connections.length;
  master.current?.channel.close(CloseCode.GOING_AWAY, 'master restarting');
  await until('re-registration', () => master.registrations().length === 2);
  const reg = master.registrations()[1];
  t.equal(reg?.agentId, 'agent-1', 're-registers under its id');
  t.same(reg?.tasks?.map((r) => [r.task?.taskId, r.frameworkId, stateName(r.status?.state)]), [['r1', 'fw-1', 'RUNNING']]);
  t.ok(master.connections.length > before);
  const resent = await until('head re-sent on the new connection', () =>
    master.current?.calls.find((c) => c.update?.status?.uuid === starting.uuid));
  t.ok(resent);

  master.ack(starting);
  const running = await until('running', () =>
    master.current?.calls.flatMap((c) => (c.update?.status ? [c.update.status] : [])).find((s) => s.state === TaskState.TASK_RUNNING));
  master.ack(running);
  await until('nothing pending', () => agent.pendingUpdates().length === 0);
  t.equal(agent.pendingUpdates().length, 0, 'acknowledged in order: nothing left to re-send');
});

t.test('follows a NOT_LEADER redirect to the leader', async (t) => {
  const { master: standby, agent } = await setup(t, new HollowRuntime());
  const leader = await FakeMaster.start(t);
  leader.agentId = 'agent-from-leader';
  standby.refuse = { code: CloseCode.NOT_LEADER, reason: 'not the leader', leaderUrl: leader.url };
  agent.start();
  t.equal(await agent.whenRegistered(), 'agent-from-leader');
  t.equal(standby.connections.length, 0);
  t.equal(leader.registrations().length, 1);

  // A leader that loses leadership closes with NOT_LEADER too, naming the new leader in a Refusal.
  standby.refuse = undefined;
  standby.agentId = 'agent-from-leader';
  leader.current?.channel.close(CloseCode.NOT_LEADER, 'stepped down', `${standby.url}/api/v1/agent`);
  await until('registered with the new leader', () => standby.registrations().length === 1);
  t.equal(standby.registrations()[0]?.agentId, 'agent-from-leader');
});

t.test('a final close code stops the agent from reconnecting', async (t) => {
  const { master, agent } = await setup(t, new HollowRuntime());
  master.refuse = { code: CloseCode.UNSUPPORTED_VERSION, reason: 'protocol version 1 is not supported' };
  agent.start();
  await t.rejects(agent.whenRegistered(), /refused/);
  t.equal(agent.state, 'failed');
});

t.test('a policy refusal is TASK_ERROR; a launch failure is TASK_FAILED', async (t) => {
  const { master, agent } = await setup(t, new DockerRuntime({ socketPath: '/nonexistent/docker.sock' }));
  agent.start();
  await agent.whenRegistered();
  master.send({
    runTask: {
      frameworkId: 'fw-1',
      task: shellTask('priv', 'true', { container: { type: ContainerType.DOCKER, image: 'busybox:latest', privileged: true } }),
    },
  });
  const error = await until('error', () => master.updates('priv').find((s) => s.state === TaskState.TASK_ERROR));
  t.equal(error.reason, 'CONTAINER_POLICY');
  t.match(error.message, /container\.privileged/);
  t.same(master.states('priv'), ['STARTING', 'ERROR']);

  master.send({ runTask: { frameworkId: 'fw-1', task: shellTask('noimage', 'true') } });
  const failed = await until('failed', () => master.updates('noimage').find((s) => s.state === TaskState.TASK_FAILED));
  t.equal(failed.reason, 'CONTAINER_LAUNCH_FAILED');
  t.match(failed.message, /image/);
});

t.test('a command that cannot start is TASK_FAILED CONTAINER_LAUNCH_FAILED', async (t) => {
  const { master, agent } = await setup(t);
  agent.start();
  await agent.whenRegistered();
  master.send({ runTask: { frameworkId: 'fw-1', task: { taskId: 'nx', command: { value: '/nonexistent/program', shell: false } } } });
  const failed = await until('failed', () => master.updates('nx').find((s) => s.state === TaskState.TASK_FAILED));
  t.equal(failed.reason, 'CONTAINER_LAUNCH_FAILED');
  t.match(failed.message, /nonexistent/);
});

t.test('a DOCKER task on the process runtime runs its command on the host', async (t) => {
  const { master, agent } = await setup(t);
  agent.start();
  await agent.whenRegistered();
  const task = shellTask('dk', 'exit 0', { container: { type: ContainerType.DOCKER, image: 'busybox:latest' } });
  master.send({ runTask: { frameworkId: 'fw-1', task } });
  await until('finished', () => master.states('dk').includes('FINISHED'));
  t.same(master.states('dk'), ['STARTING', 'RUNNING', 'FINISHED']);
});

t.test('shutdown kills every task, reports it and stops', async (t) => {
  const { master, agent } = await setup(t, new HollowRuntime());
  agent.start();
  await agent.whenRegistered();
  master.send({ runTask: { frameworkId: 'fw-1', task: shellTask('s1', 'sleep 60') } });
  await until('running', () => master.states('s1').includes('RUNNING'));
  master.send({ shutdown: { reason: 'operator' } });
  await until('stopped', () => agent.state === 'stopped');
  t.same(master.states('s1'), ['RUNNING', 'KILLING', 'KILLED']);
  t.equal(master.updates('s1').find((s) => s.state === TaskState.TASK_KILLED)?.reason, 'AGENT_SHUTDOWN');
});
