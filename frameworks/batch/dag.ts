// Workflows: jobs joined by `dependsOn` into a DAG. Checking a graph at submit, and planning a
// workflow run over its nodes' states. Pure: states in, decisions and new states out.

/** A node of a workflow run. */
export const NodeState = {
  Pending: 'pending',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Skipped: 'skipped',
} as const;
export type NodeState = (typeof NodeState)[keyof typeof NodeState];

export interface NodeStatus {
  state: NodeState;
  /** Why a node was skipped (names the failed ancestor), or why it failed. */
  reason?: string;
  /** For a skipped node: the failed job it was skipped because of. */
  failedAncestor?: string;
}

export type WorkflowStates = Readonly<Record<string, NodeStatus>>;

export interface GraphNode {
  id: string;
  dependsOn: readonly string[];
}

/** A checked DAG: nodes in a topological order (dependencies first, else input order). */
export interface Workflow {
  order: readonly string[];
  dependsOn: ReadonlyMap<string, readonly string[]>;
  dependants: ReadonlyMap<string, readonly string[]>;
}

export type GraphProblem =
  | { rule: 'unknown-dependency'; id: string; index: number; dependency: string; message: string }
  | { rule: 'cycle'; id: string; cycle: string[]; message: string }
  | { rule: 'duplicate-id'; id: string; message: string };

export type WorkflowResult = { ok: true; workflow: Workflow } | { ok: false; problems: GraphProblem[] };

/**
 * Checks a set of jobs as a DAG: ids unique, every dependency known (among `nodes` or `known`),
 * no cycle. A cycle is reported once, named along its edges: `/a -> /b -> /a`.
 */
export function buildWorkflow(nodes: readonly GraphNode[], known: ReadonlySet<string> = new Set()): WorkflowResult {
  const problems: GraphProblem[] = [];
  const deps = new Map<string, readonly string[]>();
  for (const n of nodes) {
    if (deps.has(n.id)) problems.push({ rule: 'duplicate-id', id: n.id, message: `job id ${n.id} is used twice` });
    else deps.set(n.id, n.dependsOn);
  }
  for (const n of nodes) {
    n.dependsOn.forEach((d, index) => {
      if (!deps.has(d) && !known.has(d)) {
        problems.push({ rule: 'unknown-dependency', id: n.id, index, dependency: d, message: `${n.id} depends on ${d}, which is no known job` });
      }
    });
  }
  const cycle = findCycle(deps);
  if (cycle) problems.push({ rule: 'cycle', id: cycle[0]!, cycle, message: `dependencies form a cycle: ${cycle.join(' -> ')}` });
  if (problems.length > 0) return { ok: false, problems };

  const dependants = new Map<string, string[]>([...deps.keys()].map((id) => [id, []]));
  for (const [id, ds] of deps) for (const d of ds) dependants.get(d)?.push(id);
  return { ok: true, workflow: { order: topological(deps), dependsOn: deps, dependants } };
}

/** Depth-first search with colours; returns the first cycle found, closed (`[a, b, a]`). */
function findCycle(deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const colour = new Map<string, 'grey' | 'black'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    colour.set(id, 'grey');
    stack.push(id);
    for (const d of deps.get(id) ?? []) {
      if (!deps.has(d)) continue;
      if (colour.get(d) === 'grey') return [...stack.slice(stack.indexOf(d)), d];
      if (!colour.has(d)) {
        const found = visit(d);
        if (found) return found;
      }
    }
    stack.pop();
    colour.set(id, 'black');
    return undefined;
  };
  for (const id of deps.keys()) {
    if (colour.has(id)) continue;
    const found = visit(id);
    // The search walks dependency edges (b depends on a: b -> a); name the cycle in run order.
    if (found) return found.reverse();
  }
  return undefined;
}

/** Kahn's order by levels, ties in input order, so plans are deterministic. */
function topological(deps: ReadonlyMap<string, readonly string[]>): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < deps.size) {
    // One level at a time: everything whose dependencies were done before this pass.
    const ready = [...deps].filter(([id, ds]) => !done.has(id) && ds.every((d) => done.has(d) || !deps.has(d)));
    for (const [id] of ready) {
      done.add(id);
      order.push(id);
    }
  }
  return order;
}

