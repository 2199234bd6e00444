// Authentication and ACLs on the agent and scheduler channels and the Mesos scheduler API: who may
// register agents and frameworks in which roles, launch as which users, and speak for an agent or
// framework id another principal registered. Every refusal leaves the cluster as it was.
import t from 'tap';
import { SchedulerClient, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import { CloseCode, ContainerType, ErrorCode } from '../../protocol/index.js';
import { authCluster, authConfig, bearer, call, TOKENS } from '../helpers/auth.js';
import { testAgent } from '../helpers/cluster.js';
import { testMaster } from '../helpers/master.js';
import { launchCall, subscribe, taskResources } from '../helpers/mesos-http.js';
import { peer, type Peer } from '../helpers/peer.js';
import { until } from '../helpers/poll.js';

const errorFor = (p: Peer, requestId: string) => p.next(`error for ${requestId}`, (e) => (e.schedulerEvent?.error?.requestId === requestId ? e.schedulerEvent.error : undefined));
const frameworksOf = async (httpUrl: string): Promise<string[]> =>
  ((await call(httpUrl, 'GET', '/api/v1/frameworks', 'admin')).body as unknown as { id: string }[]).map((f) => f.id);

t.test('SUBSCRIBE is refused, with no framework and no offers, unless the principal may register in every role', async (t) => {
  const { m, frameworkId } = await authCluster(t);
  const cases = [
    ['viewer', ['web']],
    ['web', ['ops']],
    ['web', ['web', 'ops']],
  ] as const;
  for (const [who, roles] of cases) {
    const fw = await peer(t, m.url, 'scheduler', bearer(who));
    fw.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: `fw-${who}`, roles: [...roles] } } } });
    const error = await errorFor(fw, 'sub');
    t.equal(error.code, ErrorCode.FORBIDDEN, `${who} in ${roles.join(',')}`);
    t.match(error.message, new RegExp(`^principal ${who} may not register a framework in role (web|ops)`));
    await fw.next('closed', () => fw.closed);
    t.equal(fw.closed?.code, CloseCode.POLICY, 'the connection closes for good, with the reason');
    t.notOk(fw.received.some((e) => e.schedulerEvent?.offers || e.schedulerEvent?.subscribed), 'no offers, no SUBSCRIBED');
  }
  t.same(await frameworksOf(m.httpUrl), [frameworkId], 'no framework was added');
  const sub = await peer(t, m.url, 'scheduler', bearer('web'));
  sub.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: 'web-api', roles: ['web/api'] } } } });
  t.ok(await sub.next('subscribed', (e) => e.schedulerEvent?.subscribed?.frameworkId), 'web/* allows a role below web');
});

t.test("scheduler calls count against the principal's rate limit, as its upgrade does", async (t) => {
  const { m } = await authCluster(t);
  const fw = await peer(t, m.url, 'scheduler', bearer('limited'));
  fw.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: 'slow', roles: ['slow'] } } } });
  t.ok(await fw.next('subscribed', (e) => e.schedulerEvent?.subscribed), 'the upgrade and SUBSCRIBE use the burst of two');
  fw.send({ schedulerCall: { requestId: 'revive', revive: {} } });
  const error = await errorFor(fw, 'revive');
  t.equal(error.code, ErrorCode.RATE_LIMITED);
  t.match(error.message, /principal limited is over its rate limit; retry in \d+ s/);
  t.equal(fw.closed, undefined, 'the connection stays open');
});

