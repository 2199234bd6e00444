// An agent with more tasks than one frame holds (20,000: a frame of at most 1 MiB held about
// 3,000) re-registers after a master restart, its tasks in parts, and the new master has every
// one of them RUNNING and none LOST. The master is real and loads its state from the store the
// previous one left; the agent is a protocol peer that sends what the agent's own
// registrationCalls() makes of 20,000 reports, in the parts the master's Welcome asks for. A real
// agent (hollow runtime) with 1,200 tasks, two parts, goes through the same restart.
import t from 'tap';
import { registrationCalls } from '../../agent/registration-frames.js';
import { MemoryStore } from '../../master/index.js';
import type { StateChange } from '../../master/store/records.js';
import { HelloKind, StatusSource, TaskState, connect, pb } from '../../protocol/index.js';
import { decodeAgentInfo, decodeFrameworkInfo, decodeTaskInfo, decodeTaskStatus } from '../../protocol/domain/index.js';
import type { TaskInput } from '../../frameworks/sdk/index.js';
import { testAgent, testFramework } from '../helpers/cluster.js';
import { testMaster } from '../helpers/master.js';
import { Peer, peer } from '../helpers/peer.js';
import { until } from '../helpers/poll.js';

const TASKS = 20_000;
const AGENT = { hostname: 'big-agent', resources: { cpus: 400, memMb: 1_000_000 } };

/** What the previous master left in the store: the agent, a framework and 20,000 RUNNING tasks. */
async function storeWithTasks(): Promise<MemoryStore> {
  const store = await MemoryStore.open();
  const { leader } = await store.campaign({ masterId: 'previous', url: 'ws://127.0.0.1:1' }, 60_000);
  if (!leader) throw new Error('the store elected no one');
  const changes: StateChange[] = [
    { type: 'agent.put', agent: { id: 'agent-big', info: decodeAgentInfo(AGENT).value, registeredAtMs: 1, state: 'active' } },
    { type: 'framework.put', framework: { id: 'fw-1', info: decodeFrameworkInfo({ name: 'f', roles: ['*'], failoverTimeoutMs: 600_000 }).value, registeredAtMs: 1 } },
  ];
  for (let i = 0; i < TASKS; i++) {
    const taskId = `task-${i}`;
    const info = decodeTaskInfo({ taskId, name: 'hollow', agentId: 'agent-big', resources: { cpus: 0.01, memMb: 1 }, command: { value: 'true', shell: true } }).value;
    const status = decodeTaskStatus({ taskId, state: TaskState.TASK_RUNNING, agentId: 'agent-big', frameworkId: 'fw-1', uuid: `u-${i}`, source: StatusSource.AGENT, timestampMs: 2 }).value;
    changes.push({ type: 'task.put', task: { taskId, frameworkId: 'fw-1', agentId: 'agent-big', info, status, appliedUuids: [`u-${i}`], launchedAtMs: 1, role: '*' } });
  }
  await store.apply(leader.epoch, changes);
  await store.resign('previous', leader.epoch);
  return store;
}

/** What the agent reports of each task it still runs. */
const reports = (): pb.TaskReport.$Properties[] => Array.from({ length: TASKS }, (_, i) => ({
  task: { taskId: `task-${i}`, name: 'hollow', agentId: 'agent-big', resources: { cpus: 0.01, memMb: 1 }, command: { value: 'true', shell: true } },
  frameworkId: 'fw-1',
  status: { taskId: `task-${i}`, state: TaskState.TASK_RUNNING, agentId: 'agent-big', frameworkId: 'fw-1', uuid: `u-${i}`, source: StatusSource.AGENT, timestampMs: 2, containerId: `hollow-agent-big-task-${i}` },
}));

t.test('an agent with 20,000 RUNNING tasks re-registers after a master restart: all RUNNING, none lost', async (t) => {
  const m = await testMaster(t, { store: await storeWithTasks() });
  t.equal(m.master.summary().tasks, TASKS, 'the new master loaded the tasks');
  const { channel, welcome } = await connect(`${m.url}/api/v1/agent`, { kind: HelloKind.AGENT, client: 'big-agent' });
  t.teardown(() => channel.close());
  const agent = new Peer(channel);
  t.ok((welcome.registerTasksPerFrame ?? 0) > 0, 'the master asks for parts');
  const register = { agent: AGENT, agentId: 'agent-big', tasks: reports() };
  t.ok(pb.AgentCall.encode({ register }).finish().length > 1024 * 1024, 'in one frame the registration would be over 1 MiB');
  const calls = registrationCalls(register, welcome.registerTasksPerFrame ?? 0);
  t.ok(calls.length >= 20, `sent in ${calls.length} frames`);
  t.equal(calls[0]?.register?.tasksTotal, TASKS, 'the first announces them all');

  for (const call of calls) agent.send({ agentCall: call });
  t.equal(await agent.next('registered', (e) => e.agentEvent?.registered?.agentId, 0, 60_000), 'agent-big');
  const state = m.master.state();
  const byState = new Map<string, number>();
  for (const task of state.tasks) byState.set(task.state, (byState.get(task.state) ?? 0) + 1);
  t.same(Object.fromEntries(byState), { RUNNING: TASKS }, 'every task RUNNING on the new master, none LOST');
  t.same(state.agents.map((a) => [a.id, a.connected, a.tasks]), [['agent-big', true, TASKS]]);
  t.notOk(agent.received.some((e) => e.agentEvent?.killTask || e.agentEvent?.error), 'no kill, no error');
});

