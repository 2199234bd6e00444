// The master's side of an agent's life: unreachable and back, gone, marking rate-limited when
// many agents drop at once, a rebooted host, and draining for maintenance.
import t, { type Test } from 'tap';
import type { ResourceOffer, TaskInput } from '../../frameworks/sdk/index.js';
import { AgentNoticeKind, TaskReason, TaskState, type TaskStatus } from '../../protocol/index.js';
import type { SchedulerEvent } from '../../frameworks/sdk/index.js';
import { testCluster, testFramework } from '../helpers/cluster.js';
import { BUSYBOX_IMAGE, dockerClient, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';
import { getState, testMaster } from '../helpers/master.js';
import { peer, type Peer } from '../helpers/peer.js';
import { until } from '../helpers/poll.js';

const S = TaskState;
const info = { hostname: 'peer', resources: { cpus: 4, memMb: 4096 }, runtime: 'process' };

async function agentPeer(t: Test, url: string, register: object = {}): Promise<{ agent: Peer; agentId: string }> {
  const agent = await peer(t, url, 'agent');
  agent.send({ agentCall: { register: { agent: info, ...register } } });
  const agentId = await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  return { agent, agentId };
}

/** Launches one task on the first offer for agentId and reports it RUNNING from the peer. */
async function runningTask(fw: Awaited<ReturnType<typeof testFramework>>, agent: Peer, agentId: string, taskId: string): Promise<void> {
  const offer = await fw.next(`an offer on ${agentId}`, (e) => (e.type === 'offers' ? e.offers.find((o: ResourceOffer) => o.agentId === agentId) : undefined));
  const task: TaskInput = { taskId, resources: { cpus: 1, memMb: 64 }, command: { value: 'sleep 600', shell: true } };
  fw.client.launch([offer.id], [task]);
  await agent.next(`runTask ${taskId}`, (e) => (e.agentEvent?.runTask?.task?.taskId === taskId ? true : undefined));
  agent.send({ agentCall: { update: { status: { taskId, state: S.TASK_RUNNING, uuid: `${taskId}-running`, agentId } } } });
  await fw.next(`${taskId} RUNNING`, (e) => (e.type === 'update' && e.status.taskId === taskId && e.status.state === S.TASK_RUNNING ? true : undefined));
}

const stateOf = (taskId: string, state: TaskState) => (e: SchedulerEvent): TaskStatus | undefined =>
  e.type === 'update' && e.status.taskId === taskId && e.status.state === state ? e.status : undefined;

for (const aware of [true, false]) {
  t.test(`an agent that does not come back: its tasks become ${aware ? 'UNREACHABLE, then RUNNING again when it returns' : 'LOST, and are stopped when it returns'}`, async (t) => {
    const m = await testMaster(t, { agentReregisterTimeoutMs: 200, allocationIntervalMs: 50 });
    const fw = await testFramework(t, m.url, { name: 'fw', partitionAware: aware });
    const { agent, agentId } = await agentPeer(t, m.url);
    await runningTask(fw, agent, agentId, 'p1');
    agent.channel.terminate();
    const marked = await fw.next('the task marked', stateOf('p1', aware ? S.TASK_UNREACHABLE : S.TASK_LOST));
    t.equal(marked.reason, TaskReason.AGENT_UNREACHABLE);
    t.equal((await getState(m.httpUrl)).agents[0]?.state, 'unreachable');

    // The agent comes back with the task still running.
    const back = await peer(t, m.url, 'agent');
    back.send({ agentCall: { register: { agent: info, agentId, tasks: [{ task: { taskId: 'p1', resources: { cpus: 1, memMb: 64 } }, frameworkId: fw.client.frameworkId, status: { taskId: 'p1', state: S.TASK_RUNNING, uuid: 'p1-running' } }] } } });
    await back.next('registered again', (e) => e.agentEvent?.registered?.agentId);
    if (aware) {
      const from = fw.events.findIndex((e) => stateOf('p1', S.TASK_UNREACHABLE)(e));
      await fw.next('RUNNING again', stateOf('p1', S.TASK_RUNNING), from + 1);
      t.equal((await getState(m.httpUrl)).tasks.find((x) => x.id === 'p1')?.state, 'RUNNING');
    } else {
      const kill = await back.next('a kill for the task the master ended', (e) => e.agentEvent?.killTask);
      t.equal(kill.taskId, 'p1');
      t.equal(kill.reason, TaskReason.TASK_UNKNOWN_TO_MASTER);
    }
    t.equal((await getState(m.httpUrl)).agents[0]?.state, 'active');
  });
}

t.test('an unreachable agent that stays away is removed; its tasks are GONE', async (t) => {
  const m = await testMaster(t, { agentReregisterTimeoutMs: 100, agentGoneTimeoutMs: 300, allocationIntervalMs: 50 });
  const fw = await testFramework(t, m.url, { name: 'fw', partitionAware: true });
  const { agent, agentId } = await agentPeer(t, m.url);
  await runningTask(fw, agent, agentId, 'g1');
  agent.channel.terminate();
  await fw.next('UNREACHABLE', stateOf('g1', S.TASK_UNREACHABLE));
  const gone = await fw.next('GONE', stateOf('g1', S.TASK_GONE));
  t.equal(gone.reason, TaskReason.AGENT_REMOVED);
  await fw.next('agent lost', (e) => (e.type === 'agent-lost' && e.agentId === agentId ? true : undefined));
  t.equal((await getState(m.httpUrl)).agents.length, 0);
});

t.test('when many agents drop at once, they are marked unreachable a few at a time', async (t) => {
  const m = await testMaster(t, { agentReregisterTimeoutMs: 100, unreachableRateFraction: 0.1, unreachableRateWindowMs: 60_000 });
  const peers = [];
  for (let i = 0; i < 10; i++) peers.push(await agentPeer(t, m.url));
  for (const p of peers.slice(0, 6)) p.agent.channel.terminate();
  await until('one agent marked', async () => (await getState(m.httpUrl)).agents.filter((a) => a.state === 'unreachable').length === 1);
  // Well past the grace period, the other five still wait their turn.
  await new Promise((r) => setTimeout(r, 500));
  const states = (await getState(m.httpUrl)).agents.map((a) => a.state);
  t.equal(states.filter((s) => s === 'unreachable').length, 1, 'one of ten per window (10%)');
  t.equal(states.filter((s) => s === 'active').length, 9);
  // One of the waiting agents comes back and is never marked.
  const back = peers[5] as { agentId: string };
  await agentPeer(t, m.url, { agentId: back.agentId });
  t.equal((await getState(m.httpUrl)).agents.find((a) => a.id === back.agentId)?.connected, true);
});

t.test('a rebooted host registers as a new agent and its old tasks end at once', async (t) => {
  const m = await testMaster(t, { agentReregisterTimeoutMs: 60_000, allocationIntervalMs: 50 });
  const fw = await testFramework(t, m.url, { name: 'fw', partitionAware: true });
  const { agent, agentId } = await agentPeer(t, m.url);
  await runningTask(fw, agent, agentId, 'r1');
  agent.channel.terminate();
  const { agentId: newId } = await agentPeer(t, m.url, { previousAgentId: agentId });
  t.not(newId, agentId);
  const gone = await fw.next('GONE without waiting for the grace period', stateOf('r1', S.TASK_GONE));
  t.equal(gone.agentId, agentId);
  t.same((await getState(m.httpUrl)).agents.map((a) => a.id), [newId]);
});

t.test('drain with a deadline: frameworks are told, no new offers, tasks killed at the deadline (Docker)', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const { master, agents } = await testCluster(t, 'docker', { allocationIntervalMs: 50 });
  const agentId = agents[0]?.agentId as string;
  const fw = await testFramework(t, master.url);
  const offer = await fw.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  fw.client.launch([offer.id], ['d1', 'd2'].map((id) => ({
    taskId: id,
    resources: { cpus: 0.1, memMb: 32 },
    command: { value: 'sleep 600', shell: true },
    container: { type: 1, image: BUSYBOX_IMAGE },
    killGracePeriodMs: 500,
  })));
  await fw.next('d2 RUNNING', stateOf('d2', S.TASK_RUNNING));
  const res = await fetch(`${master.httpUrl}/api/v1/agents/${agentId}/drain`, { method: 'POST', body: JSON.stringify({ deadline: '1500ms' }) });
  t.equal(res.status, 200);
  const notice = await fw.next('a draining notice', (e) => (e.type === 'agent-notice' ? e : undefined));
  t.equal(notice.kind, AgentNoticeKind.DRAINING);
  t.equal(notice.agentId, agentId);
  t.ok(notice.deadlineMs > Date.now(), 'the notice carries the deadline');
  const before = fw.events.length;
  fw.client.revive();
  for (const id of ['d1', 'd2']) {
    const end = await fw.next(`${id} killed at the deadline`, (e) => (e.type === 'update' && e.status.taskId === id && e.status.state === S.TASK_KILLED ? e.status : undefined));
    t.equal(end.reason, TaskReason.AGENT_DRAINED);
  }
  t.equal(fw.events.slice(before).filter((e) => e.type === 'offers' && e.offers.some((o) => o.agentId === agentId)).length, 0, 'no offers from a draining agent');
  const left = await until('containers gone', async () => {
    const list = await dockerClient().listContainers({ filters: { label: [`berth.agent_id=${agentId}`] } });
    return list.length === 0 ? list : undefined;
  });
  t.equal(left.length, 0);
  t.equal((await getState(master.httpUrl)).agents[0]?.drainingUntilMs !== null, true);

  const undrain = await fetch(`${master.httpUrl}/api/v1/agents/${agentId}/undrain`, { method: 'POST' });
  t.equal(undrain.status, 200);
  await fw.next('offers again after undrain', (e) => (e.type === 'offers' && e.offers.some((o) => o.agentId === agentId) ? true : undefined), before);
  const unknown = await fetch(`${master.httpUrl}/api/v1/agents/agent-nope/drain`, { method: 'POST', body: '{"deadline":"5m"}' });
  t.equal(unknown.status, 404);
  const bad = await fetch(`${master.httpUrl}/api/v1/agents/${agentId}/drain`, { method: 'POST', body: '{"deadline":"soon"}' });
  t.equal(bad.status, 400);
  t.match(((await bad.json()) as { message: string }).message, /deadline must be a duration/);
});
