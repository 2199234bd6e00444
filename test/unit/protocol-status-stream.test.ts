// The status stream: every subscriber sees what comes after it subscribed, in order; the end
// releases them all; a consumer that never reads keeps only the newest entries.
import t from 'tap';
import { StatusStream } from '../../protocol/index.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

t.test('each subscriber sees the items after it subscribed, until the end', async (t) => {
  const s = new StatusStream<number>();
  const early = collect(s.subscribe());
  s.publish(1);
  const late = collect(s.subscribe());
  s.publish(2);
  s.end();
  s.publish(3);
  t.same(await early, [1, 2]);
  t.same(await late, [2]);
  t.same(await collect(s.subscribe()), [], 'a subscriber after the end is done at once');
});

t.test('a consumer that falls behind keeps the newest entries only', async (t) => {
  const s = new StatusStream<number>(3);
  const it = s.subscribe();
  for (let i = 1; i <= 10; i++) s.publish(i);
  s.end();
  t.same(await collect(it), [8, 9, 10]);
});

t.test('leaving the loop unsubscribes', async (t) => {
  const s = new StatusStream<string>();
  const seen: string[] = [];
  const done = (async () => {
    for await (const x of s.subscribe()) {
      seen.push(x);
      break;
    }
  })();
  s.publish('a');
  await done;
  s.publish('b');
  t.same(seen, ['a']);
});
