// An agent that dies and comes back, against a master process: kill -9 of the agent process and a
// restart on the same work dir (it recovers its checkpoint and keeps its tasks), and a host
// reboot (a new boot id: the agent registers anew naming its previous id, and the previous
// agent's tasks end at once, LOST for a framework that is not partition-aware, GONE for one that is).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { TaskReason, TaskState as S, stateName } from '../../../protocol/index.js';
import { startAgentProcess } from '../../helpers/agent-process.js';
import { testAgent, testFramework, type TestFramework } from '../../helpers/cluster.js';
import { getState } from '../../helpers/master.js';
import { AgentFaultRecord, faultMaster, stateOf } from '../../helpers/partition-cluster.js';
import { until } from '../../helpers/poll.js';

async function workDirFor(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-fault-agent-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Ends the process groups of process-runtime tasks (their container id is the group's pid). */
function killGroups(containerIds: readonly string[]): void {
  for (const id of containerIds) {
    try {
      process.kill(-Number(id), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

void t.test('kill -9 of an agent process, restarted on its work dir: its tasks keep running, nothing LOST or told twice', async (t) => {
  // The grace outlasts the restart, however slow this machine is.
  const master = await faultMaster(t, ['--agent-reregister-timeout', '60s']);
  const workDir = await workDirFor(t);
  const options = { masterUrl: master.url, runtime: 'process' as const, workDir, resources: 'cpus:2;mem:1024' };
  const first = startAgentProcess(t, options);
  const agentId = await until('the agent process registers', async () => (await getState(master.http)).agents[0]?.id, 30_000);
  const fw = await testFramework(t, master.url, { name: 'crash' });
  const record = await AgentFaultRecord.start(t, master, { fw }, () => []);
  const ids = ['crash-1', 'crash-2', 'crash-3'];
  await record.run(fw, agentId, ids);
  const pids = fw.events.flatMap((e) => (e.type === 'update' && e.status.state === S.TASK_RUNNING ? [e.status.containerId] : []));
  t.teardown(() => killGroups(pids));
  const before = ids.map((id) => fw.updates(id));

  await first.kill9();
  record.recorder.fault('agent process killed');
  await until('the master sees it go', async () => (await getState(master.http)).agents[0]?.connected === false, 20_000);
  startAgentProcess(t, options);
  await until('the restarted agent is back', async () => (await getState(master.http)).agents[0]?.connected === true, 30_000);
  record.recorder.healed();

  const state = await getState(master.http);
  t.equal(state.agents.length, 1, 'the same agent, not a new one');
  t.same(state.tasks.filter((x) => ids.includes(x.id)).map((x) => x.state), ['RUNNING', 'RUNNING', 'RUNNING'], 'the master still has every task RUNNING');
  t.same(ids.map((id) => fw.updates(id)), before, 'the framework was told nothing new');
  for (const pid of pids) t.doesNotThrow(() => process.kill(-Number(pid), 0), `task process group ${pid} still runs`);
  await record.launchAfterHeal(fw, agentId, 'crash-after');
  t.same(await record.check(10_000), [], 'the checker is clean');
});

void t.test('a host reboot (new boot id): a new agent naming its previous id; the old tasks end at once, LOST or GONE', async (t) => {
  const master = await faultMaster(t, ['--agent-reregister-timeout', '60s']);
  const workDir = await workDirFor(t);
  const before = await testAgent(t, master.url, 'process', { workDir, hostname: 'rebooted', cpus: 2, memMb: 1024, agent: { bootId: 'boot-a' } });
  const unaware = await testFramework(t, master.url, { name: 'unaware', partitionAware: false });
  const agents = [before];
  const frameworks: Record<string, TestFramework> = { unaware };
  const record = await AgentFaultRecord.start(t, master, frameworks, () => agents);
  await record.run(unaware, before.agentId, ['reboot-unaware']);
  // Subscribed once the first has its task, so neither holds the offer the other waits for.
  const aware = (frameworks.aware = await testFramework(t, master.url, { name: 'aware', partitionAware: true }));
  await record.run(aware, before.agentId, ['reboot-aware']);
  const pids = [...unaware.events, ...aware.events].flatMap((e) => (e.type === 'update' && e.status.state === S.TASK_RUNNING ? [e.status.containerId] : []));

  // The host goes down: the agent and every process on it.
  await before.stop();
  killGroups(pids);
  agents.pop();
  record.recorder.fault('host rebooted');
  const after = await testAgent(t, master.url, 'process', { workDir, hostname: 'rebooted', cpus: 2, memMb: 1024, agent: { bootId: 'boot-b' } });
  agents.push(after);
  record.recorder.healed();
  t.not(after.agentId, before.agentId, 'it registers as a new agent');

  const lost = await unaware.next('the old task LOST', stateOf('reboot-unaware', S.TASK_LOST), 0, 10_000);
  const gone = await aware.next('the old task GONE', stateOf('reboot-aware', S.TASK_GONE), 0, 10_000);
  t.equal(lost.reason, TaskReason.AGENT_REMOVED, 'LOST because its agent was removed');
  t.equal(gone.reason, TaskReason.AGENT_REMOVED, 'GONE because its agent was removed');
  const state = await getState(master.http);
  t.same(state.agents.map((a) => a.id), [after.agentId], 'the previous agent is removed at once, not left to time out');
  t.same(after.tasks().map((x) => stateName(x.state)), [], 'the new agent runs nothing of the old');
  await record.launchAfterHeal([unaware, aware], after.agentId, 'reboot-after');
  t.same(await record.check(10_000), [], 'the checker is clean');
});
