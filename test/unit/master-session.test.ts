// The master session over in-memory masters: URL lists, structured leader redirects, rotation,
// backoff, final close codes, failing fast on what is not a master, the status stream, stopping.
import t from 'tap';
import { CloseCode, HelloKind, MasterSession, MasterSessionError, SessionErrorCode, type MasterSessionOptions, type SessionStatus } from '../../protocol/index.js';
import { MemoryMaster, MemoryNet } from '../helpers/memory-net.js';
import { until } from '../helpers/poll.js';

const PATH = '/api/v1/agent';
const A = 'ws://a:5050';
const B = 'ws://b:5050';
const C = 'ws://c:5050';

function session(net: MemoryNet, masterUrl: string | string[], extra: Partial<MasterSessionOptions> = {}) {
  const waits: number[] = [];
  const s = new MasterSession({
    masterUrl,
    path: PATH,
    kind: HelloKind.AGENT,
    client: 'test',
    dial: net.dial,
    // random 1: the backoff is its cap, 100, 200, 400, 400...
    reconnect: { initialMs: 100, maxMs: 400, random: () => 1 },
    sleep: async (ms) => void waits.push(ms),
    ...extra,
  });
  const statuses: SessionStatus[] = [];
  void (async () => {
    for await (const st of s.status()) statuses.push(st);
  })();
  return { s, waits, statuses };
}

/** Runs the session, registering each connection as ready once it opens. */
function runReady(s: MasterSession) {
  return s.run((c) => c.ready());
}

t.test('masterUrl: one URL, a list or comma-separated; endpoint paths and slashes are dropped', async (t) => {
  const net = new MemoryNet();
  t.same(session(net, A).s.urls, [A]);
  t.same(session(net, [`${A}/`, `${B}${PATH}`]).s.urls, [A, B]);
  t.same(session(net, ` ${A}, http://b:5050 ,${A}`).s.urls, [A, B], 'http is taken as ws; duplicates go');
});

t.test('a bad URL fails at once, naming each problem', async (t) => {
  const net = new MemoryNet();
  const err = t.throws(() => session(net, 'localhost:5050,tcp://x:1,ws://ok:1,not a url')) as unknown as MasterSessionError;
  t.type(err, MasterSessionError);
  t.equal(err.code, SessionErrorCode.INVALID_URL);
  t.match(err.message, /"localhost:5050" has the scheme localhost/);
  t.match(err.message, /"tcp:\/\/x:1" has the scheme tcp/);
  t.match(err.message, /"not a url" is not a URL/);
  t.throws(() => session(net, ' , '), /at least one master/);
  t.equal(net.dials.length, 0, 'nothing dialled');
});

t.test('a standby\'s Refusal leads to the leader named in its field, at once', async (t) => {
  const net = new MemoryNet();
  const standby = net.master(`${A}${PATH}`, new MemoryMaster('a'));
  // The reason names another URL: only the field counts.
  standby.refuse = { code: CloseCode.NOT_LEADER, reason: 'leader is ws://decoy:1', leaderUrl: `${C}/` };
  const leader = net.master(`${C}${PATH}`, new MemoryMaster('c'));
  const { s, waits, statuses } = session(net, [A, B]);
  void runReady(s);
  await until('connected to the leader', () => leader.channels.length === 1);
  t.same(net.dials, [`${A}${PATH}`, `${C}${PATH}`]);
  t.same(waits, [], 'the first redirect is followed without waiting');
  t.equal(s.url, C);
  t.same(statuses.map((st) => st.type), ['connecting', 'disconnected', 'redirected', 'connecting', 'connected']);
  t.match(statuses[2], { type: 'redirected', from: A, to: C });
  await s.close();
});

