// What users ask the batch framework to do (the HTTP API calls these): submit and delete jobs,
// start, cancel and re-run runs, and read them back. Each command runs inside the scheduler's
// exclusive section and answers only after its change is written. Expected refusals are values.
import { buildWorkflow } from './dag.js';
import { upcoming } from './schedule.js';
import type { BatchScheduler } from './scheduler.js';
import { checkParameterValues, parseJobs, type JobSpec, type SpecProblem } from './spec/index.js';
import type { RunEvent, RunRecord, StoredJob, WorkflowRunRecord } from './store/index.js';
import { hasDependants } from './workflow-runs.js';
import { frozen } from './recent-runs.js';

export const CommandError = { NOT_FOUND: 'NOT_FOUND', BAD_REQUEST: 'BAD_REQUEST', CONFLICT: 'CONFLICT' } as const;
export type CommandError = (typeof CommandError)[keyof typeof CommandError];

export type Refusal = { ok: false; code: CommandError; message: string; field: string; problems?: SpecProblem[] };
export type Result<T> = ({ ok: true } & T) | Refusal;

const refuse = (code: CommandError, message: string, field = ''): Refusal => ({ ok: false, code, message, field });

/** One attempt of a task, as the API shows it. */
export interface TaskView {
  taskId: string;
  index: number;
  agentId: string;
  launchedMs: number;
  endedMs: number | undefined;
  result: string;
  exitCode: number | undefined;
  message: string | undefined;
}

export class BatchCommands {
  readonly #s: BatchScheduler;
  /** The jobs as JSON shows them, made once per spec (a submit replaces the spec). */
  readonly #shown = new WeakMap<JobSpec, JobSpec>();

  constructor(scheduler: BatchScheduler) {
    this.#s = scheduler;
  }

