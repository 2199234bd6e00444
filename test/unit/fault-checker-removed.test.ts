// The fault checker on histories where the master removes a framework (away past its failover
// timeout): a clean one passes whether the master keeps its ended tasks or forgets them, and each
// way a removal can go wrong is caught as removed-framework-gone.
import t from 'tap';
import { checkHistory, Invariant } from '../helpers/fault-checker.js';
import { BOUND, invariants, snap, task } from '../helpers/fault-fixtures.js';
import type { HistoryEvent } from '../helpers/fault-history.js';

/**
 * fw runs t1 and t2 (t0 finished earlier), goes away at 100 and is removed at 200; a1 still kills
 * t1 at 300, everything agrees at 500, and fw2 launches t3 after the heal.
 */
function removed(ended: 'KILLED' | 'forgotten' = 'KILLED'): HistoryEvent[] {
  const gone = (...ids: string[]) => (ended === 'KILLED' ? ids.map((id) => task(id, 'KILLED')) : []);
  return [
    { kind: 'leader', atMs: 0, master: 'm2', epoch: 2 },
    { kind: 'launch-acked', atMs: 10, taskId: 't0' },
    { kind: 'launch-acked', atMs: 10, taskId: 't1' },
    { kind: 'launch-acked', atMs: 10, taskId: 't2' },
    { kind: 'update', atMs: 20, framework: 'fw', taskId: 't0', agentId: 'a1', state: 'FINISHED' },
    { kind: 'update', atMs: 20, framework: 'fw', taskId: 't1', agentId: 'a1', state: 'RUNNING' },
    { kind: 'update', atMs: 20, framework: 'fw', taskId: 't2', agentId: 'a1', state: 'RUNNING' },
    snap(50, [task('t0', 'FINISHED'), task('t1', 'RUNNING'), task('t2', 'RUNNING')]),
    { kind: 'fault', atMs: 100, what: 'framework gone' },
    { kind: 'framework-removed', atMs: 200, framework: 'fw', why: 'failover timeout' },
    { kind: 'healed', atMs: 200 },
    snap(300, ended === 'KILLED' ? [task('t0', 'FINISHED'), ...gone('t1', 't2')] : [], { agents: [{ agentId: 'a1', tasks: [{ taskId: 't1', state: 'KILLING' }] }] }),
    snap(500, ended === 'KILLED' ? [task('t0', 'FINISHED'), ...gone('t1', 't2')] : []),
    { kind: 'launch-acked', atMs: 510, taskId: 't3' },
    { kind: 'update', atMs: 520, framework: 'fw2', taskId: 't3', agentId: 'a1', state: 'RUNNING' },
    { kind: 'launch-after-heal', atMs: 530, taskId: 't3', state: 'RUNNING' },
    snap(600, [...(ended === 'KILLED' ? [task('t0', 'FINISHED'), ...gone('t1', 't2')] : []), task('t3', 'RUNNING')]),
  ];
}

void t.test('a removal whose tasks end KILLED, or are forgotten with the framework, is clean', async (t) => {
  t.same(checkHistory(removed('KILLED'), BOUND), [], 'kept as KILLED');
  t.same(checkHistory(removed('forgotten'), BOUND), [], 'forgotten');
});

void t.test('without the removal recorded, the forgotten tasks are acknowledged writes lost', async (t) => {
  const h = removed('forgotten').filter((e) => e.kind !== 'framework-removed');
  const v = checkHistory(h, BOUND);
  t.same(invariants(v), [Invariant.NO_ACKNOWLEDGED_WRITE_LOST]);
  t.match(v, [{ message: /t0: its launch was acknowledged, but the final state has no such task/ }]);
});

void t.test('without the removal recorded, the framework that last heard RUNNING holds convergence back', async (t) => {
  const h = removed('KILLED').filter((e) => e.kind !== 'framework-removed');
  t.match(checkHistory(h, BOUND), [{ invariant: Invariant.CONVERGENCE, message: /t1: the framework last heard RUNNING, master says KILLED/ }]);
});

