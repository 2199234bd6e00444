// Agents cut off from a master process by a silent partition (a blackholing proxy: nothing gets
// through, nothing is closed): a short one that heals within the re-register grace, a long one
// past it (partition-aware frameworks get UNREACHABLE and their tasks back, others LOST and their
// tasks killed on the agent), and 60% of the agents cut at once (the marks are paced). Each history
// goes through the offline checker: nothing runs twice, nothing acknowledged is lost, master,
// agents and frameworks agree within CONVERGED_MS of the heal, and a launch works after it.
import t from 'tap';
import { TaskReason, TaskState as S, stateName } from '../../protocol/index.js';
import { testFramework, type TestFramework } from '../helpers/cluster.js';
import { getState } from '../helpers/master.js';
import { AgentFaultRecord, DETECTION_BOUND_MS, faultMaster, proxiedAgent, stateOf, type ProxiedAgent } from '../helpers/partition-cluster.js';
import { until } from '../helpers/poll.js';

/** An agent back from a partition re-registers within its reconnect backoff (500 ms at most here) and a heartbeat. */
const CONVERGED_MS = 10_000;

const connected = async (http: string, agentId: string): Promise<boolean | undefined> => (await getState(http)).agents.find((a) => a.id === agentId)?.connected;

/** The states a framework was told for a task, by name. */
const told = (fw: TestFramework, taskId: string): string[] => fw.updates(taskId).map((s) => stateName(Number(s)));

void t.test('a short partition (healed within the re-register grace): tasks keep running, nothing LOST or sent twice', async (t) => {
  // A grace far longer than the partition, so the heal always comes inside it.
  const master = await faultMaster(t, ['--agent-reregister-timeout', '30s']);
  const fw = await testFramework(t, master.url, { name: 'unaware', partitionAware: false });
  const a = await proxiedAgent(t, master.port, 0);
  const record = await AgentFaultRecord.start(t, master, { fw }, () => [a.agent]);
  const ids = ['short-1', 'short-2'];
  await record.run(fw, a.agentId, ids);
  const before = ids.map((id) => told(fw, id));

  a.proxy.blackhole();
  record.recorder.fault('agent blackholed');
  await until('the master notices the silence', async () => (await connected(master.http, a.agentId)) === false, 20_000);
  a.proxy.heal();
  record.recorder.healed();
  await until('the agent is back', async () => (await connected(master.http, a.agentId)) === true, 20_000);

  const state = await getState(master.http);
  t.same(state.tasks.filter((x) => ids.includes(x.id)).map((x) => x.state), ['RUNNING', 'RUNNING'], 'the master still has both RUNNING');
  t.same(a.agent.tasks().map((x) => stateName(x.state)), ['RUNNING', 'RUNNING'], 'the agent still runs both');
  t.same(ids.map((id) => told(fw, id)), before, 'the framework was told nothing new: no LOST, no duplicate');
  t.equal(state.agents.find((x) => x.id === a.agentId)?.state, 'active', 'the agent is active, never marked');
  await record.launchAfterHeal(fw, a.agentId, 'short-after');
  t.same(await record.check(CONVERGED_MS), [], 'the checker is clean');
});