t.test('LAUNCH is checked per task (role, user); a refused ACCEPT launches nothing and leaves the offer', async (t) => {
  const { m, agent, fw } = await authCluster(t);
  // The first offer went to t1; the next one has what is left.
  const offer = await until('an offer for the rest', () => fw.received.flatMap((e) => e.schedulerEvent?.offers?.offers ?? [])[1]);
  const task = (id: string, user?: string) => ({ taskId: id, name: id, resources: { cpus: 0.5, memMb: 64 }, command: { value: 'true', shell: true }, ...(user === undefined ? {} : { container: { type: ContainerType.DOCKER, image: 'busybox', user } }) });
  const runTasks = () => agent.received.filter((e) => e.agentEvent?.runTask).length;
  const launchesBefore = runTasks();
  fw.send({ schedulerCall: { requestId: 'as-root', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('ok-1'), task('root-1', 'root')] }] } } });
  const error = await errorFor(fw, 'as-root');
  t.equal(error.code, ErrorCode.FORBIDDEN);
  t.equal(error.message, 'principal web may not launch task root-1 in role web as user root');
  const state = (await call(m.httpUrl, 'GET', '/api/v1/state', 'admin')).body as { tasks: { id: string }[] };
  t.same(state.tasks.map((x) => x.id), ['t1'], 'neither task of the refused ACCEPT exists');
  t.equal(runTasks(), launchesBefore, 'nothing was sent to the agent');
  fw.send({ schedulerCall: { requestId: 'as-nobody', accept: { offerIds: [offer.id ?? ''], operations: [{ type: 1, tasks: [task('ok-2', 'nobody')] }] } } });
  await fw.next('accepted', (e) => (e.schedulerEvent?.accepted?.requestId === 'as-nobody' ? true : undefined));
  t.ok(await agent.next('runTask ok-2', (e) => (e.agentEvent?.runTask?.task?.taskId === 'ok-2' ? true : undefined)), 'the same offer is still good');
});

t.test('an id registered by one principal cannot be taken over by another', async (t) => {
  const { m, agent, agentId, fw, frameworkId } = await authCluster(t);
  const thief = await peer(t, m.url, 'scheduler', bearer('admin'));
  thief.send({ schedulerCall: { requestId: 'sub', subscribe: { frameworkId, framework: { name: 'thief', roles: ['web'] } } } });
  const error = await errorFor(thief, 'sub');
  t.equal(error.code, ErrorCode.FORBIDDEN);
  t.match(error.message, `principal admin may not speak for framework ${frameworkId}: principal web registered it`);
  t.equal(fw.closed, undefined, 'the owner keeps its connection');
  const claim = await peer(t, m.url, 'scheduler', bearer('web'));
  claim.send({ schedulerCall: { requestId: 'sub', subscribe: { framework: { name: 'claims', roles: ['web'], principal: 'admin' } } } });
  t.match(await errorFor(claim, 'sub'), { code: ErrorCode.FORBIDDEN, message: /subscribe\.framework\.principal "admin" is not the authenticated principal web/ });
  const viewer = await call(m.httpUrl, 'GET', `/api/v1/frameworks/${frameworkId}`, 'admin');
  t.equal(viewer.body?.principal, 'web', 'the framework records the authenticated principal');

  const other = await peer(t, m.url, 'agent', bearer('admin'));
  other.send({ agentCall: { register: { agentId, agent: { hostname: 'evil', resources: { cpus: 64, memMb: 65_536 } } } } });
  const refused = await other.next('error', (e) => e.agentEvent?.error);
  t.equal(refused.code, ErrorCode.FORBIDDEN);
  t.match(refused.message, `principal admin may not speak for agent ${agentId}: principal agent registered it`);
  await other.next('closed', () => other.closed);
  t.equal(agent.closed, undefined, 'the real agent keeps its connection');
  const agents = (await call(m.httpUrl, 'GET', '/api/v1/agents', 'admin')).body as unknown as { id: string; hostname: string }[];
  t.same(agents.map((a) => [a.id, a.hostname]), [[agentId, 'h']], 'the agent is as it registered');
});

