// Scheduler and agent calls whose answers matter to the caller: accepted replies, invalid tasks in
// an ACCEPT, kills of tasks on disconnected agents, and a rebooted host's first updates. Scripted
// peers on both sides, so each test controls exactly what the master sees.
import t, { type Test } from 'tap';
import { ErrorCode, TaskReason, TaskState, type Offer, type TaskInfo } from '../../protocol/index.js';
import { MemoryStore, type ClusterStore } from '../../master/index.js';
import { testMaster } from '../helpers/master.js';
import { peer, type Peer } from '../helpers/peer.js';
import { until } from '../helpers/poll.js';

const agentInfo = { hostname: 'peer-host', resources: { cpus: 4, memMb: 4096, diskMb: 1000 } };

async function registeredAgent(t: Test, url: string, agentId = '', previousAgentId = ''): Promise<{ agent: Peer; agentId: string }> {
  const agent = await peer(t, url, 'agent');
  agent.send({ agentCall: { register: { agent: agentInfo, agentId, previousAgentId } } });
  const id = await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  return { agent, agentId: id };
}

async function subscribed(t: Test, url: string): Promise<Peer> {
  const fw = await peer(t, url, 'scheduler');
  fw.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: 'calls', roles: ['*'], failoverTimeoutMs: 60_000 } } } });
  await fw.next('subscribed', (e) => e.schedulerEvent?.subscribed?.frameworkId);
  return fw;
}

const firstOffer = (fw: Peer, from = 0): Promise<Offer> => fw.next('an offer', (e) => e.schedulerEvent?.offers?.offers?.[0], from);
const acceptedFor = (fw: Peer, requestId: string): Promise<true> =>
  fw.next(`accepted for ${requestId}`, (e) => (e.schedulerEvent?.accepted?.requestId === requestId ? true : undefined));
const answersFor = (fw: Peer, requestId: string): string[] =>
  fw.received.flatMap((e) => (e.schedulerEvent?.accepted?.requestId === requestId ? ['accepted'] : e.schedulerEvent?.error?.requestId === requestId ? ['error'] : []));

function task(id: string, memMb = 64): TaskInfo {
  return { taskId: id, name: id, resources: { cpus: 0.5, memMb }, command: { value: 'sleep 600', shell: true } };
}

/** One task RUNNING on a scripted agent, launched by a scripted framework. */
async function runningTask(t: Test, options: Parameters<typeof testMaster>[1] = {}) {
  const m = await testMaster(t, { allocationIntervalMs: 50, ...options });
  const { agent, agentId } = await registeredAgent(t, m.url);
  const fw = await subscribed(t, m.url);
  const offer = await firstOffer(fw);
  fw.send({ schedulerCall: { requestId: 'launch', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('t1')] }] } } });
  await agent.next('runTask', (e) => e.agentEvent?.runTask);
  agent.send({ agentCall: { update: { status: { taskId: 't1', state: TaskState.TASK_RUNNING, uuid: 'u-run', agentId } } } });
  await fw.next('RUNNING', (e) => (e.schedulerEvent?.update?.status?.state === TaskState.TASK_RUNNING ? true : undefined));
  return { m, agent, agentId, fw };
}

t.test('every call with a request id gets exactly one accepted or one error', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  const { agent } = await registeredAgent(t, m.url);
  const fw = await subscribed(t, m.url);
  await acceptedFor(fw, 'sub');
  const offer = await firstOffer(fw);
  fw.send({ schedulerCall: { requestId: 'a1', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('ok-1')] }] } } });
  await acceptedFor(fw, 'a1');
  t.ok(agent.received.some((e) => e.agentEvent?.runTask?.task?.taskId === 'ok-1'), 'accepted once the launch is durable and sent');
  fw.send({ schedulerCall: { requestId: 'a2', accept: { offerIds: ['offer-nope'], operations: [{ type: 1, tasks: [task('ok-2')] }] } } });
  fw.send({ schedulerCall: { requestId: 'r1', revive: {} } });
  fw.send({ schedulerCall: { requestId: 'r2', reconcile: { tasks: [] } } });
  fw.send({ schedulerCall: { requestId: 'k1', kill: { taskId: 'no-such-task' } } });
  fw.send({ schedulerCall: { requestId: 's1', suppress: { roles: [] } } });
  await until('every call answered', () => ['a2', 'r1', 'r2', 'k1', 's1'].every((id) => answersFor(fw, id).length > 0));
  await new Promise((r) => setTimeout(r, 100));
  t.same(['sub', 'a1', 'a2', 'r1', 'r2', 'k1', 's1'].map((id) => answersFor(fw, id)),
    [['accepted'], ['accepted'], ['error'], ['accepted'], ['accepted'], ['error'], ['accepted']]);
});

