// Bad input to the Mesos scheduler API: each refusal has the documented status and a plain
// message, and changes nothing (no framework, no task, the offer still outstanding). A standby
// redirects Mesos schedulers to the leader.
import t, { type Test } from 'tap';
import { RedisStore } from '../../master/store/index.js';
import { testAgent } from '../helpers/cluster.js';
import { getState, testMaster } from '../helpers/master.js';
import { launchCall, post, subscribe, taskResources, type MesosEventJson, type MesosStream } from '../helpers/mesos-http.js';
import { until } from '../helpers/poll.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';

const INFO = { framework_info: { user: 'foo', name: 'Example HTTP Framework' } };
type Offer = { id: { value: string }; agent_id: { value: string } };
const offersOf = (e: MesosEventJson): Offer[] | undefined => (e.type === 'OFFERS' ? (e.offers as { offers: Offer[] }).offers : undefined);

async function setup(t: Test): Promise<{ httpUrl: string; a: MesosStream; b: MesosStream; offer: Offer }> {
  const master = await testMaster(t);
  await testAgent(t, master.url, 'process', { hostname: '127.0.0.1', ports: [31300, 31309] });
  const a = await subscribe(t, master.httpUrl, { subscribe: INFO });
  const [offer] = await a.next('an offer', offersOf);
  if (!offer) throw new Error('no offer');
  const b = await subscribe(t, master.httpUrl, { subscribe: { framework_info: { user: 'bar', name: 'Another framework' } } });
  return { httpUrl: master.httpUrl, a, b, offer };
}

function accept(offer: Offer, task: Record<string, unknown> = {}): Record<string, unknown> {
  return launchCall([offer.id], [{ name: 't', task_id: { value: 'mesos-bad' }, agent_id: offer.agent_id, command: { value: 'sleep 30' }, resources: taskResources(0.1, 16), ...task }]);
}

/** What a refused call must leave as it was: frameworks, tasks, outstanding offers. */
async function snapshot(httpUrl: string): Promise<unknown> {
  const s = await getState(httpUrl);
  return { frameworks: s.frameworks.map((f) => f.id).sort(), tasks: s.tasks.map((x) => x.id), offers: s.offers };
}

t.test('malformed bodies and unknown calls are 400 with a message', async (t) => {
  const { httpUrl, a } = await setup(t);
  const before = await snapshot(httpUrl);
  const headers = { 'Mesos-Stream-Id': a.streamId };
  const cases: [string, string, RegExp][] = [
    ['malformed JSON', '{"type": "SUBSCRIBE", ', /not JSON/],
    ['not an object', '[1, 2]', /call must be a message/],
    ['an unknown call type', JSON.stringify({ framework_id: { value: a.frameworkId }, type: 'LAUNCH_MISSILES' }), /type must be one of SUBSCRIBE, .*got "LAUNCH_MISSILES"/],
    ['no call type', JSON.stringify({ framework_id: { value: a.frameworkId } }), /type must be one of/],
    ['a call berth does not support', JSON.stringify({ framework_id: { value: a.frameworkId }, type: 'UPDATE_FRAMEWORK', update_framework: INFO }), /UPDATE_FRAMEWORK is not supported/],
    ['a call without its framework id', JSON.stringify({ type: 'REVIVE' }), /framework_id.value must not be empty/],
    ['a KILL without a task id', JSON.stringify({ framework_id: { value: a.frameworkId }, type: 'KILL', kill: {} }), /kill.task_id.value must not be empty/],
    ['an ACKNOWLEDGE whose uuid is not base64', JSON.stringify({ framework_id: { value: a.frameworkId }, type: 'ACKNOWLEDGE', acknowledge: { task_id: { value: 'x' }, agent_id: { value: 'y' }, uuid: '!!' } }), /acknowledge.uuid must be base64/],
    ['a SUBSCRIBE without a name', JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'x' } } }), /subscribe.framework_info.name must not be empty/],
  ];
  for (const [what, body, message] of cases) {
    const answer = await post(httpUrl, body, what.includes('SUBSCRIBE') ? {} : headers);
    t.equal(answer.status, 400, `${what}: 400`);
    t.match(answer.body, message, `${what}: the message says why (${answer.body.trim()})`);
    t.match(answer.headers['content-type'], /^text\/plain/);
  }
  const subscribeWithStream = await post(httpUrl, JSON.stringify({ type: 'SUBSCRIBE', subscribe: INFO }), headers);
  t.equal(subscribeWithStream.status, 400, 'a SUBSCRIBE must not carry a stream id');
  t.equal((await post(httpUrl, '<call/>', { 'content-type': 'application/xml' })).status, 415, 'a body that is neither JSON nor protobuf');
  t.equal((await post(httpUrl, JSON.stringify({ type: 'SUBSCRIBE', subscribe: INFO }), { accept: 'text/html' })).status, 406, 'a stream in neither JSON nor protobuf');
  t.same(await snapshot(httpUrl), before, 'nothing changed');
});