t.test('a refusal that names the leader only in its reason text is not followed', async (t) => {
  const net = new MemoryNet();
  net.master(`${A}${PATH}`, new MemoryMaster('a')).refuse = { code: CloseCode.NOT_LEADER, reason: `leader is ${C}` };
  const b = net.master(`${B}${PATH}`, new MemoryMaster('b'));
  const { s, waits } = session(net, [A, B]);
  void runReady(s);
  await until('connected to the next configured master', () => b.channels.length === 1);
  t.same(net.dials, [`${A}${PATH}`, `${B}${PATH}`]);
  t.same(waits, [100]);
  await s.close();
});

t.test('redirects in a row back off, so two standbys that name each other do not spin', async (t) => {
  const net = new MemoryNet();
  net.master(`${A}${PATH}`, new MemoryMaster('a')).refuse = { code: CloseCode.NOT_LEADER, reason: 'standby', leaderUrl: B };
  net.master(`${B}${PATH}`, new MemoryMaster('b')).refuse = { code: CloseCode.NOT_LEADER, reason: 'standby', leaderUrl: A };
  const { s, waits } = session(net, [A], { maxAttempts: 4 });
  const end = await runReady(s);
  t.match(end, { type: 'gave-up', code: CloseCode.NOT_LEADER });
  t.same(waits, [200, 400], 'no wait for the first redirect, then backoff');
  t.same(net.dials, [A, B, A, B].map((u) => `${u}${PATH}`));
});

t.test('a master that names itself (elected, still loading) is asked again after the first backoff step', async (t) => {
  const net = new MemoryNet();
  net.master(`${A}${PATH}`, new MemoryMaster('a')).refuse = { code: CloseCode.NOT_LEADER, reason: 'taking over as leader; retry shortly', leaderUrl: A };
  net.master(`${B}${PATH}`, new MemoryMaster('b'));
  const { s, waits } = session(net, [A, B], { maxAttempts: 3 });
  const end = await runReady(s);
  t.match(end, { type: 'gave-up', code: CloseCode.NOT_LEADER });
  t.same(net.dials, [A, A, A].map((u) => `${u}${PATH}`), 'never moved on to b');
  t.same(waits, [100, 100], 'the first step of the backoff each time');
});

t.test('a followed leader that cannot be reached sends the session back to the master that named it', async (t) => {
  const net = new MemoryNet();
  // b is a standby that still names the dead leader c; a is not there at all.
  net.master(`${B}${PATH}`, new MemoryMaster('b')).refuse = { code: CloseCode.NOT_LEADER, reason: `leader is ${C}`, leaderUrl: C };
  const { s, waits } = session(net, [A, B], { maxAttempts: 5 });
  await runReady(s);
  t.same(net.dials, [A, B, C, B, C].map((u) => `${u}${PATH}`), 'after c failed: b again, not a');
  t.same(waits, [100, 400], 'each redirect to c followed at once; a failure of c backs off');
});

t.test('an open connection closed with a leader URL is followed', async (t) => {
  const net = new MemoryNet();
  const a = net.master(`${A}${PATH}`, new MemoryMaster('a'));
  const b = net.master(`${B}${PATH}`, new MemoryMaster('b'));
  const { s } = session(net, [A]);
  void runReady(s);
  await until('connected to a', () => a.current);
  a.current?.close(CloseCode.NOT_LEADER, 'stepped down', `${B}${PATH}`);
  await until('connected to b', () => b.channels.length === 1);
  t.equal(s.url, B);
  await s.close();
});

t.test('failures rotate through the list with growing, capped backoff; connection refused is retried', async (t) => {
  const net = new MemoryNet();
  const { s, waits, statuses } = session(net, [A, B, C], { maxAttempts: 5 });
  const end = await runReady(s);
  t.same(net.dials, [A, B, C, A, B].map((u) => `${u}${PATH}`));
  t.same(waits, [100, 200, 400, 400]);
  t.equal(end.type, 'gave-up');
  const error = (end as { error: MasterSessionError }).error;
  t.equal(error.code, SessionErrorCode.GAVE_UP);
  t.match(error.message, /gave up after 5 failed attempts.*ECONNREFUSED/);
  t.match(statuses.at(-1), { type: 'gave-up' });
  t.match(statuses.filter((st) => st.type === 'connecting').map((st) => (st as { attempt: number }).attempt), [1, 2, 3, 4, 5]);
});

