// Workflows: cycles and unknown dependencies refused at submit; the planner starts nodes in
// dependency order, skips the dependants of a failure, and re-runs from a failed node.
import t from 'tap';
import { buildWorkflow, initialStates, planWorkflow, rerunFrom, type NodeStatus, type Workflow } from '../../frameworks/batch/dag.js';

function diamond(): Workflow {
  const r = buildWorkflow([
    { id: '/d', dependsOn: ['/b', '/c'] },
    { id: '/b', dependsOn: ['/a'] },
    { id: '/a', dependsOn: [] },
    { id: '/c', dependsOn: ['/a'] },
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.workflow;
}

/** Applies a plan's starts as running, as the scheduler would once it launched them. */
function started(states: Record<string, NodeStatus>, ids: string[]): Record<string, NodeStatus> {
  return { ...states, ...Object.fromEntries(ids.map((id) => [id, { state: 'running' as const }])) };
}

t.test('a cycle is refused and named along its edges', async (t) => {
  const r = buildWorkflow([
    { id: '/a', dependsOn: ['/b'] },
    { id: '/b', dependsOn: ['/a'] },
  ]);
  t.same(!r.ok && r.problems.map((p) => p.message), ['dependencies form a cycle: /a -> /b -> /a']);
  const three = buildWorkflow([
    { id: '/x', dependsOn: [] },
    { id: '/a', dependsOn: ['/c', '/x'] },
    { id: '/b', dependsOn: ['/a'] },
    { id: '/c', dependsOn: ['/b'] },
  ]);
  t.same(!three.ok && three.problems[0], { rule: 'cycle', id: '/a', cycle: ['/a', '/b', '/c', '/a'], message: 'dependencies form a cycle: /a -> /b -> /c -> /a' });
  const self = buildWorkflow([{ id: '/s', dependsOn: ['/s'] }]);
  t.match(!self.ok && self.problems[0]?.message, '/s -> /s');
});

t.test('an unknown dependency is refused unless it is a known job', async (t) => {
  const nodes = [{ id: '/load', dependsOn: ['/extract', '/ingest'] }, { id: '/extract', dependsOn: [] }];
  const r = buildWorkflow(nodes);
  t.same(!r.ok && r.problems, [{ rule: 'unknown-dependency', id: '/load', index: 1, dependency: '/ingest', message: '/load depends on /ingest, which is no known job' }]);
  t.ok(buildWorkflow(nodes, new Set(['/ingest'])).ok);
});

t.test('a -> (b, c) -> d runs in dependency order', async (t) => {
  const w = diamond();
  t.same(w.order, ['/a', '/b', '/c', '/d']);
  let states = initialStates(w);
  let plan = planWorkflow(w, states);
  t.same(plan.start, ['/a']);
  states = started(plan.states, plan.start);
  t.same(planWorkflow(w, states).start, [], 'nothing else while /a runs');
  states['/a'] = { state: 'succeeded' };
  plan = planWorkflow(w, states);
  t.same(plan.start, ['/b', '/c']);
  states = started(plan.states, plan.start);
  states['/b'] = { state: 'succeeded' };
  t.same(planWorkflow(w, states).start, [], '/d waits for /c too');
  states['/c'] = { state: 'succeeded' };
  plan = planWorkflow(w, states);
  t.same(plan.start, ['/d']);
  states = started(plan.states, plan.start);
  t.equal(planWorkflow(w, states).outcome, undefined);
  states['/d'] = { state: 'succeeded' };
  t.equal(planWorkflow(w, states).outcome, 'succeeded');
});

t.test('b fails: d is skipped naming b; a re-run from b keeps a and c', async (t) => {
  const w = diamond();
  const states: Record<string, NodeStatus> = {
    '/a': { state: 'succeeded' },
    '/b': { state: 'failed', reason: 'exit code 2' },
    '/c': { state: 'running' },
  };
  let plan = planWorkflow(w, states);
  t.same(plan.skip, [{ id: '/d', failedAncestor: '/b', reason: 'skipped: /b failed' }]);
  t.same(plan.states['/d'], { state: 'skipped', reason: 'skipped: /b failed', failedAncestor: '/b' });
  t.equal(plan.outcome, undefined, '/c still runs');
  const done = { ...plan.states, '/c': { state: 'succeeded' as const } };
  plan = planWorkflow(w, done);
  t.equal(plan.outcome, 'failed');

  const refused = rerunFrom(w, done, '/c');
  t.same(refused, { ok: false, reason: '/c is succeeded; only a failed or skipped node can be re-run' });
  const rerun = rerunFrom(w, done, '/b');
  if (!rerun.ok) return t.fail(rerun.reason);
  t.same(rerun.reset, ['/b', '/d']);
  t.same(rerun.states['/a'], { state: 'succeeded' });
  t.same(rerun.states['/c'], { state: 'succeeded' });
  t.same(planWorkflow(w, rerun.states).start, ['/b'], 'only /b starts again; /a and /c keep their results');
});

t.test('a skip names the first failure up the chain', async (t) => {
  const r = buildWorkflow([
    { id: '/a', dependsOn: [] },
    { id: '/b', dependsOn: ['/a'] },
    { id: '/c', dependsOn: ['/b'] },
  ]);
  if (!r.ok) return t.fail('');
  const plan = planWorkflow(r.workflow, { '/a': { state: 'failed' } });
  t.same(plan.skip.map((s) => [s.id, s.failedAncestor]), [['/b', '/a'], ['/c', '/a']]);
  t.equal(plan.states['/c']?.reason, 'skipped: /a failed');
  t.equal(plan.outcome, 'failed');
});

t.test('a re-run is refused while a node it would reset is running', async (t) => {
  const w = diamond();
  const r = rerunFrom(w, { '/a': { state: 'failed' }, '/b': { state: 'running' } }, '/a');
  t.same(r, { ok: false, reason: '/b still running; wait or cancel first' });
  t.notOk(rerunFrom(w, {}, '/zzz').ok);
});
