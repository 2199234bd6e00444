// The scheduler client's connection to the masters over in-memory masters: a standby's Refusal
// leads to the leader, a dropped connection re-subscribes with the framework id, and REPLACED is
// final, so two processes of one framework id cannot evict each other for ever.
import t, { type Test } from 'tap';
import { SchedulerClient, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import { CloseCode, HelloKind, type Channel, type SessionStatus } from '../../protocol/index.js';
import { MemoryMaster, MemoryNet } from '../helpers/memory-net.js';
import { until } from '../helpers/poll.js';

const PATH = '/api/v1/scheduler';

/** A scheduler endpoint that subscribes frameworks and replaces an id's older connection, as the master does. */
function schedulerMaster(id: string): MemoryMaster {
  const m = new MemoryMaster(id, HelloKind.SCHEDULER);
  const holders = new Map<string, Channel>();
  let next = 1;
  m.onEnvelope = (e, channel) => {
    const subscribe = e.schedulerCall?.subscribe;
    if (!subscribe) return;
    const frameworkId = subscribe.frameworkId || `fw-${next++}`;
    const known = holders.get(frameworkId);
    if (known && known !== channel) known.close(CloseCode.REPLACED, 'the framework subscribed again on another connection');
    holders.set(frameworkId, channel);
    channel.send({ schedulerEvent: { subscribed: { frameworkId, masterId: id } } });
  };
  return m;
}

function client(t: Test, net: MemoryNet, masterUrl: string | string[], frameworkId = '', extra: { maxReconnectAttempts?: number } = {}) {
  const c = new SchedulerClient({ masterUrl, framework: { name: 'mem', roles: ['*'] }, frameworkId, dial: net.dial, reconnect: { initialMs: 5, maxMs: 20 }, ...extra });
  const events: SchedulerEvent[] = [];
  const statuses: SessionStatus[] = [];
  let ended = false;
  void (async () => {
    for await (const st of c.status()) statuses.push(st);
  })();
  void (async () => {
    for await (const e of c.events()) events.push(e);
    ended = true;
  })();
  t.teardown(() => c.close());
  return { c, events, statuses, ended: () => ended };
}

t.test('follows a standby\'s Refusal to the leader and subscribes there', async (t) => {
  const net = new MemoryNet();
  net.master(`ws://a:1${PATH}`, new MemoryMaster('a', HelloKind.SCHEDULER)).refuse = { code: CloseCode.NOT_LEADER, reason: 'standby', leaderUrl: 'ws://b:1' };
  net.master(`ws://b:1${PATH}`, schedulerMaster('b'));
  const { c, events, statuses } = client(t, net, 'ws://a:1');
  const sub = await until('subscribed', () => events.find((e) => e.type === 'subscribed'));
  t.match(sub, { frameworkId: 'fw-1', masterId: 'b', reconnected: false });
  t.equal(c.frameworkId, 'fw-1');
  t.match(statuses.find((s) => s.type === 'redirected'), { from: 'ws://a:1', to: 'ws://b:1' });
});

t.test('after a drop it re-subscribes with its id and asks for reconciliation', async (t) => {
  const net = new MemoryNet();
  const m = net.master(`ws://a:1${PATH}`, schedulerMaster('a'));
  const { events } = client(t, net, 'ws://a:1');
  await until('subscribed', () => events.find((e) => e.type === 'subscribed'));
  m.current?.close(CloseCode.SHUTDOWN, 'master restarting');
  const again = await until('re-subscribed', () => events.find((e) => e.type === 'subscribed' && e.reconnected));
  t.match(again, { frameworkId: 'fw-1' });
  t.match(events.find((e) => e.type === 'disconnected'), { code: CloseCode.SHUTDOWN });
  t.equal(m.received.filter((e) => e.schedulerCall?.subscribe)[1]?.schedulerCall?.subscribe?.frameworkId, 'fw-1');
  await until('reconcile sent', () => m.received.some((e) => e.schedulerCall?.reconcile));
});

t.test('acknowledgements made while re-subscribing wait for the subscription (never NOT_SUBSCRIBED)', async (t) => {
  const net = new MemoryNet();
  const m = net.master(`ws://a:1${PATH}`, new MemoryMaster('a', HelloKind.SCHEDULER));
  // What each connection saw, in order: its subscription being confirmed, and the acks it got.
  const seen: string[] = [];
  let held: (() => void) | undefined;
  m.onEnvelope = (e, channel) => {
    const subscribe = e.schedulerCall?.subscribe;
    if (e.schedulerCall?.acknowledge) seen.push(`ack ${e.schedulerCall.acknowledge.uuid ?? ''} on ${m.channels.indexOf(channel)}`);
    if (!subscribe) return;
    const confirm = (): void => {
      seen.push(`subscribed ${m.channels.indexOf(channel)}`);
      channel.send({ schedulerEvent: { subscribed: { frameworkId: 'fw-1', masterId: 'a' } } });
    };
    if (m.channels.length === 1) confirm();
    else held = confirm;
  };
  const c = new SchedulerClient({ masterUrl: 'ws://a:1', framework: { name: 'mem', roles: ['*'] }, dial: net.dial, reconnect: { initialMs: 5, maxMs: 20 }, autoAcknowledge: false });
  t.teardown(() => c.close());
  c.start();
  await until('subscribed', () => c.connected);
  m.current?.close(CloseCode.SHUTDOWN, 'master restarting');
  const release = await until('the second subscribe held', () => held);
  c.acknowledge({ agentId: 'a-1', taskId: 't1', uuid: 'u1' });
  // The memory transport delivers on the next turn, in order: an ack sent at once lands before this.
  await new Promise((resolve) => setImmediate(resolve));
  release();
  await until('the acknowledgement sent', () => seen.some((s) => s.startsWith('ack u1')));
  t.same(seen, ['subscribed 0', 'subscribed 1', 'ack u1 on 1'], 'the ack went out after the subscription, on the new connection');
});

t.test('REPLACED is final: a second process of the framework id takes over and the first stops', async (t) => {
  const net = new MemoryNet();
  const m = net.master(`ws://a:1${PATH}`, schedulerMaster('a'));
  const first = client(t, net, 'ws://a:1');
  await until('first subscribed', () => first.events.find((e) => e.type === 'subscribed'));
  const second = client(t, net, 'ws://a:1', first.c.frameworkId);
  await until('second subscribed', () => second.events.find((e) => e.type === 'subscribed'));
  await until('the first ended its events', () => first.ended());
  t.match(first.events.at(-1), { type: 'disconnected', code: CloseCode.REPLACED });
  t.match(first.statuses.at(-1), { type: 'gave-up' });
  t.equal(net.dials.length, 2, 'the first did not come back');
  t.equal(m.channels.length, 2);
  t.ok(second.c.connected, 'the second keeps its connection');
  t.notOk(second.ended());
});

t.test('gives up after maxReconnectAttempts, with the reason on the event stream', async (t) => {
  const net = new MemoryNet();
  const { events, ended } = client(t, net, ['ws://a:1', 'ws://b:1'], '', { maxReconnectAttempts: 2 });
  await until('ended', () => ended());
  t.equal(net.dials.length, 3, 'one attempt and two reconnection attempts');
  const last = events.at(-1);
  t.match(last, { type: 'disconnected', code: CloseCode.GOING_AWAY });
  t.match((last as { reason: string }).reason, /gave up after 3 failed attempts/);
});

t.test('a URL that is not a master ends the stream at once', async (t) => {
  const net = new MemoryNet();
  net.http(`ws://a:1${PATH}`, 404);
  const { events, ended } = client(t, net, 'ws://a:1');
  await until('ended', () => ended());
  t.match(events.at(-1), { type: 'disconnected', code: CloseCode.HANDSHAKE_FAILED, reason: /HTTP 404/ });
  t.equal(net.dials.length, 1);
});

t.test('a malformed master URL is refused when the client is built', async (t) => {
  t.throws(() => new SchedulerClient({ masterUrl: 'localhost:5050', framework: { name: 'x' } }), /masterUrl "localhost:5050" has the scheme localhost/);
});

t.test('an aborted signal closes the client: no connection, the events end', async (t) => {
  const net = new MemoryNet();
  net.master(`ws://a:1${PATH}`, schedulerMaster('a'));
  const controller = new AbortController();
  controller.abort();
  const c = new SchedulerClient({ masterUrl: 'ws://a:1', framework: { name: 'x' }, dial: net.dial, signal: controller.signal });
  const events: SchedulerEvent[] = [];
  for await (const e of c.events()) events.push(e);
  t.same(events, []);
  t.equal(net.dials.length, 0);
});