t.test('calls before SUBSCRIBE, without a stream id or with another framework\'s are 403, and change nothing', async (t) => {
  const { httpUrl, a, b, offer } = await setup(t);
  const before = await snapshot(httpUrl);
  const unknown = await post(httpUrl, JSON.stringify({ framework_id: { value: 'fw-never-subscribed' }, type: 'REVIVE' }), { 'Mesos-Stream-Id': a.streamId });
  t.equal(unknown.status, 403, 'a framework that never subscribed');
  t.match(unknown.body, /not subscribed/);
  const noStream = await post(httpUrl, JSON.stringify({ framework_id: { value: a.frameworkId }, ...accept(offer) }));
  t.equal(noStream.status, 403, 'no Mesos-Stream-Id');
  t.match(noStream.body, /Mesos-Stream-Id/);
  const stolen = await a.call(accept(offer), { 'Mesos-Stream-Id': b.streamId });
  t.equal(stolen.status, 403, 'the stream id of another framework');
  t.match(stolen.body, /is not the stream of framework/);
  const byOther = await b.call(accept(offer));
  t.equal(byOther.status, 202, 'another framework accepting the offer is taken, as Mesos does');
  await b.next('the refusal as an update', (e) => (e.type === 'UPDATE' ? e : undefined));
  t.same(await snapshot(httpUrl), before, 'no task launched, the offer still outstanding');
  t.notOk(a.events.some((e) => e.type === 'UPDATE'), 'framework a heard of no task');

  const bad = await a.call(accept(offer, { container: { type: 'DOCKER', docker: { network: 'BRIDGE' } } }));
  t.equal(bad.status, 400, 'a task berth cannot run as asked');
  t.match(bad.body, /container.docker.image must not be empty.*container.docker.network must be HOST/);
  t.same(await snapshot(httpUrl), before, 'nothing changed');
  const good = await a.call(accept(offer));
  t.equal(good.status, 202, 'the offer is still good for a valid ACCEPT');
  await a.next('the task runs', (e) => (e.type === 'UPDATE' && (e.update as { status: { state: string } }).status.state === 'TASK_RUNNING' ? e : undefined));
});

t.test('a standby answers 307 with the leader in Location', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const keyPrefix = uniquePrefix();
  const stores = await Promise.all([0, 1].map(() => RedisStore.open({ url: redis.url, keyPrefix, commandTimeoutMs: 2_000 })));
  t.teardown(() => Promise.all(stores.map((s) => s.close())));
  const leader = await testMaster(t, { store: stores[0], leaseMs: 2_000 });
  await until('a leader', () => leader.master.leadership === 'leading');
  const standby = await testMaster(t, { store: stores[1], leaseMs: 2_000 });
  await until('a standby that knows the leader', () => standby.master.leadership === 'standby' && standby.master.leader?.masterId === leader.master.id);
  const answer = await post(standby.httpUrl, JSON.stringify({ type: 'SUBSCRIBE', subscribe: INFO }));
  t.equal(answer.status, 307);
  t.equal(answer.headers.location, `${leader.httpUrl}/api/v1/scheduler`);
  const stream = await subscribe(t, leader.httpUrl, { subscribe: INFO });
  t.ok(stream.frameworkId, 'the leader takes the subscription');
});
