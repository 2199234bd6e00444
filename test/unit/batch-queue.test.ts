// The batch queue: priority and FIFO within a role, a gang's reservation with backfill around
// it, a stream of small jobs that cannot starve a gang, and properties over random snapshots.
import t from 'tap';
import fc from 'fast-check';
import {
  compareEntries, planQueue, type EntryDecision, type QueueEntry, type QueuePlan, type QueueSnapshot, type RolePool, type RunningTask, type Shape,
} from '../../frameworks/batch/queue.js';

const NOW = 1_000_000;
const cpus = (n: number): Shape => ({ cpus: n, memMb: n * 1024, diskMb: 0 });
let seq = 0;
function entry(key: string, over: Partial<QueueEntry> = {}): QueueEntry {
  return { key, jobId: `/${key}`, role: '*', priority: 0, seq: seq++, tasks: 1, resources: cpus(1), gang: false, maxDurationMs: undefined, ...over };
}
function pool(free: Record<string, number>, running: RunningTask[] = []): RolePool {
  return { agents: Object.entries(free).map(([agentId, n]) => ({ agentId, free: cpus(n) })), running };
}
const byKey = (plan: QueuePlan) => Object.fromEntries(plan.decisions.map((d) => [d.key, d]));

t.test('higher priority first, FIFO among equals', async (t) => {
  const plan = planQueue({
    nowMs: NOW,
    pools: { '*': pool({ a: 2 }) },
    entries: [entry('low', { priority: 1 }), entry('first'), entry('high', { priority: 5 }), entry('second')],
  });
  t.same(plan.decisions.map((d) => d.key), ['high', 'low', 'first', 'second']);
  t.same(plan.decisions.map((d) => d.start.length), [1, 1, 0, 0]);
  t.match(byKey(plan).first, { reason: 'no-capacity', message: '1 task(s) of 1 cpus, 1024 MB memory wait for tasks started without a deadline' });
  t.equal(byKey(plan).second?.reason, 'no-capacity');
  t.same(plan.reservations, [], 'no time can be reserved behind tasks that have no end');
});

t.test('roles are queued apart, each on its own pool', async (t) => {
  const plan = planQueue({
    nowMs: NOW,
    pools: { '*': pool({ a: 1 }), batch: pool({ b: 1 }) },
    entries: [entry('x', { role: 'batch', priority: 9 }), entry('y'), entry('z', { role: 'ml' })],
  });
  const d = byKey(plan);
  t.same(d.x?.start, ['b']);
  t.same(d.y?.start, ['a']);
  t.match(d.z, { reason: 'no-pool', held: 1, message: 'no capacity is offered to role ml' });
});

t.test('a parallel job starts what fits and reserves what the pool can hold for the rest', async (t) => {
  const render = entry('render', { tasks: 50, resources: cpus(1), maxDurationMs: 60_000 });
  const plan = planQueue({ nowMs: NOW, pools: { '*': pool({ a: 4, b: 6 }) }, entries: [render, entry('after', { maxDurationMs: 1 })] });
  const [d] = plan.decisions;
  t.equal(d?.start.length, 10);
  t.equal(d?.held, 40);
  t.match(d, { reason: 'reserved', message: /40 task\(s\) of 1 cpus, 1024 MB memory wait; 10 reserved from / });
  t.match(plan.reservations[0], { key: 'render', atMs: NOW + 60_000 });
  t.equal(plan.reservations[0]?.agents.length, 10, 'its tasks run in waves: one wave is reserved');
  const single = planQueue({ nowMs: NOW, pools: { '*': pool({ a: 4, b: 6 }) }, entries: [entry('wide', { resources: cpus(7) }), entry('fits')] });
  t.match(single.decisions[0], { reason: 'too-large', message: "a task of 7 cpus, 7168 MB memory does not fit in role *'s whole pool, even with every task ended" });
  t.match(single.decisions[1], { start: ['a'], backfill: false });
});

