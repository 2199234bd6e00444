// The runs and workflow runs the state stream shows, kept in memory as they were last written:
// every unfinished one, and the newest finished ones (per job for runs, overall for workflow
// runs). Fed from the store at start and then by each committed change, so what it holds is what
// the store holds: a record changed in memory but not yet written is not shown.
import { isTerminalRun } from './run-state.js';
import type { BatchChange, RunRecord, WorkflowRunRecord } from './store/index.js';

/** Finished runs kept per job, and finished workflow runs kept overall. */
export const RECENT_RUNS_PER_JOB = 20;
export const RECENT_WORKFLOW_RUNS = 20;

/** A copy of what was written, as JSON shows it (no undefined fields), never changed afterwards. */
export const frozen = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class RecentRuns {
  /** By job id, then run id. */
  readonly #runs = new Map<string, Map<string, RunRecord>>();
  readonly #workflows = new Map<string, WorkflowRunRecord>();

  load(runs: readonly RunRecord[], workflows: readonly WorkflowRunRecord[]): void {
    this.apply({ runs: [...runs].sort((a, b) => a.seq - b.seq), workflows: [...workflows].sort((a, b) => a.createdMs - b.createdMs) });
  }

  /** Takes in a change that has been written. */
  apply(change: BatchChange): void {
    for (const id of change.deleteRuns ?? []) for (const runs of this.#runs.values()) runs.delete(id);
    for (const id of change.deleteJobs ?? []) this.#runs.delete(id);
    const jobs = new Set<string>();
    for (const r of change.runs ?? []) {
      let runs = this.#runs.get(r.jobId);
      if (!runs) this.#runs.set(r.jobId, (runs = new Map()));
      runs.set(r.runId, frozen(r));
      jobs.add(r.jobId);
    }
    for (const job of jobs) this.#trim(this.#runs.get(job)!);
    for (const w of change.workflows ?? []) this.#workflows.set(w.id, frozen(w));
    if (change.workflows?.length) this.#trimWorkflows();
  }

  /** Runs in the order they were created (seq). */
  runs(): RunRecord[] {
    return [...this.#runs.values()].flatMap((runs) => [...runs.values()]).sort((a, b) => a.seq - b.seq);
  }

  /** Workflow runs, oldest first. */
  workflows(): WorkflowRunRecord[] {
    return [...this.#workflows.values()].sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : 1));
  }

  #trim(runs: Map<string, RunRecord>): void {
    const finished = [...runs.values()].filter((r) => isTerminalRun(r.state)).sort((a, b) => a.seq - b.seq);
    for (const r of finished.slice(0, Math.max(0, finished.length - RECENT_RUNS_PER_JOB))) runs.delete(r.runId);
  }

  #trimWorkflows(): void {
    const finished = this.workflows().filter((w) => w.outcome !== undefined);
    for (const w of finished.slice(0, Math.max(0, finished.length - RECENT_WORKFLOW_RUNS))) this.#workflows.delete(w.id);
  }
}