t.test('an invalid task in an ACCEPT ends TASK_ERROR; the valid ones launch', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  const { agent } = await registeredAgent(t, m.url);
  const fw = await subscribed(t, m.url);
  const offer = await firstOffer(fw);
  fw.send({ schedulerCall: { requestId: 'mixed', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('good-1'), task('bad-1', 0), task('good-2')] }] } } });
  await acceptedFor(fw, 'mixed');
  const error = await fw.next('TASK_ERROR for bad-1', (e) => (e.schedulerEvent?.update?.status?.taskId === 'bad-1' ? e.schedulerEvent.update.status : undefined));
  t.equal(error.state, TaskState.TASK_ERROR);
  t.equal(error.reason, TaskReason.INVALID_TASK);
  t.match(error.message, /mem_mb/, 'the message names the field');
  await until('both valid tasks sent to the agent', () => ['good-1', 'good-2'].every((id) => agent.received.some((e) => e.agentEvent?.runTask?.task?.taskId === id)));
  t.notOk(agent.received.some((e) => e.agentEvent?.runTask?.task?.taskId === 'bad-1'), 'the invalid task never reaches the agent');
  t.same(answersFor(fw, 'mixed'), ['accepted']);
  // Offer-level problems still refuse the whole call.
  fw.send({ schedulerCall: { requestId: 'stale', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('good-3')] }] } } });
  const err = await fw.next('error', (e) => (e.schedulerEvent?.error?.requestId === 'stale' ? e.schedulerEvent.error : undefined));
  t.equal(err.code, ErrorCode.OFFER_UNKNOWN);
});

t.test('a kill of a task on a disconnected agent is answered and carried out when the agent comes back', async (t) => {
  const { m, agent, agentId, fw } = await runningTask(t);
  agent.channel.close();
  await until('agent disconnected', () => !m.master.state().agents[0]?.connected);
  fw.send({ schedulerCall: { requestId: 'kill-away', kill: { taskId: 't1', agentId } } });
  await acceptedFor(fw, 'kill-away');
  const back = await peer(t, m.url, 'agent');
  back.send({
    agentCall: {
      register: {
        agent: agentInfo,
        agentId,
        tasks: [{ frameworkId: m.master.state().frameworks[0]?.id ?? '', task: task('t1'), status: { taskId: 't1', state: TaskState.TASK_RUNNING, uuid: 'u-run', agentId } }],
      },
    },
  });
  const kill = await back.next('the kill, once back', (e) => e.agentEvent?.killTask);
  t.equal(kill.taskId, 't1');
  t.equal(kill.reason, TaskReason.KILLED_BY_FRAMEWORK);
});

t.test('a kill of a task whose agent is then marked unreachable ends it KILLED', async (t) => {
  const { m, agent, agentId, fw } = await runningTask(t, { agentReregisterTimeoutMs: 200 });
  agent.channel.close();
  await until('agent disconnected', () => !m.master.state().agents[0]?.connected);
  fw.send({ schedulerCall: { requestId: 'kill-away', kill: { taskId: 't1', agentId } } });
  await acceptedFor(fw, 'kill-away');
  const end = await fw.next('the end of t1', (e) => {
    const s = e.schedulerEvent?.update?.status;
    return s?.taskId === 't1' && s.state !== TaskState.TASK_RUNNING ? s : undefined;
  });
  t.equal(end.state, TaskState.TASK_KILLED, 'KILLED, as asked, not LOST');
  t.equal(end.reason, TaskReason.AGENT_UNREACHABLE);
});