  /** Parses a job file (YAML or JSON text) and stores its jobs; a parse problem refuses it all. */
  submit(text: string): Promise<Result<{ jobs: string[]; warnings: string[] }>> {
    // Parsed before the exclusive section: it needs no state, and the section is the scheduler's.
    const parsed = parseJobs(text);
    if (!parsed.ok) return Promise.resolve({ ...refuse(CommandError.BAD_REQUEST, parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; '), parsed.problems[0]?.path ?? ''), problems: parsed.problems });
    return this.#s.exclusive(async () => {
      const roles = this.#s.roles;
      const wrongRole = parsed.jobs.findIndex((j) => !roles.includes(j.role));
      if (wrongRole >= 0) {
        const field = parsed.jobs.length > 1 ? `jobs[${wrongRole}].role` : 'role';
        return refuse(CommandError.BAD_REQUEST, `role ${parsed.jobs[wrongRole]!.role} is not one of the framework's roles (${roles.join(', ')})`, field);
      }
      // A cycle or a missing dependency needs a dependsOn among the jobs submitted; without one the
      // graph stays as sound as it was, and checking every job on each submit would be quadratic.
      if (parsed.jobs.some((j) => j.dependsOn.length > 0)) {
        const merged = new Map(this.#s.jobs);
        for (const j of parsed.jobs) merged.set(j.id, j);
        const graph = buildWorkflow([...merged.values()].map((j) => ({ id: j.id, dependsOn: j.dependsOn })));
        if (!graph.ok) return refuse(CommandError.BAD_REQUEST, graph.problems.map((p) => p.message).join('; '), 'dependsOn');
      }
      const now = this.#s.clock.now();
      const jobs: StoredJob[] = parsed.jobs.map((spec) => ({ spec, submittedMs: now }));
      const cursors = parsed.jobs.filter((j) => j.schedule).map((j) => ({ jobId: j.id, lastScheduledMs: undefined, sinceMs: now }));
      const deleteCursors = parsed.jobs.filter((j) => !j.schedule && this.#s.cron.cursors.has(j.id)).map((j) => j.id);
      await this.#s.commit({ jobs, cursors, deleteCursors });
      for (const j of parsed.jobs) this.#s.jobs.set(j.id, j);
      for (const c of cursors) this.#s.cron.cursors.set(c.jobId, c);
      for (const id of deleteCursors) this.#s.cron.cursors.delete(id);
      this.#s.cron.refresh();
      return { ok: true, jobs: parsed.jobs.map((j) => j.id), warnings: parsed.warnings };
    });
  }

  listJobs(): JobSpec[] {
    return [...this.#s.jobs.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** What the state stream shows (state-stream.ts): the jobs, and the recent runs and workflow runs as written. */
  state(): { jobs: JobSpec[]; runs: RunRecord[]; workflows: WorkflowRunRecord[] } {
    const jobs = this.listJobs().map((spec) => {
      let copy = this.#shown.get(spec);
      if (!copy) this.#shown.set(spec, (copy = frozen(spec)));
      return copy;
    });
    return { jobs, runs: this.#s.recent.runs(), workflows: this.#s.recent.workflows() };
  }

  getJob(id: string): JobSpec | undefined {
    return this.#s.jobs.get(id);
  }

  /** The job's next scheduled times (none without a schedule), from the later of now and its cursor. */
  nextRuns(id: string, count: number): number[] {
    const job = this.#s.jobs.get(id);
    if (!job?.schedule) return [];
    const cursor = this.#s.cron.cursors.get(id);
    return upcoming(job.schedule, Math.max(this.#s.clock.now(), cursor?.lastScheduledMs ?? 0), count);
  }

  /** Deletes a job; its active runs are cancelled. Refused while other jobs depend on it. */
  deleteJob(id: string): Promise<Result<{ cancelled: string[] }>> {
    return this.#s.exclusive(async () => {
      if (!this.#s.jobs.has(id)) return refuse(CommandError.NOT_FOUND, `no job ${id}`, 'id');
      const dependants = [...this.#s.jobs.values()].filter((j) => j.dependsOn.includes(id)).map((j) => j.id);
      if (dependants.length > 0) return refuse(CommandError.CONFLICT, `${dependants.join(', ')} depend on ${id}; delete them first`, 'id');
      const cancelled: string[] = [];
      for (const run of [...this.#s.live.values()].filter((r) => r.record.jobId === id)) {
        await this.#s.cancelRun(run, 'the job was deleted');
        cancelled.push(run.record.runId);
      }
      await this.#s.commit({ deleteJobs: [id], deleteCursors: [id] });
      this.#s.jobs.delete(id);
      this.#s.cron.cursors.delete(id);
      this.#s.cron.refresh();
      return { ok: true, cancelled };
    });
  }

  /** Starts a run now; a job others depend on starts a workflow run of it and its dependants. */
  runNow(jobId: string, params: Record<string, string>): Promise<Result<{ runId: string; workflowRunId: string | undefined }>> {
    return this.#s.exclusive(async () => {
      const job = this.#s.jobs.get(jobId);
      if (!job) return refuse(CommandError.NOT_FOUND, `no job ${jobId}`, 'id');
      const problems = checkParameterValues(job, params);
      if (problems.length > 0) return { ...refuse(CommandError.BAD_REQUEST, problems.map((p) => p.message).join('; '), problems[0]!.path), problems };
      if (hasDependants(jobId, this.#s.jobs)) {
        const wf = await this.#s.workflows.start(jobId, params);
        if (!wf.ok) return refuse(wf.code, wf.message, wf.field);
        return { ok: true, runId: wf.started[0]?.runId ?? '', workflowRunId: wf.workflow.id };
      }
      const record = this.#s.newRunRecord(job, params);
      await this.#s.commit({ runs: [record] });
      this.#s.adopt([record]);
      return { ok: true, runId: record.runId, workflowRunId: undefined };
    });
  }

  async listRuns(jobId: string): Promise<Result<{ runs: RunRecord[] }>> {
    if (!this.#s.jobs.has(jobId)) return refuse(CommandError.NOT_FOUND, `no job ${jobId}`, 'id');
    const runs = await this.#s.store.listRuns(jobId);
    return { ok: true, runs: runs.map((r) => this.#s.live.get(r.runId)?.record ?? r).sort((a, b) => a.seq - b.seq) };
  }

  /** A run with its task attempts, or a workflow run with its nodes. */
  async getRun(runId: string): Promise<Result<{ run: RunRecord; tasks: TaskView[] } | { workflow: WorkflowRunRecord }>> {
    const record = this.#s.live.get(runId)?.record ?? (await this.#s.store.getRun(runId));
    if (record) {
      const tasks = tasksOf(await this.#s.store.runEvents(runId));
      // The tracker's record knows more than the events (a kill for a deadline, not just "killed").
      const attempts = new Map((record.outcome?.attempts ?? []).map((a) => [a.taskId, a]));
      for (const task of tasks) task.result = attempts.get(task.taskId)?.result ?? task.result;
      return { ok: true, run: record, tasks };
    }
    const wf = this.#s.workflows.active.get(runId) ?? (await this.#s.store.getWorkflowRun(runId));
    if (wf) return { ok: true, workflow: wf };
    return refuse(CommandError.NOT_FOUND, `no run ${runId}`, 'runId');
  }

  cancel(runId: string): Promise<Result<{ run: RunRecord }>> {
    return this.#s.exclusive(async () => {
      const run = this.#s.live.get(runId);
      if (!run) {
        const stored = await this.#s.store.getRun(runId);
        return stored ? refuse(CommandError.CONFLICT, `run ${runId} is already ${stored.state}`, 'runId') : refuse(CommandError.NOT_FOUND, `no run ${runId}`, 'runId');
      }
      await this.#s.cancelRun(run, 'cancelled by a user');
      return { ok: true, run: run.record };
    });
  }

  rerun(runId: string, from: string): Promise<Result<{ workflow: WorkflowRunRecord; started: string[] }>> {
    return this.#s.exclusive(async () => {
      const r = await this.#s.workflows.rerun(runId, from);
      if (!r.ok) return refuse(r.code, r.message, r.field);
      return { ok: true, workflow: r.workflow, started: r.started.map((s) => s.runId) };
    });
  }
}

/** Attempts from a run's events: each launch, and how it ended if it did. */
function tasksOf(events: readonly RunEvent[]): TaskView[] {
  const out = new Map<string, TaskView>();
  for (const e of events) {
    if (e.type === 'launch') out.set(e.taskId, { taskId: e.taskId, index: e.index, agentId: e.agentId, launchedMs: e.atMs, endedMs: undefined, result: 'running', exitCode: undefined, message: undefined });
    if (e.type === 'end') {
      const t = out.get(e.taskId);
      if (!t) continue;
      t.endedMs = e.atMs;
      t.result = e.end.kind;
      t.exitCode = e.end.kind === 'failed' ? e.end.exitCode : e.end.kind === 'succeeded' ? 0 : undefined;
      t.message = 'message' in e.end ? e.end.message : undefined;
    }
  }
  return [...out.values()];
}
