// The batch framework's HTTP API as the CLI calls it (docs/batch.md, "HTTP API").
import type { TaskView } from '../../frameworks/batch/commands.js';
import type { JobSpec } from '../../frameworks/batch/index.js';
import type { RunRecord, WorkflowRunRecord } from '../../frameworks/batch/store/index.js';
import { deleteJson, getJson, postJson, postText, type Peer } from '../http.js';

export const BATCH: Peer = { name: 'the batch framework', hint: "'berth dev' starts one on :5080; or pass --batch URL." };

export type RunAnswer = { run: RunRecord; tasks: TaskView[] } | { workflow: WorkflowRunRecord };

/** A job id as a user may type it, with or without its leading slash. */
export function jobId(id: string): string {
  return `/${id.replace(/^\/+/, '')}`;
}

/** Run ids (run-...) and workflow run ids (wf-...) as the batch framework makes them; never a slash. */
export function isRunId(id: string): boolean {
  return /^(run|wf)-[a-z0-9]+-[0-9a-f]+$/.test(id);
}

export class BatchClient {
  constructor(readonly base: string) {}

  #job(id: string, tail = ''): string {
    return `${this.base}/api/v1/jobs/${encodeURIComponent(jobId(id))}${tail}`;
  }

  #run(id: string, tail = ''): string {
    return `${this.base}/api/v1/runs/${encodeURIComponent(id)}${tail}`;
  }

  /** The batch framework's state stream of one job (docs/batch.md, "State stream"). */
  streamUrl(id: string): string {
    return `${this.base.replace(/^http/, 'ws')}/api/v1/stream?job=${encodeURIComponent(jobId(id))}`;
  }

  submit(text: string, contentType: string): Promise<{ jobs: string[]; warnings: string[] }> {
    return postText(`${this.base}/api/v1/jobs`, text, contentType, BATCH);
  }

  async list(): Promise<JobSpec[]> {
    return (await getJson<{ jobs: JobSpec[] }>(`${this.base}/api/v1/jobs`, BATCH)).jobs;
  }

  get(id: string): Promise<{ job: JobSpec; nextRunsMs: number[] }> {
    return getJson(this.#job(id), BATCH);
  }

  remove(id: string): Promise<{ deleted: string; cancelled: string[] }> {
    return deleteJson(this.#job(id), BATCH);
  }

  start(id: string, params: Record<string, string>): Promise<{ runId: string; workflowRunId?: string }> {
    return postJson(this.#job(id, '/runs'), Object.keys(params).length ? { params } : undefined, BATCH);
  }

  async runs(id: string): Promise<RunRecord[]> {
    return (await getJson<{ runs: RunRecord[] }>(this.#job(id, '/runs'), BATCH)).runs;
  }

  run(runId: string): Promise<RunAnswer> {
    return getJson(this.#run(runId), BATCH);
  }

  cancel(runId: string): Promise<{ run: RunRecord }> {
    return postJson(this.#run(runId, '/cancel'), undefined, BATCH);
  }
}
