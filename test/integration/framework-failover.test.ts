// A framework that disconnects keeps its tasks for its failover timeout, whether it comes back on
// the same connection's master or not; after the timeout its tasks are killed and it is forgotten.
import t, { type Test } from 'tap';
import { SchedulerClient, TaskReason, TaskState, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import { getState, testMaster } from '../helpers/master.js';
import { peer, type Peer } from '../helpers/peer.js';
import { until } from '../helpers/poll.js';

async function withRunningTask(t: Test, failoverTimeoutMs: number) {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  const agent: Peer = await peer(t, m.url, 'agent');
  agent.send({ agentCall: { register: { agent: { hostname: 'peer', resources: { cpus: 2, memMb: 1024 } } } } });
  const agentId = await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  const client = new SchedulerClient({ masterUrl: m.url, framework: { name: 'fo', roles: ['*'], failoverTimeoutMs } });
  const events: SchedulerEvent[] = [];
  void (async () => {
    for await (const e of client.events()) {
      events.push(e);
      if (e.type === 'offers' && !events.some((x) => x.type === 'update')) {
        client.launch([e.offers[0]?.id ?? ''], [{ taskId: 'keep-1', resources: { cpus: 1, memMb: 64 }, command: { value: 'sleep 600', shell: true } }]);
      }
    }
  })();
  await agent.next('runTask', (e) => e.agentEvent?.runTask);
  agent.send({ agentCall: { update: { status: { taskId: 'keep-1', state: TaskState.TASK_RUNNING, uuid: 'k1', agentId } } } });
  await until('RUNNING', () => events.find((e) => e.type === 'update' && e.status.state === TaskState.TASK_RUNNING));
  return { m, agent, client, frameworkId: client.frameworkId };
}

t.test('re-subscribing within the failover timeout keeps the tasks', async (t) => {
  const { m, agent, client, frameworkId } = await withRunningTask(t, 60_000);
  await client.close();
  await until('disconnected', async () => (await getState(m.httpUrl)).frameworks[0]?.connected === false);
  const again = new SchedulerClient({ masterUrl: m.url, framework: { name: 'fo', roles: ['*'], failoverTimeoutMs: 60_000 }, frameworkId });
  t.teardown(() => again.close());
  const events: SchedulerEvent[] = [];
  void (async () => {
    for await (const e of again.events()) events.push(e);
  })();
  const sub = await until('subscribed again', () => events.find((e) => e.type === 'subscribed'));
  t.match(sub, { frameworkId });
  const state = await getState(m.httpUrl);
  t.same(state.tasks.map((x) => [x.id, x.state]), [['keep-1', 'RUNNING']], 'the task is still there');
  t.notOk(agent.received.some((e) => e.agentEvent?.killTask), 'nothing was killed');
});

t.test('after the failover timeout the tasks are killed and the framework is forgotten', async (t) => {
  const { m, agent, client } = await withRunningTask(t, 300);
  await client.close();
  const kill = await agent.next('a kill', (e) => e.agentEvent?.killTask);
  t.equal(kill.taskId, 'keep-1');
  t.equal(kill.reason, TaskReason.FRAMEWORK_FAILOVER_TIMEOUT);
  await until('framework forgotten', async () => (await getState(m.httpUrl)).frameworks.length === 0);
  t.equal((await getState(m.httpUrl)).tasks.length, 0);
});
