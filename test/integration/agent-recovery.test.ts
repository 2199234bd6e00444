// Tasks survive agent restarts: a REAL agent process (node dist/cli/main.js agent) is killed with
// SIGKILL and started again on the same work dir against an in-process master and an SDK
// framework. Its containers (or processes) are re-adopted, not restarted; its agent id stays; the
// status updates it had checkpointed but not delivered are delivered once. A host reboot (an
// injected new boot id) makes a new agent that names its previous id. Needs `npm run build`.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { pino } from 'pino';
import { Agent, CHECKPOINT_FILE, ProcessRuntime } from '../../agent/index.js';
import type { SchedulerEvent } from '../../frameworks/sdk/index.js';
import type { ResourceOffer, TaskInput } from '../../frameworks/sdk/index.js';
import { ContainerType, resources, stateName, TaskState, type TaskStatus } from '../../protocol/index.js';
import { startAgentProcess } from '../helpers/agent-process.js';
import { testFramework, type TestFramework } from '../helpers/cluster.js';
import { BUSYBOX_IMAGE, cleanUpAgentContainers, dockerClient, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';
import { FakeMaster } from '../helpers/fake-master.js';
import { getState, testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { FaultProxy } from '../helpers/fault-proxy.js';

const S = TaskState;
const RESOURCES = 'cpus:4;mem:4096;ports:32500-32599';
const TERMINAL = new Set<number>([S.TASK_FINISHED, S.TASK_FAILED, S.TASK_KILLED, S.TASK_ERROR, S.TASK_LOST, S.TASK_DROPPED]);

function task(id: string, cmd: string, docker: boolean): TaskInput {
  return {
    taskId: id,
    name: id,
    resources: { cpus: 0.1, memMb: 32 },
    command: { value: cmd, shell: true },
    ...(docker ? { container: { type: ContainerType.DOCKER, image: BUSYBOX_IMAGE } } : {}),
  };
}

const offerOf = (e: SchedulerEvent): ResourceOffer | undefined => (e.type === 'offers' ? e.offers[0] : undefined);
const stateOf = (taskId: string, state: TaskState) => (e: SchedulerEvent) =>
  e.type === 'update' && e.status.taskId === taskId && e.status.state === state ? e.status : undefined;
const terminalOf = (taskId: string) => (e: SchedulerEvent) =>
  e.type === 'update' && e.status.taskId === taskId && TERMINAL.has(e.status.state ?? 0) ? e.status : undefined;

/** Every update of a task the framework received. */
function received(fw: TestFramework, taskId: string): TaskStatus[] {
  return fw.events.flatMap((e) => (e.type === 'update' && e.status.taskId === taskId ? [e.status] : []));
}

interface CheckpointFile {
  agentId: string;
  pending: { taskId: string; uuid: string; state: string }[];
}

async function readCheckpoint(workDir: string): Promise<CheckpointFile | undefined> {
  const text = await readFile(path.join(workDir, CHECKPOINT_FILE), 'utf8').catch(() => undefined);
  return text ? (JSON.parse(text) as CheckpointFile) : undefined;
}

async function workDirFor(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-recovery-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The scenario both runtimes share: an agent process runs long tasks and two short ones; its
 * connection goes away (the proxy closes) so the short ones' ends are checkpointed but not
 * delivered; it is killed with SIGKILL; `whileDown` meddles with its containers; a new agent
 * process starts on the same work dir, connected straight to the master.
 */
async function killAndRestart(
  t: Test,
  runtime: 'docker' | 'process',
  tasks: TaskInput[],
  whileDown: (containerOf: (taskId: string) => string) => Promise<void>,
): Promise<{ fw: TestFramework; agentId: string; pendingUuids: Map<string, string>; containerOf: (taskId: string) => string; masterHttp: string }> {
  const master = await testMaster(t, { agentReregisterTimeoutMs: 120_000 });
  const proxy = await FaultProxy.start(t, master.port);
  const workDir = await workDirFor(t);
  const first = startAgentProcess(t, { masterUrl: `ws://127.0.0.1:${proxy.port}`, runtime, workDir, resources: RESOURCES });
  const agentId = await until('the agent process registers', async () => (await getState(master.httpUrl)).agents[0]?.id, 30_000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${first.output()}`);
  });
  if (runtime === 'docker') cleanUpAgentContainers(t, agentId);
  const fw = await testFramework(t, master.url);
  const offer = await fw.next('an offer', offerOf);
  fw.client.launch([offer.id], tasks.map((x) => ({ ...x, agentId })));
  const ids = new Map<string, string>();
  for (const x of tasks) {
    const running = await fw.next(`${x.taskId} RUNNING`, stateOf(x.taskId ?? '', S.TASK_RUNNING), 0, 60_000);
    ids.set(x.taskId ?? '', running.containerId ?? '');
  }
  const containerOf = (taskId: string): string => ids.get(taskId) ?? '';
  if (runtime === 'process') {
    // The tasks outlive the agent process: end their process groups at test end.
    t.teardown(() => {
      for (const id of ids.values()) {
        try {
          process.kill(-Number(id), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }

  // Cut the agent off: the short tasks end, and their updates can only go to the checkpoint.
  await proxy.close();
  const cp = await until('the short tasks\' ends are checkpointed, undelivered', async () => {
    const c = await readCheckpoint(workDir);
    const ends = c?.pending.filter((p) => p.taskId.startsWith('short-') && TERMINAL.has(S[p.state as keyof typeof S]));
    return ends?.length === 2 ? c : undefined;
  }, 30_000);
  const pendingUuids = new Map(cp.pending.filter((p) => p.taskId.startsWith('short-')).map((p) => [p.taskId, p.uuid]));
  t.equal(cp.agentId, agentId, 'the checkpoint holds the agent id');
  await first.kill9();

  await whileDown(containerOf);

  const second = startAgentProcess(t, { masterUrl: master.url, runtime, workDir, resources: RESOURCES });
  await until('the restarted agent is back', async () => (await getState(master.httpUrl)).agents.some((a) => a.connected), 30_000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${second.output()}`);
  });
  return { fw, agentId, pendingUuids, containerOf, masterHttp: master.httpUrl };
}

t.test('docker: kill -9 of an agent with 10 running containers, restarted', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const docker = dockerClient();
  const long = Array.from({ length: 10 }, (_, i) => `long-${i}`);
  const tasks = [
    ...long.map((id) => task(id, 'sleep 600', true)),
    task('short-ok', 'sleep 2; echo done', true),
    task('short-fail', 'sleep 2; exit 3', true),
    task('ender', 'sleep 600', true),
    task('vanisher', 'sleep 600', true),
  ];
  const startedAt = new Map<string, string>();
  const { fw, agentId, pendingUuids, containerOf, masterHttp } = await killAndRestart(t, 'docker', tasks, async (containerOf) => {
    for (const id of long) startedAt.set(id, (await docker.getContainer(containerOf(id)).inspect()).State.StartedAt);
    // While the agent is down: one container ends, one is removed behind its back.
    await docker.getContainer(containerOf('ender')).kill({ signal: 'SIGKILL' });
    await until('ender stopped', async () => !(await docker.getContainer(containerOf('ender')).inspect()).State.Running);
    await docker.getContainer(containerOf('vanisher')).remove({ force: true });
  });

  const state = await getState(masterHttp);
  t.same(state.agents.map((a) => a.id), [agentId], 'the same agent id, and no second agent');

  for (const id of ['short-ok', 'short-fail']) {
    const end = await fw.next(`${id} ends`, terminalOf(id), 0, 30_000);
    t.equal(end.uuid, pendingUuids.get(id), `${id}: the checkpointed update (same uuid) was delivered`);
  }
  t.equal((await fw.next('short-ok ends', terminalOf('short-ok'))).state, S.TASK_FINISHED);
  const failed = await fw.next('short-fail ends', terminalOf('short-fail'));
  t.equal(failed.state, S.TASK_FAILED);
  t.equal(failed.exitCode, 3);
  const ender = await fw.next('ender ends', terminalOf('ender'), 0, 30_000);
  t.equal(ender.state, S.TASK_FAILED, `ender: ${ender.message ?? ''}`);
  t.equal(ender.exitCode, 137, 'the exit code came from inspecting the ended container');
  const vanisher = await fw.next('vanisher ends', terminalOf('vanisher'), 0, 30_000);
  t.equal(vanisher.state, S.TASK_FAILED);
  t.equal(vanisher.reason, 'CONTAINER_VANISHED', vanisher.message ?? '');

  for (const id of long) {
    const info = await docker.getContainer(containerOf(id)).inspect();
    t.ok(info.State.Running, `${id} still runs`);
    t.equal(info.State.StartedAt, startedAt.get(id), `${id}: the same container, never restarted`);
  }
  for (const id of tasks.map((x) => x.taskId ?? '')) {
    const states = received(fw, id).map((s) => stateName(s.state));
    const dupes = states.filter((s, i) => states.indexOf(s) !== i);
    t.same(dupes, [], `${id}: no update delivered twice (${states.join(' ')})`);
  }
  const containers = await docker.listContainers({ all: true, filters: { label: [`berth.agent_id=${agentId}`] } });
  t.equal(containers.filter((c) => c.State === 'running').length, 10, 'the 10 long containers run, and no other');
  t.equal(containers.length, 13, 'no container was created again (10 long + 3 ended kept for logs)');

  // The re-adopted containers are still under control.
  fw.client.kill('long-0', '', 1_000);
  t.equal((await fw.next('long-0 killed', terminalOf('long-0'), 0, 30_000)).state, S.TASK_KILLED);
});

