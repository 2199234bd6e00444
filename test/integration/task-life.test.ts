// The life of a task through the whole system: SDK framework -> master -> real agent -> Docker
// container or host process, and back. Each scenario runs against both runtimes.
import t, { type Test } from 'tap';
import { ContainerType, TaskState } from '../../protocol/index.js';
import type { ResourceOffer, TaskInput } from '../../frameworks/sdk/index.js';
import type { SchedulerEvent } from '../../frameworks/sdk/index.js';
import { testAgent, testCluster, testFramework, type RuntimeKind, type TestFramework } from '../helpers/cluster.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';
import { getState, testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { FaultProxy } from '../helpers/fault-proxy.js';

const S = TaskState;

function task(id: string, cmd: string, extra: Partial<TaskInput> = {}): TaskInput {
  return {
    taskId: id,
    name: id,
    resources: { cpus: 0.1, memMb: 32 },
    command: { value: cmd, shell: true },
    container: { type: ContainerType.DOCKER, image: BUSYBOX_IMAGE },
    ...extra,
  };
}

const offerOf = (e: SchedulerEvent): ResourceOffer | undefined => (e.type === 'offers' ? e.offers[0] : undefined);
const terminalOf = (taskId: string) => (e: SchedulerEvent) =>
  e.type === 'update' && e.status.taskId === taskId && [S.TASK_FINISHED, S.TASK_FAILED, S.TASK_KILLED, S.TASK_ERROR, S.TASK_LOST].includes(e.status.state ?? 0)
    ? e.status
    : undefined;
const stateOf = (taskId: string, state: TaskState) => (e: SchedulerEvent) =>
  e.type === 'update' && e.status.taskId === taskId && e.status.state === state ? e.status : undefined;

async function ready(t: Test, kind: RuntimeKind): Promise<boolean> {
  if (kind !== 'docker') return true;
  if (!(await requireDocker(t))) return false;
  await ensureBusyboxImage();
  return true;
}

async function launchOnFirstOffer(fw: TestFramework, tasks: TaskInput[]): Promise<void> {
  const offer = await fw.next('an offer', offerOf);
  fw.client.launch([offer.id], tasks.map((x) => ({ ...x, agentId: offer.agentId })));
}

for (const kind of ['docker', 'process'] as const) {
  t.test(`${kind}: offer -> accept -> STARTING -> RUNNING -> FINISHED`, async (t) => {
    if (!(await ready(t, kind))) return;
    const { master, agents } = await testCluster(t, kind);
    const fw = await testFramework(t, master.url);
    const offer = await fw.next('an offer', offerOf);
    t.equal(offer.agentId, agents[0]?.agentId, 'the agent is offered');
    fw.client.launch([offer.id], [task('a1', 'echo hi'), task('a2', 'echo "port $PORT0"', { resources: { cpus: 0.1, memMb: 32, ports: [{ begin: 32005, end: 32005 }] } })]);
    for (const id of ['a1', 'a2']) {
      const end = await fw.next(`${id} ends`, terminalOf(id));
      t.equal(end.state, S.TASK_FINISHED, `${id} FINISHED: ${end.message ?? ''}`);
      t.equal(end.exitCode, 0);
      t.same(fw.updates(id), [S.TASK_STARTING, S.TASK_RUNNING, S.TASK_FINISHED].map(String), `${id} went through every state once`);
    }
    // Every update was acknowledged, so the master retires both tasks and frees their resources.
    await until('tasks retired', async () => (await getState(master.httpUrl)).tasks.length === 0);
    const state = await getState(master.httpUrl);
    t.same(state.completedTasks.map((x) => x.state).sort(), ['FINISHED', 'FINISHED']);
    t.equal(state.agents[0]?.used.cpus, 0, 'resources returned to the pool');
  });

  t.test(`${kind}: a failing command ends FAILED with its exit code`, async (t) => {
    if (!(await ready(t, kind))) return;
    const { master } = await testCluster(t, kind);
    const fw = await testFramework(t, master.url);
    await launchOnFirstOffer(fw, [task('f1', 'exit 3')]);
    const end = await fw.next('f1 ends', terminalOf('f1'));
    t.equal(end.state, S.TASK_FAILED);
    t.equal(end.exitCode, 3);
    t.equal(end.reason, 'CONTAINER_EXITED');
  });

  t.test(`${kind}: kill sends SIGTERM, then SIGKILL after the grace period`, async (t) => {
    if (!(await ready(t, kind))) return;
    const { master } = await testCluster(t, kind);
    const fw = await testFramework(t, master.url);
    await launchOnFirstOffer(fw, [
      // Handles SIGTERM: exits with 42 at once.
      task('k-polite', "trap 'exit 42' TERM; while true; do sleep 0.1; done"),
      // Ignores SIGTERM (the ignore is inherited by sleep): only SIGKILL ends it.
      task('k-stubborn', "trap '' TERM; sleep 1000"),
    ]);
    await fw.next('k-polite RUNNING', stateOf('k-polite', S.TASK_RUNNING));
    await fw.next('k-stubborn RUNNING', stateOf('k-stubborn', S.TASK_RUNNING));
    // Let the shells install their traps before signalling.
    await new Promise((r) => setTimeout(r, 300));
    fw.client.kill('k-polite', '', 30_000);
    const polite = await fw.next('k-polite ends', terminalOf('k-polite'));
    t.equal(polite.state, S.TASK_KILLED);
    t.equal(polite.exitCode, 42, 'SIGTERM reached the task and its handler ran');
    t.ok(fw.updates('k-polite').includes(String(S.TASK_KILLING)), 'KILLING was reported first');

    const graceMs = 1_000;
    const asked = Date.now();
    fw.client.kill('k-stubborn', '', graceMs);
    const stubborn = await fw.next('k-stubborn ends', terminalOf('k-stubborn'));
    t.equal(stubborn.state, S.TASK_KILLED);
    t.ok(Date.now() - asked >= graceMs * 0.9, 'SIGKILL waited for the grace period');
    t.not(stubborn.exitCode, 0, `ended by SIGKILL (exit code ${stubborn.exitCode})`);
  });

  t.test(`${kind}: an agent connection cut mid-burst loses no status update and applies none twice`, async (t) => {
    if (!(await ready(t, kind))) return;
    const master = await testMaster(t);
    const proxy = await FaultProxy.start(t, master.port);
    const agent = await testAgent(t, `ws://127.0.0.1:${proxy.port}`, kind);
    const fw = await testFramework(t, master.url);
    const ids = Array.from({ length: 8 }, (_, i) => `burst-${i}`);
    await launchOnFirstOffer(fw, ids.map((id, i) => task(id, `sleep 0.${2 + (i % 5)}; echo done`)));
    // Cut the agent's connection again and again while its tasks start and finish.
    let severed = 0;
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 150));
      severed += proxy.cut();
    }
    t.ok(severed >= 3, `live agent connections were cut (${severed})`);
    for (const id of ids) {
      const end = await fw.next(`${id} ends`, terminalOf(id), 0, 30_000);
      t.equal(end.state, S.TASK_FINISHED, `${id}: ${end.message ?? ''}`);
    }
    for (const id of ids) {
      const finished = fw.updates(id).filter((s) => s === String(S.TASK_FINISHED)).length;
      const running = fw.updates(id).filter((s) => s === String(S.TASK_RUNNING)).length;
      t.equal(finished, 1, `${id}: FINISHED delivered exactly once`);
      t.ok(running <= 1, `${id}: RUNNING delivered at most once`);
    }
    await until('agent back', async () => (await getState(master.httpUrl)).agents[0]?.connected === true);
    t.equal((await getState(master.httpUrl)).agents.length, 1, 'the agent kept its id across reconnections');
    t.equal((await getState(master.httpUrl)).agents[0]?.id, agent.agentId);
    await until('no pending updates on the agent', () => agent.pendingUpdates().length === 0);
  });
}

