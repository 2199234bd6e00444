// A framework that goes away, against a master process: back within its failover timeout it keeps
// its tasks (nothing is killed, nothing told twice); past it, its tasks are killed on the agent and
// the framework is removed. The batch and services frameworks killed mid-work are
// test/integration/batch-failover.test.ts and services-kill9.test.ts (their real processes). The
// normal suite has the same two cases against an in-process master (test/integration/framework-failover.test.ts).
import t from 'tap';
import { SchedulerClient } from '../../../frameworks/sdk/index.js';
import { TaskState as S } from '../../../protocol/index.js';
import { testAgent, testFramework, TestFramework } from '../../helpers/cluster.js';
import { getState } from '../../helpers/master.js';
import { AgentFaultRecord, faultMaster } from '../../helpers/partition-cluster.js';
import { until } from '../../helpers/poll.js';

void t.test('a framework back within its failover timeout keeps its tasks', async (t) => {
  const master = await faultMaster(t);
  const agent = await testAgent(t, master.url, 'process', { hostname: 'fo-agent', cpus: 2, memMb: 1024 });
  const info = { name: 'fo', roles: ['*'], failoverTimeoutMs: 60_000 };
  const first = await testFramework(t, master.url, info);
  const frameworks: Record<string, TestFramework> = { first };
  const record = await AgentFaultRecord.start(t, master, frameworks, () => [agent]);
  const ids = ['fo-1', 'fo-2'];
  await record.run(first, agent.agentId, ids);
  const frameworkId = first.client.frameworkId;

  await first.client.close();
  record.recorder.fault('framework gone');
  await until('the master sees it go', async () => (await getState(master.http)).frameworks[0]?.connected === false, 10_000);
  const again = new TestFramework(new SchedulerClient({ masterUrl: master.url, framework: info, frameworkId }));
  t.teardown(() => again.client.close());
  frameworks.again = again;
  await again.next('subscribed again', (e) => (e.type === 'subscribed' ? e : undefined));
  record.recorder.healed();

  const state = await getState(master.http);
  t.same(state.frameworks.map((f) => [f.id, f.connected]), [[frameworkId, true]], 'the same framework, connected again');
  t.same(state.tasks.filter((x) => ids.includes(x.id)).map((x) => x.state), ['RUNNING', 'RUNNING'], 'its tasks still RUNNING');
  t.same(agent.tasks().map((x) => x.state), [S.TASK_RUNNING, S.TASK_RUNNING], 'nothing was killed on the agent');
  await record.launchAfterHeal(again, agent.agentId, 'fo-after');
  t.same(await record.check(10_000), [], 'the checker is clean');
});

void t.test('a framework away past its failover timeout: its tasks are killed and it is removed', async (t) => {
  const master = await faultMaster(t);
  const agent = await testAgent(t, master.url, 'process', { hostname: 'fo-agent', cpus: 2, memMb: 1024 });
  const fw = await testFramework(t, master.url, { name: 'fo-short', failoverTimeoutMs: 1_000 });
  const frameworks: Record<string, TestFramework> = { fw };
  const record = await AgentFaultRecord.start(t, master, frameworks, () => [agent]);
  const ids = ['short-fo-1', 'short-fo-2'];
  await record.run(fw, agent.agentId, ids);

  const pids = fw.events.flatMap((e) => (e.type === 'update' && e.status.state === S.TASK_RUNNING ? [Number(e.status.containerId)] : []));
  t.equal(pids.length, 2, 'both tasks ran as process groups');

  await fw.client.close();
  record.recorder.fault('framework gone');
  await until('the framework removed', async () => (await getState(master.http)).frameworks.length === 0, 20_000);
  record.recorder.frameworkRemoved('fw', 'past its failover timeout');
  record.recorder.healed();
  const alive = (pid: number): boolean => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // The checker sees the tasks as the master and the agent list them; their processes are checked here.
  await until('its tasks killed on the agent', () => pids.every((pid) => !alive(pid)), 20_000);
  const next = await testFramework(t, master.url, { name: 'fo-next' });
  frameworks.next = next;
  await record.launchAfterHeal(next, agent.agentId, 'short-fo-after');
  t.same(await record.check(10_000), [], 'the checker is clean: the removed framework heard nothing more, its tasks ended and stayed ended');
});