t.test('a gang that cannot start reserves; backfill only if it ends in time or avoids the reservation', async (t) => {
  // Agent a is busy until NOW+100; the gang of two 4-cpu tasks fits once it is free.
  const running = [{ agentId: 'a', resources: cpus(4), endsAtMs: NOW + 100 }];
  const snapshot: QueueSnapshot = {
    nowMs: NOW,
    pools: { '*': pool({ a: 0, b: 4, c: 2 }, running) },
    entries: [
      entry('gang', { priority: 10, gang: true, tasks: 2, resources: cpus(4) }),
      entry('short', { resources: cpus(2), maxDurationMs: 100 }),
      entry('long', { resources: cpus(2), maxDurationMs: 101 }),
      entry('open', { resources: cpus(1) }),
      entry('open2', { resources: cpus(2) }),
    ],
  };
  const plan = planQueue(snapshot);
  t.same(plan.reservations, [{ key: 'gang', role: '*', atMs: NOW + 100, agents: ['a', 'b'] }]);
  const d = byKey(plan);
  t.match(d.gang, { start: [], held: 2, reason: 'reserved' });
  t.match(d.short, { start: ['b'], backfill: true }, 'ends by NOW+100, so it may use the gang\'s agent');
  t.match(d.long, { start: ['c'], backfill: true }, 'too long for b, but c is not reserved');
  t.match(d.open, { start: [], reason: 'reservation' }, 'nothing is left on c; b has room but is reserved and open has no deadline');
  t.match(d.open2, { start: [], reason: 'reservation' });
  const nodeadline = planQueue({ ...snapshot, entries: [snapshot.entries[0]!, entry('nd', { resources: cpus(2) })] });
  t.match(byKey(nodeadline).nd, { start: ['c'], backfill: true }, 'c lies outside the reservation');
  const wouldDelay = planQueue({ ...snapshot, pools: { '*': pool({ a: 0, b: 4 }, running) }, entries: [snapshot.entries[0]!, entry('nd', { resources: cpus(2) })] });
  t.match(byKey(wouldDelay).nd, { start: [], reason: 'reservation' });
  t.match(byKey(wouldDelay).nd?.message, /reserved for gang from .* \(it has no taskDeadlineSeconds to show it ends in time\)/);
});

t.test('a gang too large for the pool blocks nothing', async (t) => {
  const plan = planQueue({
    nowMs: NOW,
    pools: { '*': pool({ a: 4, b: 4 }) },
    entries: [entry('huge', { priority: 9, gang: true, tasks: 3, resources: cpus(4) }), entry('small')],
  });
  t.match(byKey(plan).huge, { reason: 'too-large', start: [] });
  t.match(byKey(plan).small, { start: ['a'], backfill: false });
  t.same(plan.reservations, []);
});

t.test('a gang waiting on tasks with no known end: only work outside its reservation starts', async (t) => {
  const plan = planQueue({
    nowMs: NOW,
    pools: { '*': pool({ a: 2, b: 1 }, [{ agentId: 'a', resources: cpus(2), endsAtMs: undefined }]) },
    entries: [entry('gang', { gang: true, tasks: 1, resources: cpus(4) }), entry('short', { resources: cpus(1), maxDurationMs: 1 }), entry('off', { resources: cpus(1) })],
  });
  t.equal(plan.reservations[0]?.atMs, Infinity);
  t.match(byKey(plan).gang?.message, /once tasks with no known end finish/);
  t.match(byKey(plan).short, { start: ['b'], backfill: true });
  t.match(byKey(plan).off, { start: [], reason: 'reservation' }, 'a has room now, but it is reserved');
});