/** What a workflow run should do now. */
export interface WorkflowPlan {
  /** Pending nodes whose dependencies all succeeded: start them. */
  start: string[];
  /** Pending nodes to mark skipped, each naming the failed ancestor. */
  skip: { id: string; failedAncestor: string; reason: string }[];
  /** The run's states with `skip` applied (start is left to the caller, who knows when it began). */
  states: Record<string, NodeStatus>;
  /** Set once every node is finished: succeeded when all nodes succeeded. */
  outcome: 'succeeded' | 'failed' | undefined;
}

const finished = (s: NodeState): boolean => s === 'succeeded' || s === 'failed' || s === 'skipped';

/** Every node of the workflow starts pending. */
export function initialStates(workflow: Workflow): Record<string, NodeStatus> {
  return Object.fromEntries(workflow.order.map((id) => [id, { state: NodeState.Pending }]));
}

/**
 * Plans a workflow run: which pending nodes may start (all dependencies succeeded) and which must
 * be skipped because a dependency failed or was skipped. A node missing from `states` is pending.
 */
export function planWorkflow(workflow: Workflow, states: WorkflowStates): WorkflowPlan {
  const next: Record<string, NodeStatus> = {};
  for (const id of workflow.order) next[id] = states[id] ?? { state: NodeState.Pending };
  const start: string[] = [];
  const skip: WorkflowPlan['skip'] = [];
  // Topological order: a node's dependencies are settled in `next` before it is looked at.
  for (const id of workflow.order) {
    const node = next[id]!;
    if (node.state !== 'pending') continue;
    const depStates = (workflow.dependsOn.get(id) ?? []).filter((d) => d in next).map((d) => [d, next[d]!] as const);
    const broken = depStates.find(([, s]) => s.state === 'failed' || s.state === 'skipped');
    if (broken) {
      const [dep, s] = broken;
      const failedAncestor = s.state === 'failed' ? dep : (s.failedAncestor ?? dep);
      const reason = `skipped: ${failedAncestor} failed`;
      next[id] = { state: NodeState.Skipped, reason, failedAncestor };
      skip.push({ id, failedAncestor, reason });
    } else if (depStates.every(([, s]) => s.state === 'succeeded')) {
      start.push(id);
    }
  }
  const all = Object.values(next);
  const outcome = all.every((s) => finished(s.state)) && start.length === 0
    ? (all.every((s) => s.state === 'succeeded') ? 'succeeded' : 'failed')
    : undefined;
  return { start, skip, states: next, outcome };
}

/** Every node that depends on `id`, directly or through others, in topological order. */
export function descendants(workflow: Workflow, id: string): string[] {
  const found = new Set<string>();
  const walk = (n: string): void => {
    for (const d of workflow.dependants.get(n) ?? []) {
      if (found.has(d)) continue;
      found.add(d);
      walk(d);
    }
  };
  walk(id);
  return workflow.order.filter((n) => found.has(n));
}

export type RerunResult =
  | { ok: true; states: Record<string, NodeStatus>; reset: string[] }
  | { ok: false; reason: string };

/**
 * Re-runs a workflow from a failed (or skipped) node: that node and everything depending on it
 * go back to pending; nodes that finished elsewhere in the graph keep their results.
 */
export function rerunFrom(workflow: Workflow, states: WorkflowStates, id: string): RerunResult {
  const node = states[id];
  if (!workflow.dependsOn.has(id)) return { ok: false, reason: `${id} is not part of this workflow` };
  if (!node || (node.state !== 'failed' && node.state !== 'skipped')) {
    return { ok: false, reason: `${id} is ${node?.state ?? 'pending'}; only a failed or skipped node can be re-run` };
  }
  const reset = [id, ...descendants(workflow, id)];
  const running = reset.filter((n) => states[n]?.state === 'running');
  if (running.length > 0) return { ok: false, reason: `${running.join(', ')} still running; wait or cancel first` };
  const next: Record<string, NodeStatus> = {};
  for (const n of workflow.order) next[n] = states[n] ?? { state: NodeState.Pending };
  for (const n of reset) next[n] = { state: NodeState.Pending };
  return { ok: true, states: next, reset };
}
