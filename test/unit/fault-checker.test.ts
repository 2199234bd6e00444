// The fault checker on hand-made histories: a clean one passes, and each invariant catches a
// history made to break it (and only that one).
import t from 'tap';
import { checkHistory, Invariant } from '../helpers/fault-checker.js';
import { BOUND, invariants, snap, task } from '../helpers/fault-fixtures.js';
import type { HistoryEvent } from '../helpers/fault-history.js';

/** A leader change with one task running across it, healed at 300 and converged at 500. */
function clean(): HistoryEvent[] {
  return [
    { kind: 'leader', atMs: 0, master: 'm1', epoch: 1 },
    { kind: 'write', atMs: 10, writer: 'm1', epoch: 1, change: 'task.put t1' },
    { kind: 'launch-acked', atMs: 11, taskId: 't1' },
    { kind: 'update', atMs: 20, framework: 'fw', taskId: 't1', agentId: 'a1', state: 'RUNNING' },
    snap(50, [task('t1', 'RUNNING')]),
    { kind: 'fault', atMs: 100, what: 'leader killed' },
    { kind: 'leader', atMs: 250, master: 'm2', epoch: 2 },
    { kind: 'write', atMs: 260, writer: 'm2', epoch: 2, change: 'agent.put a1' },
    { kind: 'healed', atMs: 300 },
    snap(400, [task('t1', 'STAGING')], { agents: [{ agentId: 'a1', tasks: [{ taskId: 't1', state: 'RUNNING' }] }] }),
    snap(500, [task('t1', 'RUNNING'), task('t2', 'RUNNING', 'a2')]),
    { kind: 'launch-acked', atMs: 510, taskId: 't2' },
    { kind: 'update', atMs: 520, framework: 'fw', taskId: 't2', agentId: 'a2', state: 'RUNNING' },
    { kind: 'launch-after-heal', atMs: 530, taskId: 't2', state: 'RUNNING' },
    snap(600, [task('t1', 'RUNNING'), task('t2', 'RUNNING', 'a2')]),
  ];
}

void t.test('a clean history has no violations', async (t) => {
  t.same(checkHistory(clean(), BOUND), []);
});

void t.test('one writer per epoch', async (t) => {
  const twoWriters = [...clean(), { kind: 'write', atMs: 700, writer: 'm1', epoch: 2, change: 'task.put t1' } satisfies HistoryEvent];
  const v = checkHistory(twoWriters, BOUND);
  t.same(invariants(v), [Invariant.ONE_WRITER_PER_EPOCH]);
  t.match(v[0]?.message, /epoch 2 has 2 writers: m1, m2/);

  const stale = [...clean(), { kind: 'write', atMs: 700, writer: 'm1', epoch: 1, change: 'task.put t1' } satisfies HistoryEvent];
  t.match(checkHistory(stale, BOUND), [{ invariant: Invariant.ONE_WRITER_PER_EPOCH, message: /under epoch 1 after a write under epoch 2/ }]);

  const twoLeaders = [...clean(), { kind: 'leader', atMs: 700, master: 'm1', epoch: 2 } satisfies HistoryEvent];
  t.match(checkHistory(twoLeaders, BOUND), [{ invariant: Invariant.ONE_WRITER_PER_EPOCH, message: /epoch 2 was led by m1 and m2/ }]);
});

void t.test('no task running twice', async (t) => {
  const h = clean();
  // The same task reported RUNNING by the second agent too, while the first still runs it.
  h.splice(10, 0, snap(450, [task('t1', 'RUNNING')], { agents: [{ agentId: 'a1', tasks: [{ taskId: 't1', state: 'RUNNING' }] }, { agentId: 'a2', tasks: [{ taskId: 't1', state: 'RUNNING' }] }] }));
  const v = checkHistory(h, BOUND);
  t.ok(v.some((x) => x.invariant === Invariant.NO_TASK_RUNNING_TWICE && /t1 was RUNNING on a1 and a2/.test(x.message)), 'two agents');

  const again = [...clean(), { kind: 'update', atMs: 610, framework: 'fw', taskId: 't2', agentId: 'a2', state: 'FINISHED' }, { kind: 'update', atMs: 620, framework: 'fw', taskId: 't2', agentId: 'a2', state: 'RUNNING' }] satisfies HistoryEvent[];
  t.ok(checkHistory(again, BOUND).some((x) => x.invariant === Invariant.NO_TASK_RUNNING_TWICE && /t2 was RUNNING again .* after it ended FINISHED/.test(x.message)), 'again after its end');

  const containers = [...clean(), snap(700, [task('t1', 'RUNNING'), task('t2', 'RUNNING', 'a2')], { containers: [{ id: 'c1', taskId: 't1', agentId: 'a1', running: true }, { id: 'c2', taskId: 't1', agentId: 'a1', running: true }] })];
  t.ok(checkHistory(containers, BOUND).some((x) => x.invariant === Invariant.NO_TASK_RUNNING_TWICE && /t1 had 2 running containers/.test(x.message)), 'two containers');

  const lostThenBack = [...clean(), { kind: 'update', atMs: 610, framework: 'fw', taskId: 't2', agentId: 'a2', state: 'LOST' }, { kind: 'update', atMs: 620, framework: 'fw', taskId: 't2', agentId: 'a2', state: 'RUNNING' }] satisfies HistoryEvent[];
  t.notOk(checkHistory(lostThenBack, BOUND).some((x) => x.invariant === Invariant.NO_TASK_RUNNING_TWICE), 'back from LOST is not running twice');
});

