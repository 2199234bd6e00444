// The rest of the Mesos scheduler API against a real master: LAUNCH_GROUP (all or nothing),
// RESERVE and UNRESERVE, SUPPRESS and REVIVE, SHUTDOWN, MESSAGE, and the RESCIND, FAILURE and
// ERROR events.
import t, { type Test } from 'tap';
import { testAgent } from '../helpers/cluster.js';
import { getState, testMaster } from '../helpers/master.js';
import { subscribe, taskResources, type MesosEventJson, type MesosStream } from '../helpers/mesos-http.js';
import { until } from '../helpers/poll.js';

interface Resource { name: string; scalar?: { value: number }; role: string; reservations?: { type: string; role: string }[] }
interface Offer { id: { value: string }; agent_id: { value: string }; resources: Resource[] }
type StartMasterOptions = Parameters<typeof testMaster>[1];

const offersOf = (e: MesosEventJson): Offer[] | undefined => (e.type === 'OFFERS' ? (e.offers as { offers: Offer[] }).offers : undefined);
const stateOf = (taskId: string, state: string) => (e: MesosEventJson): { message?: string; reason?: string } | undefined => {
  const s = e.type === 'UPDATE' ? (e.update as { status: { task_id: { value: string }; state: string; message?: string; reason?: string } }).status : undefined;
  return s?.task_id.value === taskId && s.state === state ? s : undefined;
};

async function setup(t: Test, options: StartMasterOptions = {}, roles = ['*']) {
  const master = await testMaster(t, options);
  const agent = await testAgent(t, master.url, 'hollow', { hostname: '127.0.0.1', cpus: 4, memMb: 4096 });
  const stream = await subscribe(t, master.httpUrl, { subscribe: { framework_info: { user: 'foo', name: 'calls', roles, capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 60 } } });
  const [offer] = await stream.next('an offer', offersOf);
  if (!offer) throw new Error('no offer');
  return { master, agent, stream, offer };
}

const task = (id: string, agentId: string, cpus = 0.5): Record<string, unknown> => ({ name: id, task_id: { value: id }, agent_id: { value: agentId }, command: { value: 'sleep 600' }, resources: taskResources(cpus, 32) });

function accept(stream: MesosStream, offer: Offer, operations: Record<string, unknown>[]): Promise<{ status: number; body: string }> {
  return stream.call({ type: 'ACCEPT', accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } } });
}

t.test('LAUNCH_GROUP runs a gang all together, or refuses all of it', async (t) => {
  const { stream, offer } = await setup(t);
  const agentId = offer.agent_id.value;
  const group = (ids: string[], cpus: number[]) => ({ type: 'LAUNCH_GROUP', launch_group: { executor: { type: 'DEFAULT' }, task_group: { tasks: ids.map((id, i) => task(id, agentId, cpus[i])) } } });
  const from = stream.events.length;
  t.equal((await accept(stream, offer, [group(['g1', 'g2'], [0.5, 0.5])])).status, 202);
  for (const id of ['g1', 'g2']) await stream.next(`${id} runs`, stateOf(id, 'TASK_RUNNING'));
  const [next] = await stream.next('another offer', offersOf, from);
  if (!next) throw new Error('no offer');
  // The second task asks for more than the agent has left: the whole group is refused.
  t.equal((await accept(stream, next, [group(['h1', 'h2'], [0.5, 64])])).status, 202);
  const refused = await stream.next('h1 refused', stateOf('h1', 'TASK_ERROR'));
  t.match(refused.message, /another task of its group was refused/);
  t.equal(refused.reason, 'REASON_TASK_INVALID');
  await stream.next('h2 refused', stateOf('h2', 'TASK_ERROR'));
});

