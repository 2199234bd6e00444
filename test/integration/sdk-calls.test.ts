// The SDK's calls settle on the master's answer: Accepted resolves, Error rejects with a typed
// error (and is not also an error event), no connection rejects at once, a connection that closes
// first rejects saying the outcome is unknown. Against the fake master, on real sockets.
import t, { type Test } from 'tap';
import { CallErrorCode, SchedulerCallError, SchedulerClient, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import { CloseCode } from '../../protocol/index.js';
import { FakeMaster } from '../helpers/fake-master.js';
import { until } from '../helpers/poll.js';

async function subscribed(t: Test, master: FakeMaster): Promise<{ client: SchedulerClient; events: SchedulerEvent[] }> {
  const client = new SchedulerClient({ masterUrl: master.url, framework: { name: 'calls' }, reconnect: { initialMs: 20, maxMs: 50 } });
  t.teardown(() => client.close());
  const events: SchedulerEvent[] = [];
  void (async () => {
    for await (const e of client.events()) events.push(e);
  })();
  await until('subscribed', () => events.some((e) => e.type === 'subscribed'));
  return { client, events };
}

const rejection = (p: Promise<void>): Promise<SchedulerCallError | undefined> => p.then(() => undefined, (e: SchedulerCallError) => e);

t.test('every call resolves when the master accepts it, with its request id on the wire', async (t) => {
  const master = await FakeMaster.start(t);
  const { client } = await subscribed(t, master);
  await Promise.all([
    client.launch(['o1'], [{ taskId: 't1', resources: { cpus: 1 } }]),
    client.accept(['o2'], []),
    client.decline(['o3'], 5),
    client.kill('t1'),
    client.reconcile(),
    client.revive(),
    client.suppress(),
    client.requestGang('g', [{ cpus: 1 }]),
    client.cancelGang('g'),
  ]);
  const calls = master.schedulerCalls().filter((c) => !c.subscribe);
  t.equal(calls.length, 9);
  t.equal(new Set(calls.map((c) => c.requestId)).size, 9, 'each call has its own request id');
  t.same(calls.find((c) => c.decline)?.decline?.filters, { refuseSeconds: 5 });
});

t.test('a refusal rejects the call with the code, field and request id, and is no error event', async (t) => {
  const master = await FakeMaster.start(t);
  master.answer = (call) => (call.accept ? { code: 'OFFER_UNKNOWN', message: 'offer o1 is unknown', field: 'accept.offer_ids[0]' } : 'accept');
  const { client, events } = await subscribed(t, master);
  const err = await rejection(client.launch(['o1'], []));
  t.ok(err instanceof SchedulerCallError);
  t.equal(err?.code, 'OFFER_UNKNOWN');
  t.equal(err?.field, 'accept.offer_ids[0]');
  t.equal(err?.call, 'accept');
  t.equal(err?.requestId, master.schedulerCalls().find((c) => c.accept)?.requestId);
  t.equal(err?.mayHaveTakenEffect, false);
  t.match(err?.message, /offer o1 is unknown/);
  await client.revive();
  t.notOk(events.some((e) => e.type === 'error'), 'the awaited refusal is not repeated as an event');

  master.toFramework({ error: { code: 'INTERNAL', message: 'no call of yours', requestId: 'nobody' } });
  const unclaimed = await until('an error event', () => events.find((e) => e.type === 'error'));
  t.match(unclaimed, { error: { code: 'INTERNAL', requestId: 'nobody' } }, 'an error no call awaits stays an event');
});

t.test('without a connection a call rejects at once with NOT_CONNECTED', async (t) => {
  const client = new SchedulerClient({ masterUrl: 'ws://127.0.0.1:1', framework: { name: 'offline' } });
  const err = await rejection(client.decline(['o1']));
  t.equal(err?.code, CallErrorCode.NOT_CONNECTED);
  t.equal(err?.mayHaveTakenEffect, false);
  t.match(err?.message, /not connected/);
});

t.test('a connection that closes before the answer rejects the pending calls: outcome unknown', async (t) => {
  const master = await FakeMaster.start(t);
  master.answer = () => 'silent';
  const { client, events } = await subscribed(t, master);
  const pending = rejection(client.kill('t1'));
  await until('the kill reached the master', () => master.schedulerCalls().some((c) => c.kill));
  master.schedulers[0]?.channel.close(CloseCode.SHUTDOWN, 'master going away');
  const err = await pending;
  t.equal(err?.code, CallErrorCode.CONNECTION_CLOSED);
  t.equal(err?.mayHaveTakenEffect, true);
  t.match(err?.message, /may or may not have taken effect/);
  await until('re-subscribed', () => events.filter((e) => e.type === 'subscribed').length === 2);
  master.answer = () => 'accept';
  t.equal(await client.suppress(), undefined, 'calls work again on the new connection');
});

t.test('teardown resolves when the master closes the connection as torn down', async (t) => {
  const master = await FakeMaster.start(t);
  master.answer = (call) => {
    if (call.teardown) setImmediate(() => master.schedulers[0]?.channel.close(CloseCode.TORN_DOWN, 'torn down'));
    return 'silent';
  };
  const { client, events } = await subscribed(t, master);
  const outcome = await rejection(client.teardown());
  t.equal(outcome, undefined, 'teardown resolved');
  await until('the final disconnection', () => events.find((e) => e.type === 'disconnected' && e.code === CloseCode.TORN_DOWN));
});

t.test('a call that is never awaited does not become an unhandled rejection', async (t) => {
  const master = await FakeMaster.start(t);
  master.answer = () => ({ code: 'INVALID_CALL', message: 'no' });
  const { client } = await subscribed(t, master);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  t.teardown(() => process.off('unhandledRejection', onUnhandled));
  void client.revive();
  void client.suppress();
  await until('both refused', () => master.schedulerCalls().filter((c) => c.revive || c.suppress).length === 2);
  await rejection(client.revive());
  await new Promise((resolve) => setImmediate(resolve));
  t.same(unhandled, []);
});

t.test('each subscription carries the suppressed roles: the option, then every suppress() and revive()', async (t) => {
  const master = await FakeMaster.start(t);
  const client = new SchedulerClient({ masterUrl: master.url, framework: { name: 'quiet', roles: ['a', 'b'] }, suppressedRoles: ['a'], reconnect: { initialMs: 20, maxMs: 50 } });
  t.teardown(() => client.close());
  const events: SchedulerEvent[] = [];
  void (async () => {
    for await (const e of client.events()) events.push(e);
  })();
  const subscriptions = () => master.schedulerCalls().filter((c) => c.subscribe).map((c) => [...(c.subscribe?.suppressedRoles ?? [])].sort());
  const reconnected = async (n: number) => {
    master.schedulers.at(-1)?.channel.close(CloseCode.SHUTDOWN, 'master going away');
    await until(`subscription ${n}`, () => events.filter((e) => e.type === 'subscribed').length === n);
  };
  await until('subscribed', () => events.some((e) => e.type === 'subscribed'));
  await client.suppress(['b']);
  await reconnected(2);
  await client.revive(['a']);
  await reconnected(3);
  await client.suppress();
  await reconnected(4);
  await client.revive();
  await reconnected(5);
  t.same(subscriptions(), [['a'], ['a', 'b'], ['b'], ['a', 'b'], []]);
});

t.test('suppressedRoles must be roles of the framework', async (t) => {
  const err = (() => {
    try {
      new SchedulerClient({ masterUrl: 'ws://127.0.0.1:1', framework: { name: 'x', roles: ['a'] }, suppressedRoles: ['a', 'b'] });
    } catch (e) {
      return e as Error & { field?: string };
    }
    return undefined;
  })();
  t.match(err?.message, /suppressedRoles\[1\] must be one of framework\.roles \(a\)/);
  t.equal(err?.field, 'suppressedRoles[1]');
});
