// The channel and both sides of its handshake over the in-memory transport: Welcome, Refusal with
// the leader's URL, version checks, the heartbeat the master announces, malformed frames.
import t from 'tap';
import {
  acceptChannel,
  channelSettings,
  ChannelError,
  CloseCode,
  HelloKind,
  memoryTransportPair,
  openChannel,
  PROTOCOL_VERSION,
  type Channel,
  type HandshakeAnswer,
  type Route,
} from '../../protocol/index.js';
import { until } from '../helpers/poll.js';

function route(answer: HandshakeAnswer, opened: (c: Channel) => void = () => undefined): Route {
  return { kind: HelloKind.AGENT, handshake: () => answer, opened };
}

const welcome = (heartbeatIntervalMs = 0): HandshakeAnswer => ({ welcome: { masterId: 'm1', epoch: 3, heartbeatIntervalMs } });

t.test('a Welcome opens a channel both ways; the server fills in the protocol version', async (t) => {
  const { client, server } = memoryTransportPair();
  let serverSide: Channel | undefined;
  acceptChannel(server, route(welcome(), (c) => (serverSide = c)), channelSettings({}));
  const { channel, welcome: w } = await openChannel(client, 'memory://m1', { kind: HelloKind.AGENT, client: 'test' });
  t.equal(w.masterId, 'm1');
  t.equal(w.protocolVersion, PROTOCOL_VERSION);
  const got: string[] = [];
  serverSide?.onMessage((e) => got.push(e.agentCall?.register?.agentId ?? '?'));
  channel.send({ agentCall: { register: { agentId: 'a1' } } });
  await until('the frame arrives', () => got.length === 1);
  t.same(got, ['a1']);
  channel.close();
});

t.test('a refusal names the leader in a field, not only in the reason', async (t) => {
  const { client, server } = memoryTransportPair();
  const counters = channelSettings({}).counters;
  acceptChannel(server, route({ refuse: { code: CloseCode.NOT_LEADER, reason: 'not the leader', leaderUrl: 'ws://10.0.0.2:5050' } }), channelSettings({ counters }));
  const err = await openChannel(client, 'memory://standby', { kind: HelloKind.AGENT, client: 'test' }).catch((e: unknown) => e);
  t.type(err, ChannelError);
  const e = err as ChannelError;
  t.equal(e.closeCode, CloseCode.NOT_LEADER);
  t.equal(e.reason, 'not the leader');
  t.equal(e.leaderUrl, 'ws://10.0.0.2:5050');
  t.equal(e.final, false);
  t.equal(counters.handshakeFailures, 1);
});

t.test('a route that answers later holds the Hello: the Welcome comes when it settles; a peer gone meanwhile is not answered', async (t) => {
  let answer!: (a: HandshakeAnswer) => void;
  const later = (): Route => ({ kind: HelloKind.AGENT, handshake: () => new Promise<HandshakeAnswer>((r) => (answer = r)), opened: () => (opened += 1) });
  let opened = 0;
  const a = memoryTransportPair();
  acceptChannel(a.server, later(), channelSettings({}));
  let welcomed = false;
  const opening = openChannel(a.client, 'memory://m1', { kind: HelloKind.AGENT, client: 'test' }).then((x) => ((welcomed = true), x));
  await until('the Hello is held', () => answer !== undefined);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(welcomed, false, 'nothing answered while the route has not settled');
  answer(welcome());
  const { channel, welcome: w } = await opening;
  t.equal(w.epoch, 3);
  t.equal(opened, 1);
  channel.close();

  const b = memoryTransportPair();
  acceptChannel(b.server, later(), channelSettings({}));
  const gone = openChannel(b.client, 'memory://m1', { kind: HelloKind.AGENT, client: 'test', handshakeTimeoutMs: 50 }).catch((e: unknown) => e);
  t.type(await gone, ChannelError, 'the client gave up waiting');
  await until('the server side closed', () => !b.server.open);
  answer(welcome());
  await new Promise((r) => setTimeout(r, 10));
  t.equal(opened, 1, 'no channel opened for a peer that went away');
});

t.test('an open channel closed with a leader URL tells the close handlers', async (t) => {
  const { client, server } = memoryTransportPair();
  let serverSide: Channel | undefined;
  acceptChannel(server, route(welcome(), (c) => (serverSide = c)), channelSettings({}));
  const { channel } = await openChannel(client, 'memory://m1', { kind: HelloKind.AGENT, client: 'test' });
  const closed = new Promise<unknown[]>((resolve) => channel.onClose((...args) => resolve(args)));
  serverSide?.close(CloseCode.NOT_LEADER, 'stepped down', 'ws://m2:5050');
  t.same(await closed, [CloseCode.NOT_LEADER, 'stepped down', 'ws://m2:5050']);
});

t.test('a client of another protocol version is refused; a Welcome of another version is final', async (t) => {
  const a = memoryTransportPair();
  acceptChannel(a.server, route(welcome()), channelSettings({}));
  const b = memoryTransportPair();
  acceptChannel(b.server, route({ welcome: { masterId: 'm9', protocolVersion: PROTOCOL_VERSION + 1 } }), channelSettings({}));
  const err = await openChannel(b.client, 'memory://m9', { kind: HelloKind.AGENT, client: 'test' }).then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e as ChannelError);
  t.equal(err.closeCode, CloseCode.UNSUPPORTED_VERSION);
  t.equal(err.final, true);
  t.match(err.reason, /protocol version 2/);
  a.client.close(1000, '');
});