t.test('registration: agents appear in the state with their resources', async (t) => {
  const { master, agents } = await testCluster(t, 'process', { agents: 2 });
  const state = await getState(master.httpUrl);
  t.same(state.agents.map((a) => a.id).sort(), agents.map((a) => a.agentId).sort());
  t.ok(state.agents.every((a) => a.connected && a.total.cpus === 4 && a.total.memMb === 4096 && a.runtime === 'process'));
});

t.test('docker: a privileged or docker.sock-mounting task is refused with ERROR and a reason naming the field', async (t) => {
  if (!(await ready(t, 'docker'))) return;
  const { master } = await testCluster(t, 'docker');
  const fw = await testFramework(t, master.url);
  await launchOnFirstOffer(fw, [
    task('priv', 'true', { container: { type: ContainerType.DOCKER, image: BUSYBOX_IMAGE, privileged: true } }),
    task('sock', 'true', { container: { type: ContainerType.DOCKER, image: BUSYBOX_IMAGE, volumes: [{ hostPath: '/var/run/docker.sock', containerPath: '/var/run/docker.sock' }] } }),
  ]);
  const priv = await fw.next('priv ends', terminalOf('priv'));
  t.equal(priv.state, S.TASK_ERROR);
  t.equal(priv.reason, 'CONTAINER_POLICY');
  t.match(priv.message, /privileged/);
  const sock = await fw.next('sock ends', terminalOf('sock'));
  t.equal(sock.state, S.TASK_ERROR);
  t.equal(sock.reason, 'CONTAINER_POLICY');
  t.match(sock.message, /docker\.sock/);
});
