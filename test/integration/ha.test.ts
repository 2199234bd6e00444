// High availability with real master processes sharing a real redis-server: standbys redirect,
// a killed leader is replaced with epoch + 1, a paused leader is fenced and steps down, and
// frameworks follow the leader and keep their tasks.
import t, { type Test } from 'tap';
import { createClient } from 'redis';
import { SchedulerClient, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import { startRedis } from '../helpers/redis.js';
import { leaderOf, spawnMaster, type MasterProcess } from '../helpers/processes.js';
import { until } from '../helpers/poll.js';

const LEASE = ['--lease', '1s'];

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
  // A master answers /health while it still opens its presence connection and campaigns.
  await until('b stands by', async () => ((await b.health())?.leadership === 'standby' ? true : undefined));
  t.equal((await b.health())?.leadership, 'standby');
  const { events } = framework(t, [b.url, a.url]);
  const subscribed = await until('subscribed', () => events.find((e) => e.type === 'subscribed') as Extract<SchedulerEvent, { type: 'subscribed' }> | undefined);
  const leaderId = ((await (await fetch(`${a.http}/api/v1/state`)).json()) as { masterId: string }).masterId;
  t.equal(subscribed.masterId, leaderId, 'subscribed with the leader, not the standby');
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
  t.notMatch(b.output(), /took the lease over/, "a's presence connection stayed open: b waited for the lease to end");
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
  const m = await spawnMaster(t, ['--redis', redis.url, '--lease', '10s']);
  await leaderOf([m]);
  const { peer } = await import('../helpers/peer.js');
  const { TaskState } = await import('../../protocol/index.js');
  const agent = await peer(t, m.url, 'agent');
  agent.send({ agentCall: { register: { agent: { hostname: 'peer', resources: { cpus: 8, memMb: 8192 } } } } });
  const agentId = await agent.next('registered', (e) => e.agentEvent?.registered?.agentId);
  const { client, events } = framework(t, [m.url]);
  const offer = await until('an offer', () => events.flatMap((e) => (e.type === 'offers' ? e.offers : []))[0]);
  const ids = ['d1', 'd2', 'd3', 'd4', 'd5'];
  client.launch([offer.id], ids.map((id) => ({ taskId: id, resources: { cpus: 1, memMb: 64 }, command: { value: 'sleep 600', shell: true } })));
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
  // The framework hears of d1's end once it is durable, and may already have acknowledged it, which
  // moves d1 to the completed tasks.
  await until('the framework told of d1 FINISHED', () => events.some((e) => e.type === 'update' && e.status.taskId === 'd1' && e.status.state === TaskState.TASK_FINISHED) || undefined, 20_000);
  // Read as a new leader would.
  const { RedisStore } = await import('../../master/store/index.js');
  const store = await RedisStore.open({ url: redis.url });
  t.teardown(() => store.close());
  const loaded = await store.load();
  const states = Object.fromEntries([...loaded.tasks, ...loaded.completedTasks].map((x) => [x.taskId, x.status.state]));
  t.same(states, { d1: TaskState.TASK_FINISHED, d2: TaskState.TASK_RUNNING, d3: TaskState.TASK_RUNNING, d4: TaskState.TASK_RUNNING, d5: TaskState.TASK_RUNNING });
  t.equal((await m.health())?.leadership, 'leading', 'the master rode out the outage');
});

async function containersOf(agentId: string): Promise<Map<string, { id: string; startedAt: string }[]>> {
  const { dockerClient } = await import('../helpers/docker.js');
  const docker = dockerClient();
  const list = await docker.listContainers({ all: true, filters: { label: [`berth.agent_id=${agentId}`] } });
  const byTask = new Map<string, { id: string; startedAt: string }[]>();
  for (const c of list) {
    const info = await docker.getContainer(c.Id).inspect();
    const taskId = c.Labels['berth.task_id'] ?? '';
    byTask.set(taskId, [...(byTask.get(taskId) ?? []), { id: c.Id, startedAt: info.State.StartedAt }]);
  }
  return byTask;
}