t.test('a peer that answers the Hello with something else is not a berth endpoint (final)', async (t) => {
  const { client, server } = memoryTransportPair();
  server.listen({ frame: () => server.sendText('HTTP/1.1 200 OK'), alive: () => undefined, tooBig: () => undefined, closed: () => undefined });
  const err = await openChannel(client, 'memory://other', { kind: HelloKind.AGENT, client: 'test' }).then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e as ChannelError);
  t.equal(err.closeCode, CloseCode.HANDSHAKE_FAILED);
  t.equal(err.final, true);
  t.match(err.reason, /not a berth endpoint/);
});

t.test('the wrong kind of client for an endpoint is refused with HANDSHAKE_FAILED', async (t) => {
  const { client, server } = memoryTransportPair();
  acceptChannel(server, route(welcome()), channelSettings({}));
  const err = await openChannel(client, 'memory://m1', { kind: HelloKind.SCHEDULER, client: 'test' }).then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e as ChannelError);
  t.equal(err.closeCode, CloseCode.HANDSHAKE_FAILED);
  t.match(err.reason, /SCHEDULER client cannot use this endpoint/);
});

t.test('the client pings at the interval the master announces, unless it was given one', async (t) => {
  const a = memoryTransportPair();
  acceptChannel(a.server, route(welcome(10)), channelSettings({ heartbeatIntervalMs: 60_000 }));
  const { channel } = await openChannel(a.client, 'memory://m1', { kind: HelloKind.AGENT, client: 'test' });
  t.same(channel.heartbeat, { intervalMs: 10, timeoutMs: 30 }, 'three intervals by default');
  await until('the master sees the pings', () => a.server.pingsReceived >= 3);
  channel.close();

  const b = memoryTransportPair();
  acceptChannel(b.server, route(welcome(10)), channelSettings({}));
  const own = await openChannel(b.client, 'memory://m1', { kind: HelloKind.AGENT, client: 'test', heartbeatIntervalMs: 50, heartbeatTimeoutMs: 20 });
  t.same(own.channel.heartbeat, { intervalMs: 50, timeoutMs: 100 }, 'an explicit interval wins; the timeout is never under two intervals');
  own.channel.close();

  t.same(channelSettings({}).heartbeatTimeoutMs, 15_000, 'the documented default: 15 s');
});

t.test('a silent peer is cut off with HEARTBEAT_TIMEOUT', async (t) => {
  const { client, server } = memoryTransportPair();
  acceptChannel(server, route(welcome()), channelSettings({}));
  const { channel } = await openChannel(client, 'memory://m1', { kind: HelloKind.AGENT, client: 'test', heartbeatIntervalMs: 10 });
  let code = 0;
  channel.onClose((c) => (code = c));
  client.cut();
  // The heartbeat timer does not hold the process open, so the test polls.
  t.equal(await until('cut off', () => code || undefined), CloseCode.HEARTBEAT_TIMEOUT);
});

t.test('a text frame on an open channel closes it with MALFORMED_FRAME and is counted', async (t) => {
  const { client, server } = memoryTransportPair();
  const settings = channelSettings({});
  let serverSide: Channel | undefined;
  acceptChannel(server, route(welcome(), (c) => (serverSide = c)), settings);
  const { channel } = await openChannel(client, 'memory://m1', { kind: HelloKind.AGENT, client: 'test' });
  await until('opened', () => serverSide);
  const closed = new Promise<number>((resolve) => channel.onClose((code) => resolve(code)));
  client.sendText('hello');
  t.equal(await closed, CloseCode.MALFORMED_FRAME);
  t.equal(settings.counters.malformedFrames, 1);
});

t.test('an aborted handshake rejects and drops the transport', async (t) => {
  const { client } = memoryTransportPair();
  const controller = new AbortController();
  const pending = openChannel(client, 'memory://silent', { kind: HelloKind.AGENT, client: 'test', signal: controller.signal });
  controller.abort();
  const err = await pending.then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e as ChannelError);
  t.equal(err.reason, 'aborted');
  t.equal(client.open, false);
});

t.test('a silent peer is cut off when the timeout has passed since it was last heard, not at a later ping tick', async (t) => {
  // Found from outside: the timeout was only checked at ping ticks, so a peer was cut off up to an
  // interval later than its timeout (here the timeout ends between two ticks, as it does whenever
  // the peer was last heard from between them).
  const { client, server } = memoryTransportPair();
  let serverSide: Channel | undefined;
  acceptChannel(server, route(welcome(), (c) => (serverSide = c)), channelSettings({ heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 2_200 }));
  const { channel } = await openChannel(client, 'memory://m1', { kind: HelloKind.AGENT, client: 'test', heartbeatIntervalMs: 60_000 });
  const opened = await until('the server side is open', () => serverSide);
  let lastHeardMs = 0;
  let closedAtMs = 0;
  let code = 0;
  opened.onMessage(() => (lastHeardMs = Date.now()));
  opened.onClose((c) => {
    code = c;
    closedAtMs = Date.now();
  });
  // Just after the server's first ping tick the peer sends a frame, the last the server hears.
  await until('the first ping', () => client.pingsReceived >= 1, 5_000, 5);
  channel.send({ agentCall: { register: { agentId: 'a1' } } });
  await until('the frame arrived', () => lastHeardMs || undefined, 5_000, 5);
  client.cut();
  await until('cut off', () => code || undefined, 10_000);
  t.equal(code, CloseCode.HEARTBEAT_TIMEOUT);
  const silentMs = closedAtMs - lastHeardMs;
  t.ok(silentMs >= 2_150, `not before the timeout (${silentMs} ms after it was last heard)`);
  t.ok(silentMs <= 2_600, `within the 2200 ms timeout and a little scheduling slack, not at the next tick (${silentMs} ms)`);
});
