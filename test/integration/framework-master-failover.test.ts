// A master failover never counts against a framework's own failover timeout: a framework with the
// default timeout (0) keeps its tasks across a leader kill -9, whether it re-subscribes at once or
// only after the agents are back. Real master processes on a real redis-server, a real agent.
import t, { type Test } from 'tap';
import { SchedulerClient, TaskState, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import { testAgent } from '../helpers/cluster.js';
import { startRedis } from '../helpers/redis.js';
import { leaderOf, spawnMaster, type MasterProcess } from '../helpers/processes.js';
import { until } from '../helpers/poll.js';

interface StateJson {
  agents: { id: string; connected: boolean }[];
  frameworks: { id: string; connected: boolean }[];
  tasks: { id: string; state: string }[];
}

const stateOf = async (m: MasterProcess): Promise<StateJson> => (await (await fetch(`${m.http}/api/v1/state`)).json()) as StateJson;

function framework(t: Test, urls: string[], frameworkId = ''): { client: SchedulerClient; events: SchedulerEvent[] } {
  // No failoverTimeoutMs: the default, 0.
  const client = new SchedulerClient({ masterUrl: urls, framework: { name: 'zero-failover', roles: ['*'] }, frameworkId });
  const events: SchedulerEvent[] = [];
  void (async () => {
    for await (const e of client.events()) events.push(e);
  })();
  t.teardown(() => client.close());
  return { client, events };
}

/** Two masters, a process agent and a framework (default failover timeout) with three tasks RUNNING. */
async function threeRunning(t: Test, frameworkUrls: (a: MasterProcess, b: MasterProcess) => string[]) {
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) throw new Error('no redis');
  const args = ['--redis', redis.url, '--lease', '1s', '--failover-reregister-timeout', '8s'];
  const a = await spawnMaster(t, args);
  await leaderOf([a]);
  const b = await spawnMaster(t, args);
  await testAgent(t, `${a.url},${b.url}`, 'process', { ports: [33100, 33199] });
  const fw = framework(t, frameworkUrls(a, b));
  const offer = await until('an offer', () => fw.events.flatMap((e) => (e.type === 'offers' ? e.offers : []))[0], 15_000);
  const ids = ['z1', 'z2', 'z3'];
  fw.client.launch([offer.id], ids.map((id) => ({ taskId: id, resources: { cpus: 0.1, memMb: 16 }, command: { value: 'sleep 600', shell: true } })));
  await until('three tasks RUNNING', async () => (await stateOf(a)).tasks.filter((x) => x.state === 'RUNNING').length === 3, 15_000);
  return { a, b, fw, ids };
}

t.test('re-subscribing to the new leader at once: the framework keeps its three tasks', async (t) => {
  const { a, b, fw, ids } = await threeRunning(t, (a, b) => [a.url, b.url]);
  const frameworkId = fw.client.frameworkId;
  a.proc.kill('SIGKILL');
  await leaderOf([b], 20_000);
  await until('re-subscribed', () => fw.events.some((e) => e.type === 'subscribed' && e.reconnected), 20_000);
  const state = await until('every agent back', async () => {
    const s = await stateOf(b);
    return s.agents.length === 1 && s.agents.every((x) => x.connected) ? s : undefined;
  }, 20_000);
  t.same(state.frameworks.map((f) => f.id), [frameworkId], 'the framework is still registered');
  t.same(state.tasks.map((x) => [x.id, x.state]).sort(), ids.map((id) => [id, 'RUNNING']), 'all three tasks still RUNNING');
  t.notOk(fw.events.some((e) => e.type === 'update' && e.status.state !== TaskState.TASK_RUNNING && e.status.state !== TaskState.TASK_STARTING), 'no task ended');
});

t.test('re-subscribing only after the agents came back: the framework keeps its three tasks', async (t) => {
  const { a, b, fw, ids } = await threeRunning(t, (a) => [a.url]);
  const frameworkId = fw.client.frameworkId;
  a.proc.kill('SIGKILL');
  await fw.client.close();
  await leaderOf([b], 20_000);
  await until('every agent back', async () => {
    const s = await stateOf(b);
    return s.agents.length === 1 && s.agents.every((x) => x.connected);
  }, 20_000);
  const again = framework(t, [b.url], frameworkId);
  const sub = await until('subscribed to the new leader', () => again.events.find((e) => e.type === 'subscribed'), 20_000);
  t.match(sub, { frameworkId }, 'the same framework id');
  await new Promise((r) => setTimeout(r, 500));
  const state = await stateOf(b);
  t.same(state.frameworks.map((f) => [f.id, f.connected]), [[frameworkId, true]]);
  t.same(state.tasks.map((x) => [x.id, x.state]).sort(), ids.map((id) => [id, 'RUNNING']), 'all three tasks still RUNNING');
});