t.test('a master that starts late is reached once it is up', async (t) => {
  const net = new MemoryNet();
  const a = new MemoryMaster('a');
  let tries = 0;
  const { s } = session(net, [A], {
    sleep: async () => {
      if (++tries === 3) net.master(`${A}${PATH}`, a);
    },
  });
  void runReady(s);
  await until('connected', () => a.current);
  t.equal(net.dials.length, 4);
  await s.close();
});

t.test('ready() starts the attempt count and backoff again', async (t) => {
  const net = new MemoryNet();
  const a = net.master(`${A}${PATH}`, new MemoryMaster('a'));
  const { s, waits } = session(net, [A], { maxAttempts: 2 });
  const ended = runReady(s);
  await until('connected', () => a.current);
  a.current?.close(CloseCode.SHUTDOWN, 'master stopping');
  await until('connected again', () => a.channels.length === 2);
  a.current?.close(CloseCode.SHUTDOWN, 'master stopping');
  await until('connected a third time', () => a.channels.length === 3);
  t.same(waits, [100, 100], 'each drop after a ready connection waits the first backoff');
  net.down(`${A}${PATH}`);
  a.current?.close(CloseCode.SHUTDOWN, 'master stopping');
  const end = await ended;
  t.match(end, { type: 'gave-up', connected: false });
  t.same(waits, [100, 100, 100]);
});

t.test('a connection that is never ready keeps counting attempts', async (t) => {
  const net = new MemoryNet();
  const a = net.master(`${A}${PATH}`, new MemoryMaster('a'));
  a.onEnvelope = (_e, channel) => channel.close(CloseCode.SHUTDOWN, 'no');
  const { s, waits } = session(net, [A], { maxAttempts: 3 });
  const end = await s.run((c) => c.channel.send({ agentCall: { register: {} } }));
  t.match(end, { type: 'gave-up', connected: true });
  t.same(waits, [100, 200]);
});

for (const [name, code] of [['REPLACED', CloseCode.REPLACED], ['TORN_DOWN', CloseCode.TORN_DOWN], ['POLICY', CloseCode.POLICY]] as const) {
  t.test(`${name} on an open connection is final: no reconnect`, async (t) => {
    const net = new MemoryNet();
    const a = net.master(`${A}${PATH}`, new MemoryMaster('a'));
    const { s, statuses } = session(net, [A, B]);
    const ended = runReady(s);
    await until('connected', () => a.current);
    a.current?.close(code, 'someone else');
    const end = await ended;
    t.match(end, { type: 'gave-up', code, connected: true });
    t.equal((end as { error: MasterSessionError }).error.code, SessionErrorCode.REFUSED);
    t.equal(net.dials.length, 1);
    await until('the status stream ended', () => statuses.at(-1)?.type === 'gave-up');
    t.equal(s.state, 'gave-up');
  });
}

t.test('final codes can be chosen per client', async (t) => {
  const net = new MemoryNet();
  const a = net.master(`${A}${PATH}`, new MemoryMaster('a'));
  const { s } = session(net, [A], { finalCodes: new Set([CloseCode.POLICY]) });
  void runReady(s);
  await until('connected', () => a.current);
  a.current?.close(CloseCode.REPLACED, 'replaced');
  await until('reconnected', () => a.channels.length === 2);
  t.equal(s.state, 'connected');
  await s.close();
});