/** A store whose writes take a while, so what happens during a write can be seen. */
function slowStore(inner: ClusterStore, delayMs: number): ClusterStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'apply') {
        return async (...args: Parameters<ClusterStore['apply']>) => {
          await new Promise((r) => setTimeout(r, delayMs));
          return target.apply(...args);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

t.test('after a host reboot the new agent\'s first updates are taken at once', async (t) => {
  const m = await testMaster(t, { store: slowStore(await MemoryStore.open(), 150) });
  const { agent: old, agentId: oldId } = await registeredAgent(t, m.url);
  old.channel.close();
  await until('old agent disconnected', () => !m.master.state().agents[0]?.connected);
  const { agent, agentId } = await registeredAgent(t, m.url, '', oldId);
  t.not(agentId, oldId);
  // Sent the moment `registered` arrives, while the master still removes the previous agent.
  agent.send({ agentCall: { update: { status: { taskId: 'not-mine', state: TaskState.TASK_RUNNING, uuid: 'u-first', agentId } } } });
  await agent.next('an answer', (e) => e.agentEvent?.acknowledge ?? e.agentEvent?.error);
  t.notOk(agent.received.some((e) => e.agentEvent?.error), 'no NOT_SUBSCRIBED');
  t.ok(agent.received.some((e) => e.agentEvent?.acknowledge?.uuid === 'u-first'), 'acknowledged');
});

t.test('a framework torn down while its launch is being written launches nothing', async (t) => {
  const store = await MemoryStore.open();
  const m = await testMaster(t, { store: slowStore(store, 100), allocationIntervalMs: 50 });
  const { agent } = await registeredAgent(t, m.url);
  const fw = await subscribed(t, m.url);
  const offer = await firstOffer(fw);
  fw.send({ schedulerCall: { requestId: 'launch', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('orphan')] }] } } });
  fw.send({ schedulerCall: { requestId: 'bye', teardown: {} } });
  await acceptedFor(fw, 'bye');
  await until('the framework is gone', () => m.master.state().frameworks.length === 0);
  await new Promise((r) => setTimeout(r, 400));
  t.same(m.master.state().tasks, [], 'no task left behind in memory');
  t.notOk(agent.received.some((e) => e.agentEvent?.runTask), 'the agent never hears of it');
  t.same((await store.load()).tasks, [], 'nor in the store');
});

t.test('a kill asked while the agent is away survives a master failover', async (t) => {
  const store = await MemoryStore.open();
  const first = await testMaster(t, { store, allocationIntervalMs: 50 });
  const { agent, agentId } = await registeredAgent(t, first.url);
  const fw = await subscribed(t, first.url);
  const offer = await firstOffer(fw);
  fw.send({ schedulerCall: { requestId: 'launch', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('t1')] }] } } });
  await agent.next('runTask', (e) => e.agentEvent?.runTask);
  agent.send({ agentCall: { update: { status: { taskId: 't1', state: TaskState.TASK_RUNNING, uuid: 'u-run', agentId } } } });
  await agent.next('ack', (e) => e.agentEvent?.acknowledge);
  agent.channel.close();
  await until('agent disconnected', () => !first.master.state().agents[0]?.connected);
  fw.send({ schedulerCall: { requestId: 'kill-away', kill: { taskId: 't1', agentId } } });
  await acceptedFor(fw, 'kill-away');
  const frameworkId = first.master.state().frameworks[0]?.id ?? '';
  await first.close();
  const second = await testMaster(t, { store });
  await until('the second master leads', () => second.master.leadership === 'leading');
  const back = await peer(t, second.url, 'agent');
  back.send({ agentCall: { register: { agent: agentInfo, agentId, tasks: [{ frameworkId, task: task('t1'), status: { taskId: 't1', state: TaskState.TASK_RUNNING, uuid: 'u-run', agentId } }] } } });
  const kill = await back.next('the kill, from the new leader', (e) => e.agentEvent?.killTask);
  t.equal(kill.taskId, 't1');
  t.equal(kill.reason, TaskReason.KILLED_BY_FRAMEWORK);
});
