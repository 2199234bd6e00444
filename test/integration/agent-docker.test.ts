// The agent with the real Docker runtime: a task's whole life in a busybox container, an OOM,
// and the container removed once the master has the task's end.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { ContainerType, resources, stateName, TaskState, type TaskInfo } from '../../protocol/index.js';
import { Agent, DockerRuntime } from '../../agent/index.js';
import { BUSYBOX_IMAGE, cleanUpAgentContainers, dockerClient, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';
import { FakeMaster } from '../helpers/fake-master.js';

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('agent with the docker runtime', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const agentId = `agent-${randomUUID().slice(0, 8)}`;
  cleanUpAgentContainers(t, agentId);

  // A master that registers the agent and acknowledges everything.
  const master = await FakeMaster.start(t);
  master.agentId = agentId;
  const workDir = await mkdtemp(path.join(tmpdir(), 'berth-agent-docker-'));
  const agent = new Agent({
    masterUrl: master.url,
    runtime: new DockerRuntime(),
    log: pino({ level: 'silent' }),
    resources: resources.normalize({ cpus: 1, memMb: 512 }),
    workDir,
    statusRetry: { initialMs: 100, maxMs: 500 },
    // Finished containers are kept this long for their logs, then removed.
    finishedRetentionMs: 1_500,
  });
  t.teardown(async () => {
    await agent.stop({ killTasks: true, flushTimeoutMs: 100 });
    await rm(workDir, { recursive: true, force: true });
  });
  agent.start();
  await agent.whenRegistered();
  // Every update as it arrived (FakeMaster.states() would fold re-sends of one update).
  const states = (taskId: string): string[] => master.updates(taskId).map((u) => stateName(u.state));
  const run = (task: TaskInfo): void => master.send({ runTask: { frameworkId: 'fw-d', task } });
  const docker = (taskId: string, command: string, memMb = 32): TaskInfo => ({
    taskId,
    resources: { cpus: 0.2, memMb },
    command: { value: command, shell: true },
    container: { type: ContainerType.DOCKER, image: BUSYBOX_IMAGE },
  });

  t.test('a task runs to FINISHED; its container is kept for the retention after the ack, then removed', async (t) => {
    run(docker('ok', 'echo hi'));
    await until('finished', () => states('ok').includes('FINISHED'));
    t.same(states('ok'), ['STARTING', 'RUNNING', 'FINISHED']);
    const containerId = master.updates('ok').find((u) => u.state === TaskState.TASK_FINISHED)?.containerId ?? '';
    t.ok(containerId);
    await until('retired after the ack', () => agent.finishedTasks().some((f) => f.taskId === 'ok'));
    t.ok(await dockerClient().getContainer(containerId).inspect().then(() => true, () => false), 'kept for its logs');
    await until('container removed', async () => (await dockerClient().getContainer(containerId).inspect().then(() => false, () => true)));
    t.notOk(agent.finishedTasks().some((f) => f.taskId === 'ok'), 'forgotten with its container');
  });

  t.test('an out-of-memory kill is TASK_FAILED reason OOM', async (t) => {
    run(docker('oom', 'dd if=/dev/zero of=/dev/null bs=64M count=1', 16));
    const failed = await until('failed', () => master.updates('oom').find((u) => u.state === TaskState.TASK_FAILED));
    t.equal(failed.reason, 'OOM');
    t.equal(failed.exitCode, 137);
  });

  t.test('a kill ends a running container with TASK_KILLED', async (t) => {
    run(docker('long', 'sleep 600'));
    await until('running', () => states('long').includes('RUNNING'));
    master.send({ killTask: { taskId: 'long', gracePeriodMs: 2_000, reason: 'TEST' } });
    await until('killed', () => states('long').includes('KILLED'));
    t.same(states('long'), ['STARTING', 'RUNNING', 'KILLING', 'KILLED']);
  });
});