/** Drives the queue over time: tasks run for their maxDurationMs, small jobs keep arriving. */
t.test('a stream of small jobs does not starve a gang: it starts at its reservation', async (t) => {
  const total: Record<string, number> = { a: 4, b: 4 };
  let running: (RunningTask & { key: string })[] = [{ key: 'old', agentId: 'a', resources: cpus(4), endsAtMs: 100 }];
  const waiting: QueueEntry[] = [entry('gang', { gang: true, tasks: 2, resources: cpus(4), maxDurationMs: 1000 })];
  let gangStartedAt: number | undefined;
  let reservedAt: number | undefined;
  for (let now = 0; now <= 200 && gangStartedAt === undefined; now += 10) {
    running = running.filter((r) => (r.endsAtMs ?? Infinity) > now);
    // Two small jobs arrive every tick; half declare a deadline that would run past the gang.
    waiting.push(entry(`s${now}a`, { maxDurationMs: 50 }), entry(`s${now}b`));
    const used = (agentId: string) => running.filter((r) => r.agentId === agentId).reduce((n, r) => n + r.resources.cpus, 0);
    const plan = planQueue({ nowMs: now, pools: { '*': pool(Object.fromEntries(Object.entries(total).map(([a, n]) => [a, n - used(a)])), running) }, entries: waiting });
    reservedAt ??= plan.reservations[0]?.atMs;
    for (const d of plan.decisions) {
      const e = waiting.find((w) => w.key === d.key)!;
      for (const agentId of d.start) running.push({ key: d.key, agentId, resources: e.resources, endsAtMs: now + (e.maxDurationMs ?? 10_000) });
      if (d.key === 'gang' && d.start.length === 2) gangStartedAt = now;
      e.tasks -= d.start.length;
    }
    waiting.splice(0, waiting.length, ...waiting.filter((w) => w.tasks > 0));
  }
  t.equal(reservedAt, 100);
  t.equal(gangStartedAt, 100, 'the gang starts the moment its reservation comes');
});

// Random snapshots for the properties.
const shapeArb = fc.record({ cpus: fc.integer({ min: 1, max: 4 }), memMb: fc.integer({ min: 1, max: 4 }).map((n) => n * 512), diskMb: fc.constant(0) });
const snapshotArb = fc.record({
  agents: fc.array(fc.record({ cpus: fc.integer({ min: 0, max: 8 }), memMb: fc.integer({ min: 0, max: 8 }).map((n) => n * 512) }), { minLength: 1, maxLength: 4 }),
  running: fc.array(fc.record({ agent: fc.nat(3), resources: shapeArb, endsIn: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }) }), { maxLength: 6 }),
  entries: fc.array(fc.record({
    priority: fc.integer({ min: 0, max: 3 }), tasks: fc.integer({ min: 1, max: 12 }), resources: shapeArb, gang: fc.boolean(),
    maxDurationMs: fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }), role: fc.constantFrom('*', 'ml'),
  }), { minLength: 1, maxLength: 8 }),
}).map(({ agents, running, entries }): QueueSnapshot => {
  const ag = agents.map((a, i) => ({ agentId: `ag${i}`, free: { cpus: a.cpus, memMb: a.memMb, diskMb: 0 } }));
  const run = running.map((r) => ({ agentId: `ag${r.agent % ag.length}`, resources: r.resources, endsAtMs: r.endsIn === undefined ? undefined : NOW + r.endsIn }));
  const pools = { '*': { agents: ag, running: run }, ml: { agents: ag.slice(0, 1), running: [] } };
  return { nowMs: NOW, pools, entries: entries.map((e, i) => ({ ...e, key: `e${i}`, jobId: `/e${i}`, seq: i })) };
});

const add = (a: Shape, b: Shape, k = 1): Shape => ({ cpus: a.cpus + k * b.cpus, memMb: a.memMb + k * b.memMb, diskMb: a.diskMb + k * b.diskMb });
const fitsIn = (need: Shape, have: Shape) => need.cpus <= have.cpus + 1e-9 && need.memMb <= have.memMb + 1e-9;

t.test('property: starts never exceed what an agent has free', async () => {
  fc.assert(fc.property(snapshotArb, (s) => {
    const plan = planQueue(s);
    for (const [role, p] of Object.entries(s.pools)) {
      for (const a of p.agents) {
        let used: Shape = { cpus: 0, memMb: 0, diskMb: 0 };
        for (const d of plan.decisions) {
          const e = s.entries.find((x) => x.key === d.key)!;
          if (e.role === role) used = add(used, e.resources, d.start.filter((id) => id === a.agentId).length);
        }
        if (!fitsIn(used, a.free)) return false;
      }
    }
    return true;
  }), { numRuns: 300 });
});