void t.test('a long partition (past the grace): UNREACHABLE for partition-aware frameworks and back on heal; LOST for the others and killed on the agent', async (t) => {
  const master = await faultMaster(t);
  const a = await proxiedAgent(t, master.port, 0);
  const aware = await testFramework(t, master.url, { name: 'aware', partitionAware: true });
  const frameworks: Record<string, TestFramework> = { aware };
  const record = await AgentFaultRecord.start(t, master, frameworks, () => [a.agent]);
  await record.run(aware, a.agentId, ['aware-1']);
  // Subscribed once the first has its task, so neither holds the offer the other waits for.
  const unaware = (frameworks.unaware = await testFramework(t, master.url, { name: 'unaware', partitionAware: false }));
  await record.run(unaware, a.agentId, ['unaware-1']);

  a.proxy.blackhole();
  record.recorder.fault('agent blackholed past its grace');
  const unreachable = await aware.next('aware-1 UNREACHABLE', stateOf('aware-1', S.TASK_UNREACHABLE), 0, 20_000);
  const lost = await unaware.next('unaware-1 LOST', stateOf('unaware-1', S.TASK_LOST), 0, 20_000);
  t.equal(unreachable.reason, TaskReason.AGENT_UNREACHABLE, 'UNREACHABLE because the agent is');
  t.equal(lost.reason, TaskReason.AGENT_UNREACHABLE, 'LOST because the agent is unreachable');
  t.equal((await getState(master.http)).agents.find((x) => x.id === a.agentId)?.state, 'unreachable', 'the agent is marked');
  t.same(a.agent.tasks().map((x) => x.taskId).sort(), ['aware-1', 'unaware-1'], 'behind the partition the agent still runs both');

  const from = aware.events.length;
  a.proxy.heal();
  record.recorder.healed();
  await aware.next('aware-1 RUNNING again', stateOf('aware-1', S.TASK_RUNNING), from, 20_000);
  await until('the LOST task killed on the agent', () => !a.agent.tasks().some((x) => x.taskId === 'unaware-1' && x.state === S.TASK_RUNNING), 20_000);
  const state = await getState(master.http);
  t.equal(state.tasks.find((x) => x.id === 'aware-1')?.state, 'RUNNING', 'the partition-aware framework keeps its task');
  t.equal([...state.tasks, ...state.completedTasks].find((x) => x.id === 'unaware-1')?.state, 'LOST', 'the master does not bring the LOST task back');
  t.same(told(unaware, 'unaware-1').slice(-1), ['LOST'], 'the other framework was told nothing after LOST');
  t.equal(told(aware, 'aware-1').filter((s) => s === 'UNREACHABLE').length, 1, 'UNREACHABLE told once');
  await record.launchAfterHeal([unaware, aware], a.agentId, 'long-after');
  t.same(await record.check(CONVERGED_MS), [], 'the checker is clean');
});

void t.test('60% of the agents cut at once: marked unreachable one window apart, and one that heals before its turn keeps its tasks', async (t) => {
  const windowMs = 4_000;
  // 5 agents and the default fraction (a tenth, at least one): one mark per window.
  const master = await faultMaster(t, ['--unreachable-rate-window', `${windowMs}ms`]);
  const fw = await testFramework(t, master.url, { name: 'unaware', partitionAware: false });
  const agents: ProxiedAgent[] = [];
  for (let i = 0; i < 5; i++) agents.push(await proxiedAgent(t, master.port, i));
  const record = await AgentFaultRecord.start(t, master, { fw }, () => agents.map((a) => a.agent));
  for (const [i, a] of agents.entries()) await record.run(fw, a.agentId, [`cut-${i}`]);
  const cut = agents.slice(0, 3);

  const cutAtMs = Date.now();
  for (const a of cut) a.proxy.blackhole();
  record.recorder.fault('3 of 5 agents blackholed');
  const lostAt = (): number[] => fw.events.flatMap((e) => (e.type === 'update' && e.status.state === S.TASK_LOST ? [e.status.timestampMs] : []));
  await until('two agents marked', () => lostAt().length >= 2, DETECTION_BOUND_MS + windowMs + 10_000);
  const [first = 0, second = 0] = lostAt();
  t.ok(first - cutAtMs <= DETECTION_BOUND_MS + 1_000, `the first mark within the detection bound (${first - cutAtMs} ms)`);
  t.ok(second - first >= windowMs - 50, `the second a window later (${second - first} ms apart)`);
  const marked = (await getState(master.http)).agents.filter((x) => x.state === 'unreachable').map((x) => x.id);
  t.equal(marked.length, 2, 'the third waits its turn');

  const waiting = cut.find((a) => !marked.includes(a.agentId));
  if (!waiting) throw new Error('no cut agent left unmarked');
  waiting.proxy.heal();
  await until('the waiting agent is back', async () => (await connected(master.http, waiting.agentId)) === true, 20_000);
  const state = await getState(master.http);
  const waitingTask = state.tasks.find((x) => x.agentId === waiting.agentId);
  t.equal(waitingTask?.state, 'RUNNING', 'its task was never marked');
  t.equal(lostAt().length, 2, 'only the two marked agents lost their tasks');
  t.same(state.agents.filter((x) => !cut.some((c) => c.agentId === x.id)).map((x) => x.state), ['active', 'active'], 'the agents that were not cut stayed active');

  for (const a of cut) a.proxy.heal();
  record.recorder.healed();
  const [back] = cut;
  if (!back) throw new Error('no cut agent');
  await until('the marked agents are back', async () => (await getState(master.http)).agents.every((x) => x.connected && x.state === 'active'), 20_000);
  await record.launchAfterHeal(fw, back.agentId, 'cut-after');
  t.same(await record.check(CONVERGED_MS), [], 'the checker is clean');
});