/** The clean history with these events before its last snapshot. */
function withBeforeEnd(...events: HistoryEvent[]): HistoryEvent[] {
  const h = removed();
  h.splice(h.length - 1, 0, ...events);
  return h;
}

void t.test('an update delivered to the framework after its removal', async (t) => {
  const v = checkHistory(withBeforeEnd({ kind: 'update', atMs: 550, framework: 'fw', taskId: 't1', agentId: 'a1', state: 'KILLED' }), BOUND);
  t.same(invariants(v), [Invariant.REMOVED_FRAMEWORK_GONE]);
  t.match(v, [{ message: /fw \(removed at 200: failover timeout\) received KILLED of t1 at 550/ }]);
});

void t.test('an update recorded in the same millisecond, but after the removal, still counts', async (t) => {
  const h = removed();
  h.splice(h.findIndex((e) => e.kind === 'framework-removed') + 1, 0, { kind: 'update', atMs: 200, framework: 'fw', taskId: 't2', agentId: 'a1', state: 'KILLED' });
  t.match(checkHistory(h, BOUND), [{ invariant: Invariant.REMOVED_FRAMEWORK_GONE, message: /received KILLED of t2 at 200/ }]);
});

void t.test('a task of the removed framework launched again', async (t) => {
  const v = checkHistory(withBeforeEnd({ kind: 'launch-acked', atMs: 540, taskId: 't2' }), BOUND);
  t.match(v, [{ invariant: Invariant.REMOVED_FRAMEWORK_GONE, message: /t2 of fw \(removed at 200: failover timeout\) was launched again at 540/ }]);
});

void t.test('a task of the removed framework still live past the bound', async (t) => {
  const lingering = snap(1_300, [task('t0', 'FINISHED'), task('t1', 'KILLED'), task('t2', 'KILLED'), task('t3', 'RUNNING')], {
    agents: [{ agentId: 'a1', tasks: [{ taskId: 't2', state: 'RUNNING' }, { taskId: 't3', state: 'RUNNING' }] }],
  });
  const v = checkHistory([...removed(), lingering, { ...lingering, atMs: 1_350 }, snap(1_400, [task('t0', 'FINISHED'), task('t1', 'KILLED'), task('t2', 'KILLED'), task('t3', 'RUNNING')])], BOUND);
  t.same(invariants(v), [Invariant.REMOVED_FRAMEWORK_GONE], 'converged at 500 all the same');
  t.equal(v.length, 1, 'told once, where first seen');
  t.match(v, [{ message: /t2 of fw .* was RUNNING on a1 \(agent's view\) at 1300, 1100 ms after the removal/ }]);
});

void t.test('a task of the removed framework still live when the history ends, even within the bound', async (t) => {
  const h = removed().filter((e) => !(e.kind === 'snapshot' && e.atMs > 300));
  const v = checkHistory(h, BOUND).filter((x) => x.invariant === Invariant.REMOVED_FRAMEWORK_GONE);
  t.match(v, [{ message: /t1 of fw .* was KILLING on a1 \(agent's view\) at 300, 100 ms after the removal/ }]);
});

void t.test('a task of the removed framework that ended otherwise than KILLED or LOST', async (t) => {
  const h = withBeforeEnd();
  h[h.length - 1] = snap(600, [task('t0', 'FINISHED'), task('t1', 'FAILED'), task('t2', 'LOST'), task('t3', 'RUNNING')]);
  t.match(checkHistory(h, BOUND), [{ invariant: Invariant.REMOVED_FRAMEWORK_GONE, message: /t1 of fw .* ended FAILED, not KILLED or LOST/ }]);
});

void t.test('no snapshot after the removal to judge it by', async (t) => {
  const h = removed().filter((e) => !(e.kind === 'snapshot' && e.atMs > 200));
  t.ok(checkHistory(h, BOUND).some((x) => x.invariant === Invariant.REMOVED_FRAMEWORK_GONE && /no snapshot after the removal of fw/.test(x.message)));
});
