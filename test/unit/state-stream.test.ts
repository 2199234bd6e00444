// The state stream's pieces without sockets: the keyed diff (applying it always gives the new
// document, and stays small for the common changes) and the publisher's versions and resumes.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import { applyStatePatch, diffState, StatePublisher, type StreamFrame } from '../../protocol/index.js';

const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const record = fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'x/y', 'm~n'), state: fc.constantFrom('RUNNING', 'STAGING', 'FINISHED'), n: fc.integer({ min: 0, max: 5 }), tags: fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }) });
const records = fc.uniqueArray(record, { selector: (r) => r.id, maxLength: 8 });
const doc = fc.record({
  tasks: records,
  agents: records,
  counters: fc.dictionary(fc.constantFrom('offers', 'launches', 'a/b', '~'), fc.integer()),
  leader: fc.option(fc.record({ url: fc.string({ maxLength: 4 }), epoch: fc.integer() })),
  epoch: fc.integer(),
  list: fc.array(fc.integer(), { maxLength: 5 }),
}, { requiredKeys: ['tasks', 'counters'] });

t.test('applying the diff of two documents to the first gives the second', async (t) => {
  fc.assert(fc.property(doc, doc, (prev, next) => {
    const patched = applyStatePatch(plain(prev) as Record<string, unknown>, diffState(plain(prev), plain(next)));
    return isDeepStrictEqual(plain(patched), plain(next));
  }), { numRuns: 500 });
  t.comment('500 random document pairs');
});

t.test('a task that ends among a thousand is one remove; a new one is one add; a changed field is one replace', async (t) => {
  const tasks = Array.from({ length: 1000 }, (_, i) => ({ id: `task-${i}`, state: 'RUNNING', health: '' }));
  const prev = { tasks, offers: 3 };
  const ended = { tasks: tasks.filter((x) => x.id !== 'task-10'), offers: 3 };
  t.strictSame(diffState(prev, ended), [{ op: 'remove', path: '/tasks/10' }]);
  const added = { tasks: [...tasks, { id: 'task-new', state: 'STAGING', health: '' }], offers: 3 };
  t.strictSame(diffState(prev, added), [{ op: 'add', path: '/tasks/-', value: { id: 'task-new', state: 'STAGING', health: '' } }]);
  const changed = { tasks: tasks.map((x) => (x.id === 'task-500' ? { ...x, health: 'healthy' } : x)), offers: 4 };
  t.strictSame(diffState(prev, changed), [
    { op: 'replace', path: '/tasks/500/health', value: 'healthy' },
    { op: 'replace', path: '/offers', value: 4 },
  ]);
  const reordered = { tasks: [tasks[1]!, tasks[0]!, ...tasks.slice(2)], offers: 3 };
  t.same(diffState(prev, reordered).map((o) => o.op), ['replace'], 'records that changed order replace the array');
});

function collect(): { frames: StreamFrame[]; sink: (text: string) => boolean } {
  const frames: StreamFrame[] = [];
  return { frames, sink: (text) => (frames.push(JSON.parse(text) as StreamFrame), true) };
}

t.test('the publisher sends a snapshot, then one patch per tick that changed something', async (t) => {
  let state: Record<string, unknown> = { tasks: [], n: 0 };
  const pub = new StatePublisher({ read: () => state });
  const all = { key: 'all', select: (d: Record<string, unknown>) => d };
  const a = collect();
  pub.subscribe(all, a.sink);
  t.match(a.frames, [{ version: 1, snapshot: { tasks: [], n: 0 } }]);
  pub.tick();
  t.equal(a.frames.length, 1, 'no change, no frame');
  state = { tasks: [{ id: 't1' }], n: 1 };
  pub.tick();
  t.match(a.frames[1], { version: 2, patch: [{ op: 'add', path: '/tasks/-' }, { op: 'replace', path: '/n', value: 1 }] });
  state = { tasks: [], n: 1 };
  pub.tick();

  const resumed = collect();
  pub.subscribe(all, resumed.sink, { stream: pub.id, version: 2 });
  t.strictSame(resumed.frames.map((f) => f.version), [3], 'a resume gets only what it missed');
  t.notOk('snapshot' in resumed.frames[0]!);

  const foreign = collect();
  pub.subscribe(all, foreign.sink, { stream: 'another-master', version: 2 });
  t.ok('snapshot' in foreign.frames[0]!, 'a resume point of another stream gets a snapshot');
});

t.test('a resume from a version older than the kept patches gets a snapshot', async (t) => {
  let n = 0;
  const pub = new StatePublisher({ read: () => ({ n }), historyLimit: 3 });
  const view = { key: 'all', select: (d: Record<string, unknown>) => d };
  const first = collect();
  pub.subscribe(view, first.sink);
  for (let i = 0; i < 10; i++) {
    n++;
    pub.tick();
  }
  const old = collect();
  pub.subscribe(view, old.sink, { stream: pub.id, version: 2 });
  t.equal(old.frames.length, 1);
  t.match(old.frames[0], { version: pub.version, snapshot: { n: 10 } });
  const recent = collect();
  pub.subscribe(view, recent.sink, { stream: pub.id, version: pub.version - 2 });
  t.strictSame(recent.frames.map((f) => ('patch' in f ? f.version : -1)), [pub.version - 1, pub.version]);
});

t.test('views are filtered documents with their own patches; a sink that refuses is dropped', async (t) => {
  let state: Record<string, unknown> = { tasks: [{ id: 'a', fw: 'f1' }], n: 0 };
  const pub = new StatePublisher({ read: () => state });
  const onlyF2 = { key: 'f2', select: (d: Record<string, unknown>) => ({ tasks: (d.tasks as { fw: string }[]).filter((x) => x.fw === 'f2') }) };
  const f2 = collect();
  pub.subscribe(onlyF2, f2.sink);
  state = { tasks: [{ id: 'a', fw: 'f1' }], n: 1 };
  pub.tick();
  t.equal(f2.frames.length, 1, 'a change outside the view sends nothing');
  let refused = 0;
  pub.subscribe(onlyF2, () => (refused++, refused === 1));
  state = { tasks: [{ id: 'a', fw: 'f1' }, { id: 'b', fw: 'f2' }], n: 1 };
  pub.tick();
  state = { tasks: [{ id: 'b', fw: 'f2' }], n: 1 };
  pub.tick();
  t.equal(f2.frames.length, 2);
  t.equal(refused, 2, 'the refusing sink got its snapshot and one patch, then no more');
  t.equal(pub.watchers, 1);
});
