// A master in this process with a scripted agent and framework, and task t1 RUNNING on them, for
// tests of what operators do to tasks and frameworks (the API and the CLI).
import type { Test } from 'tap';
import { TaskState } from '../../protocol/index.js';
import { MemoryStore } from '../../master/index.js';
import { testMaster } from './master.js';
import { peer, type Peer } from './peer.js';

/** A master, a scripted agent and framework, and task t1 RUNNING. */
export async function scriptedCluster(t: Test) {
  const store = await MemoryStore.open();
  const m = await testMaster(t, { store, allocationIntervalMs: 50 });
  const agent = await peer(t, m.url, 'agent');
  agent.send({ agentCall: { register: { agent: { hostname: 'h', resources: { cpus: 4, memMb: 4096, diskMb: 1000 } } } } });
  const agentId = await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  const fw = await peer(t, m.url, 'scheduler');
  fw.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: 'ops', roles: ['*'], failoverTimeoutMs: 60_000 } } } });
  const frameworkId = await fw.next('subscribed', (e) => e.schedulerEvent?.subscribed?.frameworkId);
  const offer = await fw.next('an offer', (e) => e.schedulerEvent?.offers?.offers?.[0]);
  const launch = (id: string): void => fw.send({ schedulerCall: { requestId: id, accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [
    { taskId: id, name: id, resources: { cpus: 0.5, memMb: 64 }, command: { value: 'sleep 600', shell: true } },
  ] }] } } });
  launch('t1');
  await agent.next('runTask', (e) => e.agentEvent?.runTask);
  agent.send({ agentCall: { update: { status: { taskId: 't1', state: TaskState.TASK_RUNNING, uuid: 'u-run', agentId } } } });
  await fw.next('RUNNING', (e) => (e.schedulerEvent?.update?.status?.state === TaskState.TASK_RUNNING ? true : undefined));
  return { m, store, agent, agentId, fw, frameworkId };
}

/** Waits for the agent to be told to kill taskId, and returns the kill. */
export const killFor = (agent: Peer, taskId: string) => agent.next(`kill of ${taskId}`, (e) => (e.agentEvent?.killTask?.taskId === taskId ? e.agentEvent.killTask : undefined));
