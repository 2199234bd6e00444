// The master's state stream over a real WebSocket: a watcher that applies the snapshot and the
// deltas stays equal to GET /api/v1/state through a thousand random changes (tasks launched and
// killed, agents drained, roles set), and through a dropped connection that it resumes.
import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import { dialText, watchState, type StreamFrame } from '../../protocol/index.js';
import { testAgent, testFramework } from '../helpers/cluster.js';
import { getState, testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

/** A small seeded generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const streamUrl = (wsUrl: string, query = ''): string => `${wsUrl}/api/v1/stream${query}`;

async function converged(httpUrl: string, doc: () => Record<string, unknown> | undefined): Promise<boolean> {
  return until('the watcher equal to GET /api/v1/state', async () => {
    const state = await getState(httpUrl);
    return isDeepStrictEqual(JSON.parse(JSON.stringify(doc() ?? {})), JSON.parse(JSON.stringify(state)));
  }, 15_000, 60);
}

t.test('a watcher stays equal to GET /api/v1/state through 1,000 random changes and a resumed reconnect', async (t) => {
  const master = await testMaster(t, { streamTickMs: 40 });
  const agents = [];
  for (let i = 0; i < 3; i++) agents.push(await testAgent(t, master.url, 'hollow', { cpus: 64, memMb: 65536, ports: [33000 + i * 100, 33099 + i * 100] }));
  const agentIds = await Promise.all(agents.map((a) => a.whenRegistered()));
  const fw = await testFramework(t, master.url);
  const stop = new AbortController();
  t.teardown(() => stop.abort());
  let frames = 0;
  let snapshots = 0;
  const reconnects: string[] = [];
  const watcher = watchState(streamUrl(master.url), {
    signal: stop.signal,
    onStatus: (m) => reconnects.push(m),
    onUpdate: (_doc, f) => {
      frames++;
      if (f.snapshot) snapshots++;
    },
  });
  await until('the first snapshot', () => watcher.doc);

  const rand = random(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const running: string[] = [];
  const drained = new Set<string>();
  let changes = 0;
  let taskNo = 0;
  let dropped = false;
  const statuses: string[] = [];
  for (let round = 0; changes < 1_000; round++) {
    const offers = fw.events.flatMap((e) => (e.type === 'offers' ? e.offers : []));
    const used = new Set(fw.events.flatMap((e) => (e.type === 'rescind' ? [e.offerId] : [])));
    const offer = offers.reverse().find((o) => !used.has(o.id) && !drained.has(o.agentId));
    const action = rand();
    if (action < 0.45 && offer) {
      const n = 5 + Math.floor(rand() * 15);
      const tasks = Array.from({ length: n }, () => ({ taskId: `s-${++taskNo}`, agentId: offer.agentId, resources: { cpus: 0.01, memMb: 1 }, command: { value: 'sleep', shell: true } }));
      fw.events.push({ type: 'rescind', offerId: offer.id });
      await fw.client.launch([offer.id], tasks, { refuseSeconds: 0 });
      running.push(...tasks.map((x) => x.taskId));
      changes += n;
    } else if (action < 0.7 && running.length > 0) {
      for (let k = 0; k < 1 + Math.floor(rand() * 6) && running.length > 0; k++) {
        const [id] = running.splice(Math.floor(rand() * running.length), 1);
        const task = (await getState(master.httpUrl)).tasks.find((x) => x.id === id);
        if (task) await fw.client.kill(id!, task.agentId);
        changes++;
      }
    } else if (action < 0.85) {
      const agent = pick(agentIds);
      const verb = drained.has(agent) ? 'undrain' : 'drain';
      const res = await fetch(`${master.httpUrl}/api/v1/agents/${agent}/${verb}`, { method: 'POST', body: verb === 'drain' ? '{"deadline":"1h"}' : '' });
      statuses.push(res.status === 200 ? 'ok' : `${verb} ${agent}: ${res.status}`);
      if (verb === 'drain') drained.add(agent);
      else drained.delete(agent);
      changes++;
    } else {
      const role = pick(['eng', 'ops', 'batch']);
      const res = rand() < 0.7
        ? await fetch(`${master.httpUrl}/api/v1/roles/${role}`, { method: 'PUT', body: JSON.stringify({ weight: 1 + Math.floor(rand() * 5) }) })
        : await fetch(`${master.httpUrl}/api/v1/roles/${role}`, { method: 'DELETE' });
      statuses.push(res.status === 200 || res.status === 404 ? 'ok' : `role ${role}: ${res.status}`);
      changes++;
    }
    if (!dropped && changes >= 500) {
      dropped = true;
      watcher.dropConnection();
    }
    await new Promise((r) => setTimeout(r, rand() < 0.3 ? 50 : 0));
  }
  t.comment(`${changes} changes, ${taskNo} tasks launched, ${frames} frames applied`);
  t.strictSame(statuses.filter((x) => x !== 'ok'), [], 'every drain, undrain and role call was taken');
  t.equal(await converged(master.httpUrl, () => watcher.doc), true, 'the watcher equals GET /api/v1/state');
  t.match(reconnects, [/closed \(4000.*resuming from version \d+/], 'the connection was dropped once and resumed');
  t.equal(snapshots, 1, 'the reconnect resumed from its last version: no second snapshot');
  const state = await getState(master.httpUrl);
  t.ok(state.tasks.length + state.completedTasks.length > 0, 'the changes left tasks in the state');
});

t.test('a resume from a version older than the kept deltas gets a fresh snapshot; bad queries are refused', async (t) => {
  const master = await testMaster(t, { streamTickMs: 20, streamHistory: 2 });
  const first = await dialText(streamUrl(master.url));
  const received: StreamFrame[] = [];
  first.onText((text) => received.push(JSON.parse(text) as StreamFrame));
  const snapshot = await until('a snapshot', () => received[0]);
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${master.httpUrl}/api/v1/roles/r${i}`, { method: 'PUT', body: '{"weight":2}' });
    t.equal(res.status, 200);
    await until(`delta ${i + 1}`, () => received.length >= i + 2);
  }
  first.close(1000, 'done');
  const resumed = await dialText(streamUrl(master.url, `?stream=${snapshot.stream}&since=${snapshot.version}`));
  const again: StreamFrame[] = [];
  resumed.onText((text) => again.push(JSON.parse(text) as StreamFrame));
  const frame = await until('the answer to a too-old resume', () => again[0]);
  t.ok('snapshot' in frame, 'a snapshot, since the deltas after that version are gone');
  t.ok(frame.version > snapshot.version);
  resumed.close(1000, 'done');

  for (const [query, field] of [['?include=agents,tasks,colour', 'include'], ['?since=3', 'since and stream'], ['?stream=x&since=-1', 'since']] as const) {
    await t.rejects(dialText(streamUrl(master.url, query)), new RegExp(`HTTP 400: .*${field}`), `${query} is refused naming ${field}`);
  }
  const res = await fetch(`${master.httpUrl}/health`);
  t.equal(res.status, 200, 'the master still serves');
});

t.test('a filtered stream carries only what it asked for', async (t) => {
  const master = await testMaster(t, { streamTickMs: 20 });
  await testAgent(t, master.url, 'hollow', { ports: [33500, 33599] });
  const fw = await testFramework(t, master.url, { name: 'mine' });
  const other = await testFramework(t, master.url, { name: 'other' });
  const frameworkId = (await fw.next('subscribed', (e) => (e.type === 'subscribed' ? e.frameworkId : undefined)));
  const stop = new AbortController();
  t.teardown(() => stop.abort());
  const watcher = watchState(streamUrl(master.url, `?include=tasks,frameworks&framework=${frameworkId}`), { signal: stop.signal, onUpdate: () => undefined });
  for (const f of [fw, other]) {
    const offer = await f.next('an offer', (e) => (e.type === 'offers' ? e.offers[0] : undefined));
    await f.client.launch([offer.id], [{ taskId: `${f === fw ? 'mine' : 'other'}-1`, agentId: offer.agentId, resources: { cpus: 0.1, memMb: 1 }, command: { value: 'x', shell: true } }]);
  }
  await until('two tasks in the state', async () => (await getState(master.httpUrl)).tasks.length === 2);
  const doc = await until('my task in the filtered stream', () => ((watcher.doc?.tasks as { id: string }[] | undefined)?.length === 1 ? watcher.doc : undefined));
  t.strictSame(Object.keys(doc).sort(), ['frameworks', 'tasks']);
  t.strictSame((doc.tasks as { id: string }[]).map((x) => x.id), ['mine-1']);
  t.strictSame((doc.frameworks as { name: string }[]).map((x) => x.name), ['mine']);
});
