// A new leader reads back every task state the old one acknowledged: launches, status changes
// (written as small deltas beside the task records), a kill asked, health, exit codes and tasks
// completed after the framework's acknowledgement, across a kill -9 of the leader.
import t from 'tap';
import { SchedulerClient, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import { TaskState, type TaskStatus } from '../../protocol/index.js';
import type { MasterState, TaskView } from '../../master/state-view.js';
import { peer } from '../helpers/peer.js';
import { until } from '../helpers/poll.js';
import { leaderOf, spawnMaster, type MasterProcess } from '../helpers/processes.js';
import { startRedis } from '../helpers/redis.js';

async function state(m: MasterProcess): Promise<MasterState> {
  return (await (await fetch(`${m.http}/api/v1/state`)).json()) as MasterState;
}

/** What a leader knows of a task (usage is the agent's live report, not state). */
function known(views: TaskView[]): Omit<TaskView, 'usage'>[] {
  return views.map(({ usage: _usage, ...rest }) => rest).sort((x, y) => x.id.localeCompare(y.id));
}

t.test('kill -9 of the leader after launches, several status changes and completions: the new leader reads the same tasks', async (t) => {
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) return;
  const a = await spawnMaster(t, ['--redis', redis.url, '--lease', '1s']);
  await leaderOf([a]);
  const b = await spawnMaster(t, ['--redis', redis.url, '--lease', '1s']);
  const agent = await peer(t, a.url, 'agent');
  agent.send({ agentCall: { register: { agent: { hostname: 'peer', resources: { cpus: 8, memMb: 8192 } } } } });
  const agentId = await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  const client = new SchedulerClient({ masterUrl: [a.url, b.url], framework: { name: 'states', roles: ['*'], failoverTimeoutMs: 60_000 } });
  t.teardown(() => client.close());
  const events: SchedulerEvent[] = [];
  void (async () => {
    for await (const e of client.events()) events.push(e);
  })();
  const offer = await until('an offer', () => events.flatMap((e) => (e.type === 'offers' ? e.offers : []))[0]);
  const ids = ['staging', 'running', 'healthy', 'finished', 'failed', 'kill-asked'];
  await client.launch([offer.id], ids.map((id) => ({ taskId: id, resources: { cpus: 0.5, memMb: 64 }, command: { value: 'sleep 600', shell: true } })));
  for (const id of ids) await agent.next(`runTask ${id}`, (e) => (e.agentEvent?.runTask?.task?.taskId === id ? true : undefined));

  let n = 0;
  // Sends one update and waits for its acknowledgement, which the master gives only once it is durable.
  const update = async (taskId: string, state: TaskState, more: Partial<TaskStatus> = {}): Promise<void> => {
    const uuid = `${taskId}-${++n}`;
    agent.send({ agentCall: { update: { status: { taskId, state, uuid, agentId, timestampMs: 1_767_225_600_000 + n, ...more } } } });
    await agent.next(`ack ${uuid}`, (e) => (e.agentEvent?.acknowledge?.uuid === uuid ? true : undefined));
  };
  for (const id of ids.slice(1)) await update(id, TaskState.TASK_STARTING);
  for (const id of ids.slice(1)) await update(id, TaskState.TASK_RUNNING, { containerId: `c-${id}` });
  await update('healthy', TaskState.TASK_RUNNING, { health: 1, message: 'checks pass' });
  await update('finished', TaskState.TASK_FINISHED);
  await update('failed', TaskState.TASK_FAILED, { exitCode: 3, message: 'exited with 3', reason: 'CONTAINER_EXITED' });
  await client.kill('kill-asked', agentId, 5_000);
  await agent.next('killTask', (e) => (e.agentEvent?.killTask?.taskId === 'kill-asked' ? true : undefined));
  await update('kill-asked', TaskState.TASK_KILLING);
  // The framework acknowledges the terminal updates, which moves those tasks to the completed ones.
  const before = await until('finished and failed completed', async () => {
    const s = await state(a);
    return s.completedTasks.length === 2 ? s : undefined;
  });
  t.same(known(before.tasks).map((x) => [x.id, x.state]), [['healthy', 'RUNNING'], ['kill-asked', 'KILLING'], ['running', 'RUNNING'], ['staging', 'STAGING']]);
  t.same(known(before.completedTasks).map((x) => [x.id, x.state, x.exitCode]), [['failed', 'FAILED', 3], ['finished', 'FINISHED', 0]]);

  a.proc.kill('SIGKILL');
  await leaderOf([b], 20_000);
  const after = await state(b);
  t.same(known(after.tasks), known(before.tasks), 'the live tasks, each with its latest status');
  t.same(known(after.completedTasks), known(before.completedTasks), 'the completed tasks');
  // The kill asked survives too: the new leader sends it to the agent when it registers again.
  const back = await peer(t, b.url, 'agent');
  back.send({ agentCall: { register: { agentId, agent: { hostname: 'peer', resources: { cpus: 8, memMb: 8192 } }, tasks: ids.filter((id) => !['finished', 'failed'].includes(id)).map((id) => ({ task: { taskId: id, resources: { cpus: 0.5, memMb: 64 }, command: { value: 'sleep 600', shell: true } }, frameworkId: client.frameworkId, status: { taskId: id, state: id === 'staging' ? TaskState.TASK_STAGING : id === 'kill-asked' ? TaskState.TASK_KILLING : TaskState.TASK_RUNNING } })) } } });
  await back.next('the kill sent again', (e) => (e.agentEvent?.killTask?.taskId === 'kill-asked' ? true : undefined));
});
