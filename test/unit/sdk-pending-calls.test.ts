// The pending-call tracker without sockets: answers settle the call with the same request id only,
// a close settles the calls sent on that connection only, and teardown counts a TORN_DOWN close as done.
import t from 'tap';
import { CallErrorCode, SchedulerCallError } from '../../frameworks/sdk/index.js';
import { PendingCalls, notConnected, type Closable } from '../../frameworks/sdk/pending-calls.js';
import { CloseCode } from '../../protocol/index.js';

class FakeConnection implements Closable {
  #handlers: ((code: number, reason: string) => void)[] = [];
  onClose(handler: (code: number, reason: string) => void): void {
    this.#handlers.push(handler);
  }
  close(code: number, reason = ''): void {
    for (const h of this.#handlers) h(code, reason);
  }
  get listeners(): number {
    return this.#handlers.length;
  }
}

const outcome = (p: Promise<void>): Promise<'resolved' | SchedulerCallError> => p.then(() => 'resolved' as const, (e: SchedulerCallError) => e);

t.test('an answer settles only the call with its request id', async (t) => {
  const calls = new PendingCalls();
  const conn = new FakeConnection();
  const a = outcome(calls.add('a', 'decline', conn));
  const b = outcome(calls.add('b', 'accept', conn));
  t.equal(conn.listeners, 1, 'one close listener per connection, however many calls');
  t.equal(calls.accept('nobody'), false);
  t.equal(calls.refuse('', { code: 'X', message: 'm', field: '' }), false, 'an error without a request id is nobody\'s');
  t.equal(calls.accept('a'), true);
  t.equal(calls.refuse('b', { code: 'OFFER_UNKNOWN', message: 'gone', field: 'accept.offer_ids[0]' }), true);
  t.equal(await a, 'resolved');
  const err = await b;
  t.ok(err instanceof SchedulerCallError);
  t.match(err, { code: 'OFFER_UNKNOWN', field: 'accept.offer_ids[0]', requestId: 'b', call: 'accept', mayHaveTakenEffect: false });
  t.equal(calls.accept('a'), false, 'a call is settled once');
  t.equal(calls.size, 0);
});

t.test('a close rejects the calls sent on that connection as of unknown outcome', async (t) => {
  const calls = new PendingCalls();
  const [old, current] = [new FakeConnection(), new FakeConnection()];
  const lost = outcome(calls.add('1', 'kill', old));
  const teardown = outcome(calls.add('2', 'teardown', old));
  const other = outcome(calls.add('3', 'revive', current));
  old.close(CloseCode.HEARTBEAT_TIMEOUT, 'no heartbeat from peer');
  const err = await lost;
  t.match(err, { code: CallErrorCode.CONNECTION_CLOSED, mayHaveTakenEffect: true });
  t.match((err as SchedulerCallError).message, /4004 no heartbeat from peer.*may or may not have taken effect/);
  t.match(await teardown, { code: CallErrorCode.CONNECTION_CLOSED }, 'teardown is done only when closed as torn down');
  t.equal(calls.size, 1, 'the call on the other connection still waits');
  calls.accept('3');
  t.equal(await other, 'resolved');
});

t.test('teardown resolves when its connection closes as TORN_DOWN', async (t) => {
  const calls = new PendingCalls();
  const conn = new FakeConnection();
  const teardown = outcome(calls.add('t', 'teardown', conn));
  const kill = outcome(calls.add('k', 'kill', conn));
  conn.close(CloseCode.TORN_DOWN, 'torn down');
  t.equal(await teardown, 'resolved');
  t.match(await kill, { code: CallErrorCode.CONNECTION_CLOSED });
});

t.test('a call that never left, or that had no connection, had no effect', async (t) => {
  const calls = new PendingCalls();
  const p = outcome(calls.add('x', 'suppress', new FakeConnection()));
  calls.fail('x', new RangeError('frame of 2000000 bytes is over the limit'));
  t.match(await p, { code: CallErrorCode.NOT_SENT, mayHaveTakenEffect: false, message: /over the limit/ });
  t.match(await outcome(notConnected('accept')), { code: CallErrorCode.NOT_CONNECTED, mayHaveTakenEffect: false });
});
