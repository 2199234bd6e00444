// The in-memory BatchStore, for `berth dev` and tests: one process, nothing survives it. Values are
// copied in and out through JSON, so callers never share objects with the store (as with Redis).
import { MemoryAuditLog, type FrameworkAuditEvent } from '../sdk-adapter.js';
import type { BatchChange, BatchStore, RunEvent, RunRecord, ScheduleCursor, StoredJob, WorkflowRunRecord } from './batch-store.js';

const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export class MemoryBatchStore implements BatchStore {
  #frameworkId: string | undefined;
  #jobs = new Map<string, string>();
  #runs = new Map<string, string>();
  #events = new Map<string, string[]>();
  #workflows = new Map<string, string>();
  #cursors = new Map<string, string>();
  #audit: MemoryAuditLog;

  /** `auditLimit`: audit events kept (newest); default 10,000. */
  constructor(options: { auditLimit?: number } = {}) {
    this.#audit = new MemoryAuditLog(options.auditLimit);
  }

  async apply(change: BatchChange): Promise<void> {
    if (change.frameworkId !== undefined) this.#frameworkId = change.frameworkId;
    for (const j of change.jobs ?? []) this.#jobs.set(j.spec.id, JSON.stringify(j));
    for (const id of change.deleteJobs ?? []) this.#jobs.delete(id);
    for (const r of change.runs ?? []) this.#runs.set(r.runId, JSON.stringify(r));
    for (const { runId, events } of change.events ?? []) {
      // Appended in place: a run with thousands of tasks would make copying its list quadratic.
      const list = this.#events.get(runId) ?? [];
      for (const e of events) list.push(JSON.stringify(e));
      this.#events.set(runId, list);
    }
    for (const w of change.workflows ?? []) this.#workflows.set(w.id, JSON.stringify(w));
    for (const c of change.cursors ?? []) this.#cursors.set(c.jobId, JSON.stringify(c));
    for (const id of change.deleteCursors ?? []) this.#cursors.delete(id);
    for (const id of change.deleteRuns ?? []) {
      this.#runs.delete(id);
      this.#events.delete(id);
    }
  }

  async frameworkId(): Promise<string | undefined> {
    return this.#frameworkId;
  }

  async getJob(id: string): Promise<StoredJob | undefined> {
    const v = this.#jobs.get(id);
    return v === undefined ? undefined : (JSON.parse(v) as StoredJob);
  }

  async listJobs(): Promise<StoredJob[]> {
    return [...this.#jobs.values()].map((v) => JSON.parse(v) as StoredJob);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const v = this.#runs.get(runId);
    return v === undefined ? undefined : (JSON.parse(v) as RunRecord);
  }

  async listRuns(jobId?: string): Promise<RunRecord[]> {
    const all = [...this.#runs.values()].map((v) => JSON.parse(v) as RunRecord);
    return copy(jobId === undefined ? all : all.filter((r) => r.jobId === jobId));
  }

  async runEvents(runId: string): Promise<RunEvent[]> {
    return (this.#events.get(runId) ?? []).map((e) => JSON.parse(e) as RunEvent);
  }

  async getWorkflowRun(id: string): Promise<WorkflowRunRecord | undefined> {
    const v = this.#workflows.get(id);
    return v === undefined ? undefined : (JSON.parse(v) as WorkflowRunRecord);
  }

  async listWorkflowRuns(): Promise<WorkflowRunRecord[]> {
    return [...this.#workflows.values()].map((v) => JSON.parse(v) as WorkflowRunRecord);
  }

  async listCursors(): Promise<ScheduleCursor[]> {
    return [...this.#cursors.values()].map((v) => JSON.parse(v) as ScheduleCursor);
  }

  appendAudit(event: FrameworkAuditEvent): Promise<void> {
    return this.#audit.appendAudit(event);
  }

  audit(count: number): Promise<FrameworkAuditEvent[]> {
    return this.#audit.audit(count);
  }

  async close(): Promise<void> {}
}
