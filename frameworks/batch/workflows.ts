// Workflow runs in the scheduler: starting one (a job and its dependants), moving it on when a
// node's run finishes, and re-running from a failed node. The planning is planWorkflow's and
// rerunFrom's; this file writes each step (the workflow and the runs it starts) in one change.
import { initialStates, planWorkflow, rerunFrom } from './dag.js';
import type { BatchScheduler } from './scheduler.js';
import type { RunRecord, WorkflowRunRecord } from './store/index.js';
import { componentOf, graphOf, nodeFromRun } from './workflow-runs.js';
import { randomBytes } from 'node:crypto';

export type WorkflowOutcome =
  | { ok: true; workflow: WorkflowRunRecord; started: RunRecord[] }
  | { ok: false; code: 'NOT_FOUND' | 'CONFLICT' | 'BAD_REQUEST'; message: string; field: string };

export class Workflows {
  readonly #s: BatchScheduler;
  /** Workflow runs not finished yet. */
  readonly active = new Map<string, WorkflowRunRecord>();

  constructor(scheduler: BatchScheduler) {
    this.#s = scheduler;
  }

  async load(): Promise<void> {
    for (const w of await this.#s.store.listWorkflowRuns()) if (!w.outcome) this.active.set(w.id, w);
  }

  /** Starts a workflow run from rootJobId: it and everything that depends on it. */
  async start(rootJobId: string, params: Record<string, string>): Promise<WorkflowOutcome> {
    const ids = componentOf(rootJobId, this.#s.jobs);
    const graph = graphOf(ids, this.#s.jobs);
    if (!graph) return { ok: false, code: 'CONFLICT', message: `the jobs depending on ${rootJobId} do not form a DAG`, field: 'dependsOn' };
    const wf: WorkflowRunRecord = {
      id: `wf-${this.#s.clock.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      rootJobId, jobs: [...graph.order], states: initialStates(graph), runs: {}, params: { ...params },
      createdMs: this.#s.clock.now(), outcome: undefined,
    };
    return this.#step(wf);
  }

  /** Moves every active workflow on (after a restart, a finished run may not have). */
  async advanceAll(): Promise<void> {
    for (const id of [...this.active.keys()]) await this.advance(id);
  }

  /** A node's run finished (or may have): record the node's state and start what may start now. */
  async advance(id: string): Promise<void> {
    const wf = this.active.get(id);
    if (!wf) return;
    const states = { ...wf.states };
    for (const [jobId, node] of Object.entries(states)) {
      if (node.state !== 'running') continue;
      const runId = wf.runs[jobId]?.at(-1);
      if (!runId || this.#s.live.has(runId)) continue;
      const run = await this.#s.store.getRun(runId);
      if (run) states[jobId] = nodeFromRun(run);
    }
    await this.#step({ ...wf, states });
  }

  /** Re-runs a workflow run from a failed or skipped job; `id` is the workflow run's id or one of its runs'. */
  async rerun(id: string, from: string): Promise<WorkflowOutcome> {
    const wfId = (await this.#s.store.getRun(id))?.workflowRunId ?? id;
    const wf = this.active.get(wfId) ?? (await this.#s.store.getWorkflowRun(wfId));
    if (!wf) return { ok: false, code: 'NOT_FOUND', message: `no workflow run ${id}`, field: 'runId' };
    const graph = graphOf(wf.jobs, this.#s.jobs);
    if (!graph) return { ok: false, code: 'CONFLICT', message: `the jobs of workflow run ${wf.id} changed and no longer form a DAG`, field: 'from' };
    const reset = rerunFrom(graph, wf.states, from);
    if (!reset.ok) return { ok: false, code: wf.jobs.includes(from) ? 'CONFLICT' : 'BAD_REQUEST', message: reset.reason, field: 'from' };
    return this.#step({ ...wf, states: reset.states, outcome: undefined });
  }

  /** Plans the workflow, writes it with the runs it starts, and follows them. */
  async #step(wf: WorkflowRunRecord): Promise<WorkflowOutcome> {
    const graph = graphOf(wf.jobs, this.#s.jobs);
    if (!graph) return { ok: false, code: 'CONFLICT', message: `the jobs of workflow run ${wf.id} no longer form a DAG`, field: 'jobs' };
    const plan = planWorkflow(graph, wf.states);
    const states = plan.states;
    const runs = { ...wf.runs };
    const started: RunRecord[] = [];
    for (const jobId of plan.start) {
      const job = this.#s.jobs.get(jobId)!;
      const params = Object.fromEntries(Object.entries(wf.params).filter(([k]) => k in job.parameters));
      const record = this.#s.newRunRecord(job, params, { workflowRunId: wf.id });
      started.push(record);
      states[jobId] = { state: 'running' };
      runs[jobId] = [...(runs[jobId] ?? []), record.runId];
    }
    const next: WorkflowRunRecord = { ...wf, states, runs, outcome: started.length > 0 ? undefined : plan.outcome };
    await this.#s.commit({ workflows: [next], runs: started });
    if (next.outcome) {
      this.active.delete(next.id);
      this.#s.log.info({ workflowRunId: next.id, outcome: next.outcome }, 'workflow finished');
    } else this.active.set(next.id, next);
    for (const s of plan.skip) this.#s.log.info({ workflowRunId: wf.id, jobId: s.id, reason: s.reason }, 'skipped');
    this.#s.adopt(started);
    return { ok: true, workflow: next, started };
  }
}
