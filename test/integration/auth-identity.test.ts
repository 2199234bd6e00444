// Identity, with or without authentication: a framework or agent id the master never issued is
// refused (the agent then registers afresh), a new leader still takes the real ones it loaded
// from the store, and a connection can touch only its own agent's or framework's tasks and offers.
// Role names keep Mesos' rules and a length limit.
import t from 'tap';
import { CloseCode, ErrorCode, TaskState } from '../../protocol/index.js';
import { RedisStore } from '../../master/store/index.js';
import { authConfig, call, TOKENS } from '../helpers/auth.js';
import { testAgent } from '../helpers/cluster.js';
import { testMaster } from '../helpers/master.js';
import { peer } from '../helpers/peer.js';
import { until } from '../helpers/poll.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import { scriptedCluster } from '../helpers/scripted-cluster.js';

t.test('SUBSCRIBE with a framework id the master never issued is refused; a failover within the timeout is not', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  await testAgent(t, m.url, 'hollow');
  const invented = await peer(t, m.url, 'scheduler');
  invented.send({ schedulerCall: { requestId: 'sub', subscribe: { frameworkId: 'fw-invented', framework: { name: 'liar', roles: ['*'] } } } });
  const error = await invented.next('error', (e) => e.schedulerEvent?.error);
  t.equal(error.code, ErrorCode.FRAMEWORK_UNKNOWN);
  t.match(error.message, /framework id fw-invented is unknown to this master .* subscribe without an id/);
  await invented.next('closed', () => invented.closed);
  t.equal(invented.closed?.code, CloseCode.POLICY);
  t.notOk(invented.received.some((e) => e.schedulerEvent?.offers), 'the invented framework gets no offers');
  t.same((await call(m.httpUrl, 'GET', '/api/v1/frameworks', undefined)).body, [], 'and is not registered');

  const real = await peer(t, m.url, 'scheduler');
  real.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: 'real', roles: ['*'], failoverTimeoutMs: 60_000 } } } });
  const frameworkId = await real.next('subscribed', (e) => e.schedulerEvent?.subscribed?.frameworkId);
  real.channel.close();
  await until('disconnected', async () => ((await call(m.httpUrl, 'GET', '/api/v1/frameworks', undefined)).body as unknown as { connected: boolean }[])[0]?.connected === false);
  const back = await peer(t, m.url, 'scheduler');
  back.send({ schedulerCall: { requestId: 'sub', subscribe: { frameworkId, framework: { name: 'real', roles: ['*'], failoverTimeoutMs: 60_000 } } } });
  t.equal(await back.next('subscribed again', (e) => e.schedulerEvent?.subscribed?.frameworkId), frameworkId, 'a failover keeps its id');
  t.ok(await back.next('offers', (e) => e.schedulerEvent?.offers), 'and gets offers');
});

t.test('an agent id the master never issued is refused; a real agent then registers afresh', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  const raw = await peer(t, m.url, 'agent');
  raw.send({ agentCall: { register: { agentId: 'agent-invented', agent: { hostname: 'liar', resources: { cpus: 8, memMb: 8192 } } } } });
  const error = await raw.next('error', (e) => e.agentEvent?.error);
  t.equal(error.code, ErrorCode.AGENT_UNKNOWN);
  t.match(error.message, /agent id agent-invented is unknown to this master/);
  await raw.next('closed', () => raw.closed);
  t.equal(raw.closed?.code, CloseCode.AGENT_REMOVED, 'the close tells an agent to register without its id');
  t.same((await call(m.httpUrl, 'GET', '/api/v1/agents', undefined)).body, []);

  const agent = await testAgent(t, m.url, 'hollow', { agentId: 'agent-made-up' });
  const id = await agent.whenRegistered();
  t.not(id, 'agent-made-up', 'the agent took the id the master gave it');
  const agents = (await call(m.httpUrl, 'GET', '/api/v1/agents', undefined)).body as unknown as { id: string }[];
  t.same(agents.map((a) => a.id), [id]);
});

t.test('after a failover the new leader accepts the real agents and frameworks it loaded', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const keyPrefix = uniquePrefix('auth-failover');
  const open = () => RedisStore.open({ url: redis.url, keyPrefix, commandTimeoutMs: 2_000 });
  const auth = authConfig();
  const storeA = await open();
  t.teardown(() => storeA.close());
  const a = await testMaster(t, { store: storeA, leaseMs: 1_000, auth });
  const storeB = await open();
  t.teardown(() => storeB.close());
  const b = await testMaster(t, { store: storeB, leaseMs: 1_000, auth });
  await until('a leads, b stands by', () => a.master.leadership === 'leading' && b.master.leadership === 'standby');
  const agent = await testAgent(t, `${a.url},${b.url}`, 'hollow', { agent: { token: TOKENS.agent } });
  const first = await agent.whenRegistered();
  t.equal(a.master.state().agents[0]?.id, first, 'registered with a');
  await a.close();
  await until('b leads', () => b.master.leadership === 'leading', 15_000);
  const again = await until('the agent is back, on b', () => {
    const found = b.master.state().agents.find((x) => x.id === first);
    return found?.connected ? found : undefined;
  }, 20_000);
  t.equal(again.id, first, 'the same id: the new leader knew it from the store');
  t.equal(b.master.state().agents.length, 1, 'and no second agent');
  t.equal((await call(b.httpUrl, 'GET', '/api/v1/agents', 'viewer')).status, 200);
});