t.test('process: kill -9 of an agent with running processes, restarted', async (t) => {
  const long = ['long-0', 'long-1', 'long-2'];
  const tasks = [
    ...long.map((id) => task(id, 'sleep 600', false)),
    task('short-ok', 'sleep 2; echo done', false),
    task('short-fail', 'sleep 2; exit 3', false),
    task('ender', 'sleep 600', false),
  ];
  const alive = (pid: string): boolean => {
    try {
      process.kill(Number(pid), 0);
      return true;
    } catch {
      return false;
    }
  };
  const { fw, agentId, pendingUuids, containerOf, masterHttp } = await killAndRestart(t, 'process', tasks, async (containerOf) => {
    process.kill(-Number(containerOf('ender')), 'SIGKILL');
  });
  t.same((await getState(masterHttp)).agents.map((a) => a.id), [agentId], 'the same agent id');
  for (const id of ['short-ok', 'short-fail']) {
    const end = await fw.next(`${id} ends`, terminalOf(id), 0, 30_000);
    t.equal(end.uuid, pendingUuids.get(id), `${id}: the checkpointed update (same uuid) was delivered`);
  }
  t.equal((await fw.next('short-ok', terminalOf('short-ok'))).state, S.TASK_FINISHED, 'its own child: exit code known');
  t.equal((await fw.next('short-fail', terminalOf('short-fail'))).exitCode, 3);
  const ender = await fw.next('ender ends', terminalOf('ender'), 0, 30_000);
  t.equal(ender.state, S.TASK_FAILED);
  t.equal(ender.reason, 'EXIT_CODE_UNKNOWN', `a process that ended while the agent was down: ${ender.message ?? ''}`);
  for (const id of long) t.ok(alive(containerOf(id)), `${id}: the same process (pid ${containerOf(id)}) still runs`);

  // A re-adopted process is not the agent's child: its kill and end are still seen.
  fw.client.kill('long-0', '', 1_000);
  const killed = await fw.next('long-0 killed', terminalOf('long-0'), 0, 30_000);
  t.equal(killed.state, S.TASK_KILLED);
  await until('long-0 gone', () => !alive(containerOf('long-0')));
  for (const id of tasks.map((x) => x.taskId ?? '')) {
    const states = received(fw, id).map((s) => stateName(s.state));
    t.same(states.filter((s, i) => states.indexOf(s) !== i), [], `${id}: no update delivered twice (${states.join(' ')})`);
  }
});

