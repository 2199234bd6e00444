// High availability with real master processes sharing a real redis-server: standbys redirect,
// a killed leader is replaced with epoch + 1, a paused leader is fenced and steps down, and
// frameworks follow the leader and keep their tasks.
import t, { type Test } from 'tap';
import { createClient } from 'redis';
import { SchedulerClient, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import { startRedis } from '../helpers/redis.js';
import { leaderOf, spawnMaster, type MasterProcess } from '../helpers/processes.js';
import { until } from '../helpers/poll.js';

const LEASE = ['--lease-ms', '1000'];

async function twoMasters(t: Test): Promise<{ redisUrl: string; a: MasterProcess; b: MasterProcess }> {
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) throw new Error('no redis');
  const a = await spawnMaster(t, ['--redis', redis.url, ...LEASE]);
  await leaderOf([a]);
  const b = await spawnMaster(t, ['--redis', redis.url, ...LEASE]);
  return { redisUrl: redis.url, a, b };
}

function framework(t: Test, urls: string[], frameworkId = ''): { client: SchedulerClient; events: SchedulerEvent[] } {
  const client = new SchedulerClient({ masterUrl: urls, framework: { name: 'ha', roles: ['*'], failoverTimeoutMs: 60_000 }, frameworkId });
  const events: SchedulerEvent[] = [];
  void (async () => {
    for await (const e of client.events()) events.push(e);
  })();
  t.teardown(() => client.close());
  return { client, events };
}

t.test('a standby redirects frameworks and API callers to the leader', async (t) => {
  const { a, b } = await twoMasters(t);
  t.equal((await b.health())?.leadership, 'standby');
  const { events } = framework(t, [b.url, a.url]);
  const subscribed = await until('subscribed', () => events.find((e) => e.type === 'subscribed'));
  t.match(subscribed, { type: 'subscribed' });
  // fetch follows the standby's 307 to the leader.
  const state = (await (await fetch(`${b.http}/api/v1/state`)).json()) as { leadership: string; url: string };
  t.equal(state.leadership, 'leading');
  t.equal(state.url, a.url);
});

t.test('kill -9 of the leader: a standby leads with epoch + 1 and frameworks follow with their id', async (t) => {
  const { a, b } = await twoMasters(t);
  const { epoch } = await leaderOf([a]);
  const { client, events } = framework(t, [a.url, b.url]);
  await until('subscribed', () => events.find((e) => e.type === 'subscribed'));
  const frameworkId = client.frameworkId;
  a.proc.kill('SIGKILL');
  const next = await leaderOf([b]);
  t.equal(next.epoch, epoch + 1, 'the new leader holds the next epoch');
  const again = await until('re-subscribed to the new leader', () =>
    events.find((e) => e.type === 'subscribed' && e.reconnected) as Extract<SchedulerEvent, { type: 'subscribed' }> | undefined, 20_000);
  t.equal(again.frameworkId, frameworkId, 'the framework keeps its id');
  const state = (await (await fetch(`${b.http}/api/v1/state`)).json()) as { frameworks: { id: string; connected: boolean }[] };
  t.same(state.frameworks.map((f) => [f.id, f.connected]), [[frameworkId, true]], 'the new leader loaded the framework from Redis');
});