void t.test('no acknowledged write lost', async (t) => {
  const h = clean();
  h[h.length - 1] = snap(600, [task('t1', 'RUNNING')]);
  const v = checkHistory(h, BOUND).filter((x) => x.invariant === Invariant.NO_ACKNOWLEDGED_WRITE_LOST);
  t.match(v, [{ message: /t2: its launch was acknowledged, but the final state has no such task/ }, { message: /t2: fw received RUNNING, but the final state has no such task/ }]);

  const ended = [...clean(), { kind: 'update', atMs: 610, framework: 'fw', taskId: 't1', agentId: 'a1', state: 'FINISHED' }, snap(700, [task('t1', 'RUNNING'), task('t2', 'RUNNING', 'a2')])] satisfies HistoryEvent[];
  t.ok(checkHistory(ended, BOUND).some((x) => x.invariant === Invariant.NO_ACKNOWLEDGED_WRITE_LOST && /t1: fw received FINISHED, but the final state says RUNNING/.test(x.message)), 'an acknowledged end undone');

  const back = [...clean(), snap(700, [task('t1', 'STAGING'), task('t2', 'RUNNING', 'a2')])];
  t.ok(checkHistory(back, BOUND).some((x) => x.invariant === Invariant.NO_ACKNOWLEDGED_WRITE_LOST && /went back to STAGING/.test(x.message)), 'a state gone back');
});

void t.test('convergence within the bound', async (t) => {
  const slow = clean().map((e) => (e.kind === 'snapshot' && e.atMs >= 500 ? { ...e, atMs: e.atMs + 2_000 } : e));
  t.match(checkHistory(slow, BOUND), [{ invariant: Invariant.CONVERGENCE, message: /converged 2200 ms after the heal, over the bound of 1000 ms/ }]);

  const never = clean().filter((e) => !(e.kind === 'snapshot' && e.atMs >= 500));
  t.match(checkHistory(never, BOUND).filter((x) => x.invariant === Invariant.CONVERGENCE), [{ message: /not converged by the end of the history: t1: RUNNING on a1, master says STAGING on a1/ }]);

  const frameworkBehind = clean().map((e) => (e.kind === 'update' && e.taskId === 't1' ? { ...e, state: 'STARTING' } : e));
  t.ok(checkHistory(frameworkBehind, BOUND).some((x) => x.invariant === Invariant.CONVERGENCE && /t1: the framework last heard STARTING, master says RUNNING/.test(x.message)), 'the framework must agree too');

  const noHeal = clean().filter((e) => e.kind !== 'healed');
  t.ok(checkHistory(noHeal, BOUND).some((x) => x.invariant === Invariant.CONVERGENCE && /no heal/.test(x.message)), 'a heal must be recorded');
});

void t.test('no orphan containers', async (t) => {
  const h = [...clean(), snap(700, [task('t1', 'RUNNING'), task('t2', 'FINISHED', 'a2')], {
    agents: [{ agentId: 'a1', tasks: [{ taskId: 't1', state: 'RUNNING' }] }],
    containers: [{ id: 'c1aaaaaaaaaaaaaa', taskId: 't1', agentId: 'a1', running: true }, { id: 'c2bbbbbbbbbbbbbb', taskId: 't2', agentId: 'a2', running: true }, { id: 'c3', taskId: 't3', agentId: 'a2', running: false }],
  })];
  t.match(checkHistory(h, BOUND).filter((x) => x.invariant === Invariant.NO_ORPHAN_CONTAINERS), [{ message: /container c2bbbbbbbbbb runs t2 on a2, which the master does not hold live/ }]);
});

void t.test('no agent over-committed', async (t) => {
  const big = { cpus: 3, memMb: 64 };
  const masterOver = [...clean(), snap(700, [task('t1', 'RUNNING', 'a1', big), task('t2', 'RUNNING', 'a1', big)])];
  t.ok(checkHistory(masterOver, BOUND).some((x) => x.invariant === Invariant.NO_AGENT_OVERCOMMITTED && /a1 at 700 \(master's view\): 6 cpus/.test(x.message)), 'in the master\'s view');

  // The master moved t2 to a2, but a1 still runs it next to t1 and t3.
  const agentOver = [...clean(), snap(700, [task('t1', 'RUNNING', 'a1', big), task('t2', 'RUNNING', 'a2', big)], {
    agents: [{ agentId: 'a1', tasks: [{ taskId: 't1', state: 'RUNNING' }, { taskId: 't2', state: 'RUNNING' }] }, { agentId: 'a2', tasks: [{ taskId: 't2', state: 'RUNNING' }] }],
  })];
  t.ok(checkHistory(agentOver, BOUND).some((x) => x.invariant === Invariant.NO_AGENT_OVERCOMMITTED && /a1 at 700 \(agent's view\)/.test(x.message)), 'in the agent\'s view');
});

void t.test('a launch succeeds after the heal', async (t) => {
  const none = clean().filter((e) => e.kind !== 'launch-after-heal');
  t.match(checkHistory(none, BOUND), [{ invariant: Invariant.LAUNCH_AFTER_HEAL, message: 'no launch was tried after the heal' }]);
  const failed = clean().map((e) => (e.kind === 'launch-after-heal' ? { ...e, state: 'ERROR' } : e));
  t.match(checkHistory(failed, BOUND), [{ invariant: Invariant.LAUNCH_AFTER_HEAL, message: /t2 ERROR/ }]);
  const before = clean().map((e) => (e.kind === 'launch-after-heal' ? { ...e, atMs: 200 } : e));
  t.match(checkHistory(before, BOUND), [{ invariant: Invariant.LAUNCH_AFTER_HEAL }], 'a launch before the heal does not count');
});