t.test('RESERVE sets resources aside for the role, shown as reserved in later offers; UNRESERVE gives them back', async (t) => {
  const { stream, offer } = await setup(t, { roles: new Map([['eng', { weight: 1 }]]) }, ['eng']);
  const reserved = (o: Offer): number => o.resources.filter((r) => r.name === 'cpus' && r.reservations?.[0]?.role === 'eng').reduce((n, r) => n + (r.scalar?.value ?? 0), 0);
  t.equal(reserved(offer), 0, 'nothing reserved at first');
  const cpus = { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'foo' }] };
  let from = stream.events.length;
  t.equal((await accept(stream, offer, [{ type: 'RESERVE', reserve: { resources: [cpus] } }])).status, 202);
  const [withReservation] = await stream.next('an offer with the reservation', (e) => offersOf(e)?.filter((o) => reserved(o) > 0), from);
  if (!withReservation) throw new Error('no offer');
  t.equal(reserved(withReservation), 1, 'one cpu reserved for eng');
  t.equal(withReservation.resources.find((r) => r.reservations)?.role, 'eng', 'the deprecated role field names the role too');
  from = stream.events.length;
  t.equal((await accept(stream, withReservation, [{ type: 'UNRESERVE', unreserve: { resources: [cpus] } }])).status, 202);
  const [after] = await stream.next('an offer without it', offersOf, from);
  if (!after) throw new Error('no offer');
  t.equal(reserved(after), 0, 'the reservation is gone');
});

t.test('SUPPRESS stops offers for the roles until REVIVE', async (t) => {
  const { master, stream } = await setup(t);
  t.equal((await stream.call({ type: 'SUPPRESS', suppress: { roles: [] } })).status, 202);
  const framework = async () => (await getState(master.httpUrl)).frameworks.find((f) => f.id === stream.frameworkId);
  t.same((await framework())?.suppressedRoles, ['*'], 'every role of the framework is suppressed');
  t.equal((await stream.call({ type: 'REVIVE', revive: { roles: ['*'] } })).status, 202);
  t.same((await framework())?.suppressedRoles, [], 'REVIVE lifts it');
});

t.test('SHUTDOWN of a command task\'s executor kills the task; MESSAGE is taken', async (t) => {
  const { stream, offer } = await setup(t);
  t.equal((await accept(stream, offer, [{ type: 'LAUNCH', launch: { task_infos: [task('s1', offer.agent_id.value)] } }])).status, 202);
  await stream.next('s1 runs', stateOf('s1', 'TASK_RUNNING'));
  const message = await stream.call({ type: 'MESSAGE', message: { agent_id: offer.agent_id, executor_id: { value: 's1' }, data: Buffer.from('hello').toString('base64') } });
  t.equal(message.status, 202, 'MESSAGE is taken (berth has no executors to hand it to)');
  const shutdown = await stream.call({ type: 'SHUTDOWN', shutdown: { executor_id: { value: 's1' }, agent_id: offer.agent_id } });
  t.equal(shutdown.status, 202, shutdown.body);
  await stream.next('s1 killed', stateOf('s1', 'TASK_KILLED'));
});

t.test('an unanswered offer is rescinded: RESCIND', async (t) => {
  const { stream, offer } = await setup(t, { offerTimeoutMs: 300 });
  const rescind = await stream.next('RESCIND', (e) => (e.type === 'RESCIND' ? (e.rescind as { offer_id: { value: string } }) : undefined));
  t.same(rescind.offer_id, offer.id);
});

t.test('an agent removed from the cluster: FAILURE', async (t) => {
  const { agent, stream, offer } = await setup(t, { agentReregisterTimeoutMs: 100, agentGoneTimeoutMs: 300 });
  await agent.stop({ killTasks: false });
  const failure = await stream.next('FAILURE', (e) => (e.type === 'FAILURE' ? (e.failure as { agent_id: { value: string } }) : undefined));
  t.same(failure.agent_id, offer.agent_id);
});

t.test('subscribing again elsewhere ends the old stream with ERROR', async (t) => {
  const { master, stream } = await setup(t);
  const second = await subscribe(t, master.httpUrl, { framework_id: { value: stream.frameworkId }, subscribe: { framework_info: { user: 'foo', name: 'calls', id: { value: stream.frameworkId }, failover_timeout: 60 } } });
  t.equal(second.frameworkId, stream.frameworkId, 'the same framework');
  const error = await stream.next('ERROR', (e) => (e.type === 'ERROR' ? (e.error as { message: string }) : undefined));
  t.equal(error.message, 'Framework failed over');
  await until('the old stream ends', () => stream.ended);
  t.equal((await stream.call({ type: 'REVIVE' })).status, 403, 'the old stream id is no longer good');
  t.equal((await second.call({ type: 'REVIVE' })).status, 202, 'the new one is');
});