t.test('fails fast on what is not a master: an HTTP 404 or another protocol version', async (t) => {
  const net = new MemoryNet();
  net.http(`${A}${PATH}`, 404);
  const first = session(net, [A, B]);
  const end = await runReady(first.s);
  t.match(end, { type: 'gave-up' });
  const error = (end as { error: MasterSessionError }).error;
  t.equal(error.code, SessionErrorCode.NOT_A_MASTER);
  t.match(error.message, /HTTP 404/);
  t.same(net.dials, [`${A}${PATH}`], 'tried once');

  const net2 = new MemoryNet();
  net2.master(`${A}${PATH}`, new MemoryMaster('a')).refuse = { code: CloseCode.UNSUPPORTED_VERSION, reason: 'protocol version 1 is not supported' };
  const second = await runReady(session(net2, [A]).s);
  t.match(second, { type: 'gave-up', code: CloseCode.UNSUPPORTED_VERSION });
  t.equal(net2.dials.length, 1);
});

t.test('an HTTP 503 (a proxy before a starting master) is retried', async (t) => {
  const net = new MemoryNet();
  net.http(`${A}${PATH}`, 503);
  const end = await runReady(session(net, [A], { maxAttempts: 3 }).s);
  t.equal((end as { error: MasterSessionError }).error.code, SessionErrorCode.GAVE_UP);
  t.equal(net.dials.length, 3);
});

t.test('the signal stops the session while connected and while waiting', async (t) => {
  const net = new MemoryNet();
  const a = net.master(`${A}${PATH}`, new MemoryMaster('a'));
  const controller = new AbortController();
  const { s, statuses } = session(net, [A], { signal: controller.signal });
  const ended = runReady(s);
  await until('connected', () => a.current);
  const serverSaw = new Promise<number>((resolve) => a.current?.onClose((code) => resolve(code)));
  controller.abort();
  t.same(await ended, { type: 'stopped' });
  t.equal(await serverSaw, CloseCode.NORMAL);
  t.equal(s.state, 'stopped');
  t.equal(statuses.at(-1)?.type, 'connected', 'stopping is not a disconnection to report');

  const net2 = new MemoryNet();
  const c2 = new AbortController();
  const waiting = session(net2, [A], { signal: c2.signal, sleep: (_ms, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve())) });
  const ended2 = runReady(waiting.s);
  await until('waiting', () => waiting.s.state === 'waiting');
  c2.abort();
  t.same(await ended2, { type: 'stopped' });
});

t.test('close() sends its code and reason; a closed session does not run', async (t) => {
  const net = new MemoryNet();
  const a = net.master(`${A}${PATH}`, new MemoryMaster('a'));
  const { s } = session(net, [A]);
  void runReady(s);
  await until('connected', () => a.current);
  const closed = new Promise<[number, string]>((resolve) => a.current?.onClose((code, reason) => resolve([code, reason])));
  await s.close(CloseCode.NORMAL, 'agent stopping');
  t.same(await closed, [CloseCode.NORMAL, 'agent stopping']);

  const never = session(net, [A]).s;
  await never.close();
  t.same(await runReady(never), { type: 'stopped' });
  t.equal(a.channels.length, 1, 'no new connection');
});

t.test('a redirect to an unusable URL is ignored and the list is rotated', async (t) => {
  const net = new MemoryNet();
  net.master(`${A}${PATH}`, new MemoryMaster('a')).refuse = { code: CloseCode.NOT_LEADER, reason: 'standby', leaderUrl: 'gopher://x' };
  const b = net.master(`${B}${PATH}`, new MemoryMaster('b'));
  const { s } = session(net, [A, B]);
  void runReady(s);
  await until('connected to b', () => b.current);
  t.equal(s.url, B);
  await s.close();
});

t.test('a cut connection is noticed by heartbeats and the session reconnects', async (t) => {
  const net = new MemoryNet();
  const a = net.master(`${A}${PATH}`, new MemoryMaster('a'));
  const { s, statuses } = session(net, [A], { channel: { heartbeatIntervalMs: 10 } });
  void runReady(s);
  await until('connected', () => a.current);
  net.connections[0]?.cut();
  await until('connected again', () => a.channels.length === 2);
  t.match(statuses.find((st) => st.type === 'disconnected'), { code: CloseCode.HEARTBEAT_TIMEOUT, connected: true });
  await s.close();
});