t.test('a host reboot (new boot id) registers a new agent naming its previous id, and leaves the old tasks alone', async (t) => {
  const master = await FakeMaster.start(t);
  let n = 0;
  master.agentId = () => `agent-boot-${++n}`;
  const workDir = await workDirFor(t);
  const runtime = new ProcessRuntime();
  const make = (bootId: string): Agent =>
    new Agent({
      masterUrl: master.url,
      runtime,
      log: pino({ level: 'silent' }),
      resources: resources.normalize({ cpus: 1, memMb: 256 }),
      workDir,
      bootId,
      statusRetry: { initialMs: 100, maxMs: 500 },
      reconnect: { initialMs: 50, maxMs: 200 },
    });
  const before = make('boot-a');
  before.start();
  t.equal(await before.whenRegistered(), 'agent-boot-1');
  master.send({ runTask: { frameworkId: 'fw', task: task('survivor', 'sleep 600', false) } });
  const running = await until('running', () => master.updates('survivor').find((u) => u.state === S.TASK_RUNNING));
  t.teardown(() => runtime.kill(running.containerId ?? '', 0));
  await before.stop();

  // Same boot: the same id and the task comes back.
  const again = make('boot-a');
  again.start();
  t.equal(await again.whenRegistered(), 'agent-boot-2', 'the fake master answers with its own id');
  const same = master.registrations()[1];
  t.equal(same?.agentId, 'agent-boot-1', 'asked for the checkpointed id');
  t.equal(same?.previousAgentId, '', 'no reboot to report');
  t.same(same?.tasks?.map((x) => x.task?.taskId), ['survivor'], 'reported its task');
  await again.stop();

  const after = make('boot-b');
  after.start();
  await after.whenRegistered();
  const reg = master.registrations()[2];
  t.equal(reg?.agentId, '', 'registers as a new agent');
  t.equal(reg?.previousAgentId, 'agent-boot-2', 'naming the id this work dir had');
  t.same(reg?.tasks ?? [], [], 'with no tasks');
  t.same(after.tasks(), [], 'the old boot\'s tasks are not taken back');
  t.ok(await runtime.inspect(running.containerId ?? '').then((s) => s?.running), 'and nothing of the old boot was touched');
  await after.stop();

  // Once the master has been told, the previous id is not reported again.
  const later = make('boot-b');
  later.start();
  await later.whenRegistered();
  t.equal(master.registrations()[3]?.previousAgentId, '');
  t.equal(master.registrations()[3]?.agentId, 'agent-boot-3');
  await later.stop();
});