t.test('the SDK and the agent send their tokens; without one they stop with the reason', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50, auth: authConfig() });
  const agentWith = (token?: string) => testAgent(t, m.url, 'hollow', { hostname: 'sdk-host', agent: { reconnect: { initialMs: 20, maxMs: 100 }, ...(token ? { token } : {}) } });
  await t.rejects(agentWith(undefined), /HTTP 401\) UNAUTHENTICATED: authentication is required/);
  await t.rejects(agentWith(TOKENS.viewer), /HTTP 403\) FORBIDDEN: principal viewer may not register/);
  t.match((await agentWith(TOKENS.agent)).agentId, /^agent-/);

  const client = (token?: string) => {
    const c = new SchedulerClient({ masterUrl: m.url, framework: { name: 'sdk', roles: ['web'] }, ...(token ? { token } : {}), reconnect: { initialMs: 20, maxMs: 100 } });
    const events: SchedulerEvent[] = [];
    void (async () => {
      for await (const e of c.events()) events.push(e);
    })();
    t.teardown(() => c.close());
    return events;
  };
  const refused = client(undefined);
  const gone = await until('the client stops', () => refused.find((e) => e.type === 'disconnected'));
  t.match(gone, { reason: /UNAUTHENTICATED/ });
  const events = client(TOKENS.web);
  t.ok(await until('offers with the token', () => events.find((e) => e.type === 'offers')), 'the framework gets offers');
  const state = await call(m.httpUrl, 'GET', '/api/v1/frameworks', 'admin');
  t.equal((state.body as unknown as unknown[]).length, 1, 'only the one with the token is registered');
});

t.test('the Mesos scheduler API: SUBSCRIBE and ACCEPT are checked like berth ones, and calls must come from the subscriber', async (t) => {
  const m = await testMaster(t, { allocationIntervalMs: 50, auth: authConfig() });
  await testAgent(t, m.url, 'hollow', { agent: { token: TOKENS.agent } });
  const info = (roles: string[]) => ({ subscribe: { framework_info: { user: 'root', name: 'mesos-fw', roles, capabilities: [{ type: 'MULTI_ROLE' }] } } });
  const refused = await subscribe(t, m.httpUrl, info(['web']), bearer('viewer')).catch((err: { status: number; body: string }) => err);
  t.match(refused, { status: 403, body: /FORBIDDEN: principal viewer may not register a framework in role web/ });
  const none = await subscribe(t, m.httpUrl, info(['web'])).catch((err: { status: number; body: string }) => err);
  t.match(none, { status: 401 });
  t.same(await frameworksOf(m.httpUrl), [], 'no framework was added');
  const stream = await subscribe(t, m.httpUrl, info(['web']), bearer('web'));
  const offer = await stream.next('an offer', (e) => (e.type === 'OFFERS' ? (e.offers as { offers: { id: { value: string }; agent_id: { value: string } }[] }).offers[0] : undefined));
  if (!offer) throw new Error('an OFFERS event without offers');
  const task = { name: 'as-root', task_id: { value: 'as-root' }, agent_id: offer.agent_id, command: { value: 'true' }, resources: taskResources(0.1, 16) };
  t.equal((await stream.call(launchCall([offer.id], [task]), bearer('web'))).status, 202, 'Mesos answers a refused ACCEPT with updates of its tasks');
  const update = await stream.next('TASK_ERROR', (e) => (e.type === 'UPDATE' ? (e.update as { status: { state: string; reason: string; message: string } }).status : undefined));
  t.match(update, { state: 'TASK_ERROR', reason: 'REASON_TASK_UNAUTHORIZED', message: /FORBIDDEN: principal web may not launch task as-root in role web as user root/ });
  const state = (await call(m.httpUrl, 'GET', '/api/v1/state', 'admin')).body as { tasks: unknown[] };
  t.same(state.tasks, [], 'nothing was launched');
  const other = await stream.call({ type: 'REVIVE' }, bearer('admin'));
  t.equal(other.status, 403);
  t.match(other.body, /principal admin may not call for framework .*: principal web subscribed it/);
  t.equal((await stream.call({ type: 'REVIVE' }, bearer('web'))).status, 202);
});