t.test('a registration cut short by the connection is not acted on: nothing ends', async (t) => {
  const m = await testMaster(t, { store: await storeWithTasks() });
  const { channel, welcome } = await connect(`${m.url}/api/v1/agent`, { kind: HelloKind.AGENT, client: 'big-agent' });
  const calls = registrationCalls({ agent: AGENT, agentId: 'agent-big', tasks: reports() }, welcome.registerTasksPerFrame ?? 0);
  // Half the parts, then the connection drops: the master has seen 10,000 of 20,000 tasks.
  const peerOf = new Peer(channel);
  for (const call of calls.slice(0, calls.length / 2)) peerOf.send({ agentCall: call });
  channel.close();
  await until('the connection closed', () => peerOf.closed);
  // The whole registration on a new connection: had the half been acted on, half the tasks would be LOST by now.
  const again = await peer(t, m.url, 'agent');
  for (const call of calls) again.send({ agentCall: call });
  await again.next('registered', (e) => e.agentEvent?.registered, 0, 60_000);
  t.same([...new Set(m.master.state().tasks.map((x) => x.state))], ['RUNNING'], 'every task still RUNNING');
  t.equal(m.master.state().tasks.length, TASKS);
});

t.test('parts that break the announced total are refused and the connection closed', async (t) => {
  const m = await testMaster(t);
  const agentInfo = { hostname: 'parts', resources: { cpus: 1, memMb: 64 } };
  const report = (id: string): pb.TaskReport.$Properties => ({ task: { taskId: id, resources: { cpus: 0.01, memMb: 1 } }, frameworkId: 'f-gone', status: { taskId: id, state: TaskState.TASK_RUNNING } });

  const stray = await peer(t, m.url, 'agent');
  stray.send({ agentCall: { registerTasks: { tasks: [report('x1')] } } });
  const e1 = await stray.next('an error', (e) => e.agentEvent?.error);
  t.match(e1, { code: 'INVALID_CALL', field: 'register_tasks' });

  const over = await peer(t, m.url, 'agent');
  over.send({ agentCall: { register: { agent: agentInfo, tasks: [report('y1')], tasksTotal: 2 } } });
  over.send({ agentCall: { registerTasks: { tasks: [report('y2'), report('y3')] } } });
  const e2 = await over.next('an error', (e) => e.agentEvent?.error);
  t.match(e2, { code: 'INVALID_CALL', field: 'register_tasks.tasks', message: /3 tasks, more than the 2/ });
  await until('closed', () => over.closed);
  t.equal(over.closed?.code, 4010, 'closed as a policy violation');
  t.notOk(over.received.some((e) => e.agentEvent?.registered), 'never registered');
  t.equal(m.master.summary().agents, 0, 'the master holds no agent from it');
});

t.test('a real agent with more tasks than one part re-registers after a master restart: all RUNNING', async (t) => {
  const n = 1_200;
  const store = await MemoryStore.open();
  const first = await testMaster(t, { store });
  const agent = await testAgent(t, first.url, 'hollow', { cpus: 100, memMb: 100_000, agent: { checkpointWrites: 'blocking', registerTimeoutMs: 60_000 } });
  const fw = await testFramework(t, first.url);
  const offer = await fw.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
  const tasks: TaskInput[] = Array.from({ length: n }, (_, i) => ({ taskId: `r${i}`, name: 'hollow', resources: { cpus: 0.01, memMb: 1 }, command: { value: 'true', shell: true } }));
  await fw.client.launch([offer.id], tasks);
  await until(`${n} tasks RUNNING`, () => first.master.state().tasks.filter((x) => x.state === 'RUNNING').length === n, 120_000, 100);
  t.equal(agent.tasks().length, n);
  const from = fw.events.length;
  await first.close();
  const second = await testMaster(t, { store, port: first.port });
  // More than REGISTER_TASKS_PER_FRAME (1,000): the agent sends them in two parts.
  await until('the agent back with every task', () => {
    const s = second.master.state();
    return s.agents[0]?.connected && s.tasks.length === n ? s : undefined;
  }, 60_000, 100);
  t.same([...new Set(second.master.state().tasks.map((x) => x.state))], ['RUNNING'], 'every task RUNNING on the new master');
  t.notOk(fw.events.slice(from).some((e) => e.type === 'update' && e.status.state !== TaskState.TASK_RUNNING), 'none ended');
});
