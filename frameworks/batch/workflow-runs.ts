// Workflow runs over submitted jobs: the sub-graph a run covers (a job and everything that
// depends on it) and how a node's state follows from its run. Pure helpers for the scheduler.
import { buildWorkflow, descendants, type NodeStatus, type Workflow } from './dag.js';
import type { RunRecord } from './store/index.js';
import type { JobSpec } from './spec/types.js';

/** The graph of the given jobs, dependencies outside them left out (they count as satisfied). */
export function graphOf(ids: readonly string[], jobs: ReadonlyMap<string, JobSpec>): Workflow | undefined {
  const inside = new Set(ids);
  const nodes = ids.flatMap((id) => {
    const j = jobs.get(id);
    return j ? [{ id, dependsOn: j.dependsOn.filter((d) => inside.has(d)) }] : [];
  });
  const built = buildWorkflow(nodes);
  return built.ok ? built.workflow : undefined;
}

/** A job and every job that depends on it, directly or not, in run order. */
export function componentOf(rootId: string, jobs: ReadonlyMap<string, JobSpec>): string[] {
  const all = graphOf([...jobs.keys()], jobs);
  if (!all) return [rootId];
  return [rootId, ...descendants(all, rootId)];
}

/** True when some job depends on this one: running it runs a workflow. */
export function hasDependants(id: string, jobs: ReadonlyMap<string, JobSpec>): boolean {
  return [...jobs.values()].some((j) => j.dependsOn.includes(id));
}

/** A node's state once its run has finished. */
export function nodeFromRun(run: Pick<RunRecord, 'runId' | 'state' | 'reason'>): NodeStatus {
  if (run.state === 'succeeded') return { state: 'succeeded' };
  return { state: 'failed', reason: `run ${run.runId} ${run.state}: ${run.reason}` };
}
