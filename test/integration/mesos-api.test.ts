// The Mesos v1 scheduler HTTP API against a real master and a process agent, call by call, with
// JSON bodies written after the examples in Mesos' scheduler HTTP API documentation. The event
// stream is read by an independent RecordIO parser.
import { read } from '@dcos/recordio';
import t, { type Test } from 'tap';
import { testAgent } from '../helpers/cluster.js';
import { getState, testMaster } from '../helpers/master.js';
import { launchCall, subscribe, taskResources, type MesosEventJson, type MesosStream } from '../helpers/mesos-http.js';
import { until } from '../helpers/poll.js';

interface Resource { name: string; type: string; scalar?: { value: number }; ranges?: { range: { begin: number; end: number }[] }; role: string; allocation_info: { role: string } }
interface Offer { id: { value: string }; agent_id: { value: string }; hostname: string; resources: Resource[]; attributes: { name: string; type: string; text: { value: string } }[]; allocation_info: { role: string }; url: { address: { ip?: string } } }
interface Status { task_id: { value: string }; state: string; source: string; reason?: string; uuid?: string; agent_id?: { value: string }; message?: string }

const offersOf = (e: MesosEventJson): Offer[] | undefined => (e.type === 'OFFERS' ? (e.offers as { offers: Offer[] }).offers : undefined);
const statusOf = (taskId: string, state: string) => (e: MesosEventJson): Status | undefined => {
  const s = e.type === 'UPDATE' ? (e.update as { status: Status }).status : undefined;
  return s && s.task_id.value === taskId && s.state === state ? s : undefined;
};

async function cluster(t: Test): Promise<{ httpUrl: string; agentId: string; stream: MesosStream; offer: Offer }> {
  const master = await testMaster(t, { mesosHeartbeatIntervalMs: 300 });
  const agent = await testAgent(t, master.url, 'process', { hostname: '127.0.0.1', attributes: { rack: 'r1' }, ports: [31000, 31009] });
  const stream = await subscribe(t, master.httpUrl, {
    subscribe: { framework_info: { user: 'foo', name: 'Example HTTP Framework', roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 60 } },
  });
  const [offer] = await stream.next('an offer', offersOf);
  if (!offer) throw new Error('an OFFERS event without offers');
  return { httpUrl: master.httpUrl, agentId: agent.agentId ?? '', stream, offer };
}

function launch(stream: MesosStream, offer: Offer, taskId: string, command: Record<string, unknown>): Promise<{ status: number; body: string }> {
  const task = { name: 'My Task', task_id: { value: taskId }, agent_id: offer.agent_id, command, resources: taskResources(0.1, 32) };
  return stream.call(launchCall([offer.id], [task], { refuse_seconds: 0 }));
}

t.test('SUBSCRIBE opens a RecordIO stream: SUBSCRIBED, OFFERS, HEARTBEAT', async (t) => {
  const { agentId, stream, offer } = await cluster(t);
  t.match(stream.streamId, /^[0-9a-f-]{36}$/, 'the answer carries a Mesos-Stream-Id');
  t.equal(stream.response.headers['content-type'], 'application/json');
  t.equal(stream.response.headers['transfer-encoding'], 'chunked', 'the stream is chunked');
  const subscribed = stream.events[0] as { type: string; subscribed: { framework_id: { value: string }; heartbeat_interval_seconds: number } };
  t.equal(subscribed.type, 'SUBSCRIBED', 'the stream begins with SUBSCRIBED');
  t.ok(subscribed.subscribed.framework_id.value, 'with a framework id');
  t.equal(subscribed.subscribed.heartbeat_interval_seconds, 0.3, 'and the heartbeat interval it keeps');

  t.equal(offer.agent_id.value, agentId);
  t.equal(offer.hostname, '127.0.0.1');
  t.equal(offer.url.address.ip, '127.0.0.1', 'the agent address is in the offer url');
  t.same(offer.attributes, [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }]);
  t.same(offer.allocation_info, { role: '*' });
  const byName = new Map(offer.resources.map((r) => [r.name, r]));
  t.same(byName.get('cpus'), { name: 'cpus', type: 'SCALAR', scalar: { value: 4 }, role: '*', allocation_info: { role: '*' } });
  t.equal(byName.get('mem')?.scalar?.value, 4096);
  t.equal(byName.get('disk')?.scalar?.value, 1000);
  t.same(byName.get('ports')?.ranges, { range: [{ begin: 31000, end: 31009 }] });

  await stream.next('two heartbeats', (e) => (stream.events.filter((x) => x.type === 'HEARTBEAT').length >= 2 ? e : undefined));
  const [records, rest] = read(stream.raw);
  t.equal(rest, '', 'the stream holds whole records only');
  t.same(records.map((r) => (JSON.parse(r) as MesosEventJson).type), stream.events.map((e) => e.type), 'the independent parser reads the same events');
});

