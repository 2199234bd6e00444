// The agent with the real Docker runtime: a task's whole life in a busybox container, an OOM,
// and the container removed once the master has the task's end.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import {
  ChannelServer,
  CloseCode,
  ContainerType,
  HelloKind,
  PROTOCOL_VERSION,
  resources,
  stateName,
  TaskState,
  type Channel,
  type TaskInfo,
  type TaskStatus,
} from '../../protocol/index.js';
import { Agent, DockerRuntime } from '../../agent/index.js';
import { BUSYBOX_IMAGE, cleanUpAgentContainers, dockerClient, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';

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
  const updates: TaskStatus[] = [];
  let channel: Channel | undefined;
  const server = createServer();
  const channels = new ChannelServer(server);
  channels.route('/api/v1/agent', {
    kind: HelloKind.AGENT,
    handshake: () => ({ welcome: { protocolVersion: PROTOCOL_VERSION, masterId: 'fake', epoch: 1 } }),
    opened: (c) => {
      channel = c;
      c.onMessage((e) => {
        if (e.agentCall?.register) c.send({ agentEvent: { epoch: 1, registered: { agentId } } });
        const s = e.agentCall?.update?.status;
        if (s) {
          updates.push(s);
          c.send({ agentEvent: { epoch: 1, acknowledge: { taskId: s.taskId ?? '', uuid: s.uuid ?? '' } } });
        }
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const workDir = await mkdtemp(path.join(tmpdir(), 'berth-agent-docker-'));
  const agent = new Agent({
    masterUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
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
    channels.closeAll(CloseCode.GOING_AWAY, 'test over');
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(workDir, { recursive: true, force: true });
  });
  agent.start();
  await agent.whenRegistered();
  const states = (taskId: string): string[] => updates.filter((u) => u.taskId === taskId).map((u) => stateName(u.state));
  const run = (task: TaskInfo): void => void channel?.send({ agentEvent: { epoch: 1, runTask: { frameworkId: 'fw-d', task } } });
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
    const containerId = updates.find((u) => u.taskId === 'ok' && u.state === TaskState.TASK_FINISHED)?.containerId ?? '';
    t.ok(containerId);
    await until('retired after the ack', () => agent.finishedTasks().some((f) => f.taskId === 'ok'));
    t.ok(await dockerClient().getContainer(containerId).inspect().then(() => true, () => false), 'kept for its logs');
    await until('container removed', async () => (await dockerClient().getContainer(containerId).inspect().then(() => false, () => true)));
    t.notOk(agent.finishedTasks().some((f) => f.taskId === 'ok'), 'forgotten with its container');
  });

  t.test('an out-of-memory kill is TASK_FAILED reason OOM', async (t) => {
    run(docker('oom', 'dd if=/dev/zero of=/dev/null bs=64M count=1', 16));
    const failed = await until('failed', () => updates.find((u) => u.taskId === 'oom' && u.state === TaskState.TASK_FAILED));
    t.equal(failed.reason, 'OOM');
    t.equal(failed.exitCode, 137);
  });

  t.test('a kill ends a running container with TASK_KILLED', async (t) => {
    run(docker('long', 'sleep 600'));
    await until('running', () => states('long').includes('RUNNING'));
    channel?.send({ agentEvent: { epoch: 1, killTask: { taskId: 'long', gracePeriodMs: 2_000, reason: 'TEST' } } });
    await until('killed', () => states('long').includes('KILLED'));
    t.same(states('long'), ['STARTING', 'RUNNING', 'KILLING', 'KILLED']);
  });
});