t.test('kill -9 of the leader while idle: epoch + 1, every agent re-registers, no container is restarted (Docker)', async (t) => {
  const { requireDocker, ensureBusyboxImage, BUSYBOX_IMAGE } = await import('../helpers/docker.js');
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const { testAgent } = await import('../helpers/cluster.js');
  const { TaskState } = await import('../../protocol/index.js');
  const { a, b } = await twoMasters(t);
  const { epoch } = await leaderOf([a]);
  const agents = [await testAgent(t, `${a.url},${b.url}`, 'docker', { ports: [32200, 32249] }), await testAgent(t, `${a.url},${b.url}`, 'docker', { ports: [32250, 32299] })];
  const { client, events } = framework(t, [a.url, b.url]);
  const launched = new Set<string>();
  await until('three tasks on each agent RUNNING', () => {
    for (const e of events.splice(0)) {
      if (e.type === 'offers') {
        for (const o of e.offers) {
          if (launched.size >= 6) break;
          const ids = [0, 1, 2].map((i) => `idle-${o.agentId?.slice(-6)}-${i}`).filter((id) => !launched.has(id));
          ids.forEach((id) => launched.add(id));
          client.launch([o.id], ids.map((id) => ({ taskId: id, resources: { cpus: 0.1, memMb: 32 }, command: { value: 'sleep 600', shell: true }, container: { type: 1, image: BUSYBOX_IMAGE } })));
        }
      }
      events.push(e);
    }
    const running = new Set(events.flatMap((e) => (e.type === 'update' && e.status.state === TaskState.TASK_RUNNING ? [e.status.taskId] : [])));
    return running.size >= 6 ? running : undefined;
  }, 30_000, 50);
  const before = new Map<string, Map<string, { id: string; startedAt: string }[]>>();
  for (const agent of agents) before.set(agent.agentId, await containersOf(agent.agentId));

  a.proc.kill('SIGKILL');
  const next = await leaderOf([b], 20_000);
  t.equal(next.epoch, epoch + 1);
  const state = await until('every agent re-registered with the new leader', async () => {
    const s = (await (await fetch(`${b.http}/api/v1/state`)).json()) as { agents: { id: string; connected: boolean }[]; tasks: { id: string; state: string }[] };
    return s.agents.length === 2 && s.agents.every((x) => x.connected) ? s : undefined;
  }, 30_000);
  t.same(state.agents.map((x) => x.id).sort(), agents.map((x) => x.agentId).sort(), 'the same agent ids');
  t.equal(state.tasks.filter((x) => x.state === 'RUNNING').length, 6, 'the new leader knows every task RUNNING');
  for (const agent of agents) {
    const after = await containersOf(agent.agentId);
    t.same(after, before.get(agent.agentId), `agent ${agent.agentId}: the same containers, never restarted`);
  }
});

t.test('kill -9 of the leader during a burst of launches: each task RUNNING once or LOST/DROPPED, never two containers (Docker)', async (t) => {
  const { requireDocker, ensureBusyboxImage, BUSYBOX_IMAGE } = await import('../helpers/docker.js');
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const { testAgent } = await import('../helpers/cluster.js');
  const { TaskState, stateName } = await import('../../protocol/index.js');
  const { a, b } = await twoMasters(t);
  await leaderOf([a]);
  const agent = await testAgent(t, `${a.url},${b.url}`, 'docker', { ports: [32300, 32399], cpus: 8, memMb: 8192 });
  const { client, events } = framework(t, [a.url, b.url]);
  const ids: string[] = [];
  let killed = false;
  // Launch one task per offer, as fast as offers come, and kill the leader in the middle.
  await until('the burst is under way and the leader killed', () => {
    for (const e of events.splice(0)) {
      if (e.type === 'offers' && ids.length < 30) {
        for (const o of e.offers) {
          const id = `burst-${ids.length}`;
          ids.push(id);
          client.launch([o.id], [{ taskId: id, resources: { cpus: 0.1, memMb: 16 }, command: { value: 'sleep 600', shell: true }, container: { type: 1, image: BUSYBOX_IMAGE } }]);
        }
      }
      events.push(e);
    }
    if (!killed && ids.length >= 8) {
      a.proc.kill('SIGKILL');
      killed = true;
    }
    return killed ? true : undefined;
  }, 30_000, 5);
  await leaderOf([b], 20_000);
  // Once things settle, ask the new leader about every task ever launched.
  const finals = await until('every task settled', async () => {
    client.reconcile(ids.map((taskId) => ({ taskId })));
    await new Promise((r) => setTimeout(r, 700));
    const last = new Map<string, number>();
    for (const e of events) if (e.type === 'update') last.set(e.status.taskId ?? '', e.status.state ?? 0);
    const ends: number[] = [TaskState.TASK_RUNNING, TaskState.TASK_LOST, TaskState.TASK_DROPPED];
    const settled = ids.every((id) => ends.includes(last.get(id) ?? -1));
    return settled ? last : undefined;
  }, 40_000, 100);
  const summary = new Map<string, number>();
  for (const id of ids) summary.set(stateName(finals.get(id)), (summary.get(stateName(finals.get(id))) ?? 0) + 1);
  t.comment(`final states: ${JSON.stringify(Object.fromEntries(summary))} of ${ids.length}`);
  const containers = await containersOf(agent.agentId);
  for (const [taskId, list] of containers) t.ok(list.length <= 1, `${taskId}: one container at most`);
  for (const id of ids) {
    const running = finals.get(id) === TaskState.TASK_RUNNING;
    const live = (containers.get(id) ?? []).length === 1;
    if (running !== live) t.fail(`${id}: ${running ? 'RUNNING without a container' : 'a container for a task that is not RUNNING'}`);
  }
  t.ok((summary.get('RUNNING') ?? 0) >= 1, 'tasks survived the failover');
});