t.test('property: priority order, except backfill around a reservation ahead of it', async () => {
  fc.assert(fc.property(snapshotArb, (s) => {
    const plan = planQueue(s);
    const entryOf = (d: EntryDecision) => s.entries.find((e) => e.key === d.key)!;
    for (const role of ['*', 'ml']) {
      const ds = plan.decisions.filter((d) => entryOf(d).role === role);
      const sorted = [...ds].sort((a, b) => compareEntries(entryOf(a), entryOf(b)));
      if (sorted.some((d, i) => d !== ds[i])) return false;
      const reservedAt = ds.findIndex((d) => d.reason === 'reserved');
      for (let i = 0; i < ds.length; i++) {
        const d = ds[i]!;
        if (d.backfill !== (reservedAt >= 0 && i > reservedAt && d.start.length > 0)) return false;
        if (d.start.length === 0 || d.backfill) continue;
        // A start in order: everything ahead of it started fully, or can never start (too large),
        // or waits behind tasks started this cycle with no end.
        if (ds.slice(0, i).some((h) => h.held > 0 && h.reason !== 'too-large' && h.reason !== 'no-capacity')) return false;
      }
      // The reservation goes to the first entry that waits and could ever start.
      if (reservedAt > 0 && ds.slice(0, reservedAt).some((h) => h.held > 0 && h.reason !== 'too-large' && h.reason !== 'no-capacity')) return false;
    }
    return true;
  }), { numRuns: 300 });
});

t.test('property: backfill never delays the reserved entry past its reservation', async () => {
  fc.assert(fc.property(snapshotArb, (s) => {
    const plan = planQueue(s);
    for (const r of plan.reservations) {
      const p = s.pools[r.role]!;
      const free = new Map(p.agents.map((a) => [a.agentId, { ...a.free }]));
      const give = (agentId: string, x: Shape, k: number) => free.set(agentId, add(free.get(agentId)!, x, k));
      for (const t of p.running) if ((t.endsAtMs ?? Infinity) <= r.atMs || r.atMs === Infinity) give(t.agentId, t.resources, 1);
      for (const d of plan.decisions) {
        const e = s.entries.find((x) => x.key === d.key)!;
        if (e.role !== r.role) continue;
        const endsBy = e.maxDurationMs !== undefined && s.nowMs + e.maxDurationMs <= r.atMs;
        const endsAtAll = e.maxDurationMs !== undefined;
        for (const agentId of d.start) if (!(endsBy || (r.atMs === Infinity && endsAtAll))) give(agentId, e.resources, -1);
      }
      // At its time, the reserved tasks fit where they were reserved.
      const need = s.entries.find((x) => x.key === r.key)!.resources;
      for (const agentId of r.agents) give(agentId, need, -1);
      for (const v of free.values()) if (v.cpus < -1e-9 || v.memMb < -1e-9) return false;
    }
    return true;
  }), { numRuns: 500 });
});

t.test('a parsed gang job: its run\'s due tasks become one entry, started whole', async (t) => {
  const { parseJobs, RunTracker, entryFor } = await import('../../frameworks/batch/index.js');
  const { readFileSync } = await import('node:fs');
  const parsed = parseJobs(readFileSync(new URL('../../examples/batch/training-gang.json', import.meta.url), 'utf8'));
  if (!parsed.ok) return t.fail(JSON.stringify(parsed.problems));
  const [job] = parsed.jobs;
  const run = new RunTracker('run-1', job!);
  const due = run.due(NOW);
  t.equal(due.length, 4);
  const e = entryFor(job!, run.runId, 1, due.length);
  t.match(e, { role: 'ml', priority: 100, gang: true, tasks: 4, maxDurationMs: 14_400_000 });
  const big = (agentId: string, n: number) => ({ agentId, free: { cpus: 4 * n, memMb: 8192 * n, diskMb: 0 } });
  const short = planQueue({ nowMs: NOW, pools: { ml: { agents: [big('a', 2), big('b', 1)], running: [] } }, entries: [e] });
  t.match(short.decisions[0], { start: [], held: 4, reason: 'too-large' }, 'three tasks fit; a gang of four does not start');
  const plan = planQueue({ nowMs: NOW, pools: { ml: { agents: [big('a', 2), big('b', 2)], running: [] } }, entries: [e] });
  t.same(plan.decisions[0]?.start, ['a', 'a', 'b', 'b']);
  plan.decisions[0]!.start.forEach((_agent, i) => run.launched(due[i]!.index, `task-${i}`, NOW));
  t.equal(run.state, 'running');
});