t.test("an agent cannot report for another agent's tasks, nor a framework touch another's", async (t) => {
  const { m, agentId, fw, frameworkId } = await scriptedCluster(t);
  const stranger = await peer(t, m.url, 'agent');
  stranger.send({ agentCall: { register: { agent: { hostname: 'h2', resources: { cpus: 1, memMb: 512 } } } } });
  const strangerId = await stranger.next('registered', (e) => e.agentEvent?.registered?.agentId);
  const updates = () => fw.received.filter((e) => e.schedulerEvent?.update?.status?.taskId === 't1').length;
  const seen = updates();
  stranger.send({ agentCall: { update: { status: { taskId: 't1', state: TaskState.TASK_FAILED, uuid: 'u-forged', agentId } } } });
  await stranger.next('acknowledged (dropped)', (e) => (e.agentEvent?.acknowledge?.uuid === 'u-forged' ? true : undefined));
  const task = (await call(m.httpUrl, 'GET', '/api/v1/state', undefined)).body as { tasks: { id: string; state: string; agentId: string }[] };
  t.match(task.tasks, [{ id: 't1', state: 'RUNNING', agentId }], `t1 is still RUNNING on ${agentId}, not failed by ${strangerId}`);
  t.equal(updates(), seen, 'the framework heard nothing');

  const other = await peer(t, m.url, 'scheduler');
  other.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: 'other', roles: ['*'] } } } });
  await other.next('subscribed', (e) => e.schedulerEvent?.subscribed);
  const offerOfFw = fw.received.flatMap((e) => e.schedulerEvent?.offers?.offers ?? []).map((o) => o.id ?? '').at(-1) ?? '';
  const calls = {
    kill: { kill: { taskId: 't1' } },
    acknowledge: { acknowledge: { taskId: 't1', agentId, uuid: 'u-run' } },
    decline: { decline: { offerIds: [offerOfFw] } },
    accept: { accept: { offerIds: [offerOfFw], operations: [{ type: 1, tasks: [{ taskId: 'x1', name: 'x1', resources: { cpus: 0.1, memMb: 16 }, command: { value: 'true', shell: true } }] }] } },
  };
  const codes: Record<string, string> = {};
  for (const [name, body] of Object.entries(calls)) {
    other.send({ schedulerCall: { requestId: name, ...body } });
    codes[name] = (await other.next(`error for ${name}`, (e) => (e.schedulerEvent?.error?.requestId === name ? e.schedulerEvent.error.code : undefined))) ?? '';
  }
  t.same(codes, { kill: ErrorCode.TASK_UNKNOWN, acknowledge: ErrorCode.TASK_UNKNOWN, decline: offerOfFw ? ErrorCode.OFFER_NOT_OWNED : ErrorCode.OFFER_UNKNOWN, accept: offerOfFw ? ErrorCode.OFFER_NOT_OWNED : ErrorCode.OFFER_UNKNOWN });
  other.send({ schedulerCall: { requestId: 'rec', reconcile: { tasks: [{ taskId: 't1' }] } } });
  const answer = await other.next('reconcile answer', (e) => e.schedulerEvent?.update?.status);
  t.equal(answer.state, TaskState.TASK_LOST, "another framework's task is unknown to it, its state not told");
  const after = (await call(m.httpUrl, 'GET', '/api/v1/state', undefined)).body as { tasks: { id: string; state: string; frameworkId: string }[] };
  t.match(after.tasks, [{ id: 't1', state: 'RUNNING', frameworkId }]);
});

t.test("role names: Mesos' rules, at most 128 characters, no percent-encoding", async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50 });
  const long = `a${'b'.repeat(4999)}`;
  const fw = await peer(t, m.url, 'scheduler');
  fw.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: 'long', roles: [long] } } } });
  const error = await fw.next('error', (e) => e.schedulerEvent?.error);
  t.equal(error.code, ErrorCode.INVALID_CALL);
  t.match(error.message, /subscribe\.framework\.roles\[0\] "abbb.*…" must be at most 128 characters, not 5000/);
  t.ok((error.message ?? '').length < 300, 'the message does not repeat the whole name');
  for (const [path, why] of [
    [`/api/v1/roles/${long}`, /at most 128 characters/],
    ['/api/v1/roles/eng%2Fml', /"eng%2Fml" must be .* \(give it plain in the path, like \/api\/v1\/roles\/eng\/ml/],
    [`/api/v1/roles/eng/${'x'.repeat(65)}`, /path segments of at most 64 characters/],
    ['/api/v1/roles/eng/.hidden', /lower-case path segments/],
    ['/api/v1/roles/-eng', /lower-case path segments/],
  ] as const) {
    const answer = await call(m.httpUrl, 'PUT', path, undefined, { weight: 2 });
    t.equal(answer.status, 400, path.slice(0, 60));
    t.match(answer.body?.message, why);
  }
  t.equal((await call(m.httpUrl, 'PUT', '/api/v1/roles/eng/ml', undefined, { weight: 2 })).status, 200, 'a hierarchical role is named plainly');
  const roles = (await call(m.httpUrl, 'GET', '/api/v1/roles', undefined)).body as unknown as { name: string }[];
  t.same(roles.map((r) => r.name), ['eng/ml']);
  t.equal((await call(m.httpUrl, 'DELETE', '/api/v1/roles/eng/ml', undefined)).status, 200);
});