t.test('SIGSTOP of the leader past its lease: another is elected; after SIGCONT the old one writes nothing and steps down', async (t) => {
  const { redisUrl, a, b } = await twoMasters(t);
  const { epoch } = await leaderOf([a]);
  const { events } = framework(t, [a.url, b.url]);
  await until('subscribed', () => events.find((e) => e.type === 'subscribed'));
  a.proc.kill('SIGSTOP');
  // A write sent to the paused leader waits in its socket until it runs again.
  const late = fetch(`${a.http}/api/v1/roles/late`, { method: 'PUT', body: '{"weight": 2}' }).then(
    (r) => r.status,
    () => 0,
  );
  const next = await leaderOf([b]);
  t.equal(next.epoch, epoch + 1);
  t.equal((await fetch(`${b.http}/api/v1/roles/fresh`, { method: 'PUT', body: '{"weight": 3}' })).status, 200, 'the new leader writes');
  a.proc.kill('SIGCONT');
  const lateStatus = await late;
  t.not(lateStatus, 200, `the old leader refused the write it found on waking (${lateStatus})`);
  await until('the old leader exits', () => a.exited(), 15_000);
  t.equal(a.proc.exitCode, 3, 'it exits with the stepped-down code');
  t.match(a.output(), /stepping down/);
  // Every event written since the new election carries the new epoch.
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  t.teardown(() => redis.quit());
  const entries = (await redis.xRange('berth:events', '-', '+')) ?? [];
  const epochs = entries.map((e) => Number(e.message.epoch));
  t.notOk(entries.some((e) => e.message.id === 'late'), 'the late write is nowhere in the log');
  const firstNew = epochs.indexOf(epoch + 1);
  t.ok(firstNew >= 0, 'the new leader wrote');
  t.same(epochs.slice(firstNew).filter((x) => x !== epoch + 1), [], 'no write of the old epoch after the new election');
});

t.test('Redis killed and restarted (appendonly, fsync always): no acknowledged state is lost', async (t) => {
  const redis = await startRedis(t, { appendonly: true });
  if (!redis) return;
  const m = await spawnMaster(t, ['--redis', redis.url, '--lease-ms', '10000']);
  await leaderOf([m]);
  const { peer } = await import('../helpers/peer.js');
  const { TaskState } = await import('../../protocol/index.js');
  const agent = await peer(t, m.url, 'agent');
  agent.send({ agentCall: { register: { agent: { hostname: 'peer', resources: { cpus: 8, memMb: 8192 } } } } });
  const agentId = await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  const { client, events } = framework(t, [m.url]);
  const offer = await until('an offer', () => events.flatMap((e) => (e.type === 'offers' ? e.offers : []))[0]);
  const ids = ['d1', 'd2', 'd3', 'd4', 'd5'];
  client.launch([offer.id ?? ''], ids.map((id) => ({ taskId: id, resources: { cpus: 1, memMb: 64 }, command: { value: 'sleep 600', shell: true } })));
  for (const id of ids) {
    await agent.next(`runTask ${id}`, (e) => (e.agentEvent?.runTask?.task?.taskId === id ? true : undefined));
    agent.send({ agentCall: { update: { status: { taskId: id, state: TaskState.TASK_RUNNING, uuid: `${id}-r`, agentId } } } });
    await agent.next(`ack ${id}`, (e) => (e.agentEvent?.acknowledge?.uuid === `${id}-r` ? true : undefined));
  }
  // Every RUNNING above was acknowledged, so it must survive Redis dying right now.
  process.kill(redis.pid, 'SIGKILL');
  // An update during the outage is not acknowledged until it is durable.
  agent.send({ agentCall: { update: { status: { taskId: 'd1', state: TaskState.TASK_FINISHED, uuid: 'd1-f', agentId } } } });
  await new Promise((r) => setTimeout(r, 500));
  t.notOk(agent.received.some((e) => e.agentEvent?.acknowledge?.uuid === 'd1-f'), 'no acknowledgement while Redis is down');
  await redis.restart();
  // The agent re-sends until acknowledged (here by hand: a scripted peer has no retry loop).
  await until('ack after Redis is back', () => {
    agent.send({ agentCall: { update: { status: { taskId: 'd1', state: TaskState.TASK_FINISHED, uuid: 'd1-f', agentId } } } });
    return agent.received.some((e) => e.agentEvent?.acknowledge?.uuid === 'd1-f');
  }, 20_000, 300);
  const r = createClient({ url: redis.url });
  await r.connect();
  t.teardown(() => r.quit());
  const tasks = await r.hGetAll('berth:tasks');
  const states = Object.fromEntries(Object.entries(tasks).map(([id, v]) => [id, (JSON.parse(v) as { status: { state: number } }).status.state]));
  t.same(states, { d1: TaskState.TASK_FINISHED, d2: TaskState.TASK_RUNNING, d3: TaskState.TASK_RUNNING, d4: TaskState.TASK_RUNNING, d5: TaskState.TASK_RUNNING });
  t.equal((await m.health())?.leadership, 'leading', 'the master rode out the outage');
});
