// The SDK's event queue: order, a waiting consumer, acknowledgement of the item the consumer has
// finished with (on the next pull or on leaving the loop), and the end of the stream.
import t from 'tap';
import { EventQueue } from '../../frameworks/sdk/event-queue.js';

t.test('items come out in the order they went in, before and after the consumer waits', async (t) => {
  const q = new EventQueue<number>();
  q.push(1);
  q.push(2);
  const it = q[Symbol.asyncIterator]();
  t.same(await it.next(), { value: 1, done: false });
  t.same(await it.next(), { value: 2, done: false });
  const waiting = it.next();
  q.push(3);
  t.same(await waiting, { value: 3, done: false });
});

t.test('onPull sees an item only once the consumer asks for the next one', async (t) => {
  const q = new EventQueue<string>();
  const pulled: string[] = [];
  q.onPull((previous) => pulled.push(previous));
  q.push('a');
  q.push('b');
  const it = q[Symbol.asyncIterator]();
  await it.next();
  t.same(pulled, [], 'a is still being handled');
  await it.next();
  t.same(pulled, ['a']);
  const waiting = it.next();
  t.same(pulled, ['a', 'b'], 'b is done once the consumer waits for more');
  q.push('c');
  await waiting;
  q.end();
  t.same(await it.next(), { value: undefined, done: true });
  t.same(pulled, ['a', 'b', 'c']);
});

t.test('leaving the loop finishes the held item and ends the queue', async (t) => {
  const q = new EventQueue<number>();
  const pulled: number[] = [];
  q.onPull((previous) => pulled.push(previous));
  q.push(1);
  q.push(2);
  for await (const n of q) {
    if (n === 1) break;
  }
  t.same(pulled, [1]);
  q.push(3);
  const rest: number[] = [];
  for await (const n of q) rest.push(n);
  t.same(rest, [2], 'what was queued before the end is still handed out; later pushes are dropped');
});

t.test('end() releases a waiting consumer and later pushes are dropped', async (t) => {
  const q = new EventQueue<number>();
  const it = q[Symbol.asyncIterator]();
  const waiting = it.next();
  q.end();
  t.same(await waiting, { value: undefined, done: true });
  q.push(1);
  t.same(await it.next(), { value: undefined, done: true });
});