t.test('ACCEPT with LAUNCH runs a command; UPDATEs carry TASK_* states, sources and base64 uuids; ACKNOWLEDGE is 202', async (t) => {
  const { httpUrl, stream, offer } = await cluster(t);
  const accepted = await launch(stream, offer, 'mesos-echo', { shell: true, value: 'echo hello' });
  t.equal(accepted.status, 202, accepted.body);
  const finished = await stream.next('FINISHED', statusOf('mesos-echo', 'TASK_FINISHED'));
  t.same(stream.states('mesos-echo'), ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
  t.equal(finished.source, 'SOURCE_AGENT', 'berth agents run tasks themselves (no executor)');
  t.ok(finished.uuid && Buffer.from(finished.uuid, 'base64').length > 0, 'the uuid is base64 bytes');
  t.equal(finished.agent_id?.value, offer.agent_id.value);
  const state = await getState(httpUrl);
  t.ok([...state.tasks, ...state.completedTasks].some((x) => x.id === 'mesos-echo' && x.frameworkId === stream.frameworkId), 'the task is in the master state like any other');
  for (const e of stream.events) {
    const s = e.type === 'UPDATE' ? (e.update as { status: Status }).status : undefined;
    if (!s?.uuid) continue;
    const ack = await stream.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } });
    t.equal(ack.status, 202, `ACKNOWLEDGE of ${s.state}: ${ack.body}`);
  }
  // Acknowledged to the end, the finished task leaves the live registry.
  await until('the task is retired', async () => !(await getState(httpUrl)).tasks.some((x) => x.id === 'mesos-echo' && x.state !== 'FINISHED'));
});

t.test('a command without a shell runs value with its arguments', async (t) => {
  const { stream, offer } = await cluster(t);
  const accepted = await launch(stream, offer, 'mesos-argv', { shell: false, value: '/bin/sh', arguments: ['sh', '-c', 'exit 3'] });
  t.equal(accepted.status, 202, accepted.body);
  const failed = await stream.next('FAILED', statusOf('mesos-argv', 'TASK_FAILED'));
  t.equal(failed.reason, 'REASON_COMMAND_EXECUTOR_FAILED');
});

t.test('KILL gives TASK_KILLED; RECONCILE answers with REASON_RECONCILIATION; KILL of an unknown task answers TASK_LOST', async (t) => {
  const { stream, offer } = await cluster(t);
  t.equal((await launch(stream, offer, 'mesos-sleep', { value: 'sleep 60' })).status, 202);
  await stream.next('RUNNING', statusOf('mesos-sleep', 'TASK_RUNNING'));

  const from = stream.events.length;
  const reconcile = await stream.call({ type: 'RECONCILE', reconcile: { tasks: [{ task_id: { value: 'mesos-sleep' }, agent_id: offer.agent_id }] } });
  t.equal(reconcile.status, 202);
  const answer = await stream.next('a reconciliation answer', statusOf('mesos-sleep', 'TASK_RUNNING'), from);
  t.equal(answer.reason, 'REASON_RECONCILIATION');
  t.equal(answer.source, 'SOURCE_MASTER');
  t.notOk(answer.uuid, 'a reconciliation answer needs no acknowledgement');

  const kill = await stream.call({ type: 'KILL', kill: { task_id: { value: 'mesos-sleep' }, agent_id: offer.agent_id } });
  t.equal(kill.status, 202, kill.body);
  await stream.next('KILLED', statusOf('mesos-sleep', 'TASK_KILLED'));

  const unknown = await stream.call({ type: 'KILL', kill: { task_id: { value: 'no-such-task' } } });
  t.equal(unknown.status, 202, 'as in Mesos, the kill is taken and answered by an update');
  const lost = await stream.next('LOST', statusOf('no-such-task', 'TASK_LOST'));
  t.equal(lost.reason, 'REASON_RECONCILIATION');
});

t.test('DECLINE with filters keeps the agent from this framework; REVIVE clears the filter', async (t) => {
  const { stream, offer } = await cluster(t);
  const declined = await stream.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } } });
  t.equal(declined.status, 202, declined.body);
  const again = await stream.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } } });
  t.equal(again.status, 202, 'declining an offer that is gone is ignored, as Mesos does');
  const from = stream.events.length;
  t.equal((await stream.call({ type: 'REVIVE', revive: {} })).status, 202);
  const [offered] = await stream.next('an offer after REVIVE', offersOf, from);
  t.equal(offered?.agent_id.value, offer.agent_id.value, 'the declined agent is offered again');
  t.not(offered?.id.value, offer.id.value, 'in a new offer');
});

t.test('an ACCEPT on an offer that is gone answers its tasks TASK_LOST with REASON_INVALID_OFFERS', async (t) => {
  const { stream, offer } = await cluster(t);
  t.equal((await stream.call({ type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } } })).status, 202);
  const accepted = await launch(stream, offer, 'mesos-late', { value: 'true' });
  t.equal(accepted.status, 202);
  const lost = await stream.next('LOST', statusOf('mesos-late', 'TASK_LOST'));
  t.equal(lost.reason, 'REASON_INVALID_OFFERS');
  t.match(lost.message, /OFFER_UNKNOWN/);
});

t.test('TEARDOWN removes the framework and ends its stream', async (t) => {
  const { httpUrl, stream, offer } = await cluster(t);
  t.equal((await launch(stream, offer, 'mesos-doomed', { value: 'sleep 60' })).status, 202);
  await stream.next('RUNNING', statusOf('mesos-doomed', 'TASK_RUNNING'));
  const teardown = await stream.call({ type: 'TEARDOWN' });
  t.equal(teardown.status, 202, teardown.body);
  await until('the stream ends', () => stream.ended);
  const state = await getState(httpUrl);
  t.notOk(state.frameworks.some((f) => f.id === stream.frameworkId), 'the framework is gone');
  t.notOk(state.tasks.some((x) => x.id === 'mesos-doomed'), 'with its tasks');
  const after = await stream.call({ type: 'REVIVE' });
  t.equal(after.status, 403, 'a torn-down framework is not subscribed');
});
