// The production BatchStore: hashes of JSON values and one list of events per run, under the
// framework's own key prefix (./keys.ts). Each change is one MULTI/EXEC, so it lands whole or not
// at all; the client's offline queue is disabled, so a write never reaches Redis after its caller
// gave up on it.
import { checkAuditRetention, closeStateRedis, connectStateRedis, RedisAuditLog, stateCall, type FrameworkAuditEvent, type StateRedisClient, type StateRedisOptions } from '../sdk-adapter.js';
import type { BatchChange, BatchStore, RunEvent, RunRecord, ScheduleCursor, StoredJob, WorkflowRunRecord } from './batch-store.js';
import { DEFAULT_BATCH_KEY_PREFIX, batchKeys, type BatchKeys } from './keys.js';

export interface RedisBatchStoreOptions extends StateRedisOptions {
  /** Prefix of every key; default `berth-batch:`. */
  keyPrefix?: string;
  /** Audit events kept (the newest); default 10,000. */
  auditMaxLen?: number;
}

export class RedisBatchStore implements BatchStore {
  #client: StateRedisClient;
  #keys: BatchKeys;
  #audit: RedisAuditLog;

  private constructor(client: StateRedisClient, keys: BatchKeys, auditMaxLen: number) {
    this.#client = client;
    this.#keys = keys;
    this.#audit = new RedisAuditLog(client, keys.audit, auditMaxLen);
  }

  /** Connects; rejects with STORE_UNAVAILABLE when Redis does not answer within connectTimeoutMs. */
  static async open(options: RedisBatchStoreOptions): Promise<RedisBatchStore> {
    const max = checkAuditRetention(options.auditMaxLen, 'auditMaxLen');
    const client = await connectStateRedis(options);
    return new RedisBatchStore(client, batchKeys(options.keyPrefix ?? DEFAULT_BATCH_KEY_PREFIX), max);
  }

  async apply(change: BatchChange): Promise<void> {
    const k = this.#keys;
    const m = this.#client.multi();
    if (change.frameworkId !== undefined) m.set(k.frameworkId, change.frameworkId);
    for (const j of change.jobs ?? []) m.hSet(k.jobs, j.spec.id, JSON.stringify(j));
    for (const id of change.deleteJobs ?? []) m.hDel(k.jobs, id);
    for (const r of change.runs ?? []) m.hSet(k.runs, r.runId, JSON.stringify(r));
    for (const { runId, events } of change.events ?? []) {
      if (events.length > 0) m.rPush(k.runEvents(runId), events.map((e) => JSON.stringify(e)));
    }
    for (const w of change.workflows ?? []) m.hSet(k.workflows, w.id, JSON.stringify(w));
    for (const c of change.cursors ?? []) m.hSet(k.cursors, c.jobId, JSON.stringify(c));
    for (const id of change.deleteCursors ?? []) m.hDel(k.cursors, id);
    for (const id of change.deleteRuns ?? []) {
      m.hDel(k.runs, id);
      m.del(k.runEvents(id));
    }
    await stateCall(() => m.exec());
  }

  async frameworkId(): Promise<string | undefined> {
    return (await stateCall(() => this.#client.get(this.#keys.frameworkId))) ?? undefined;
  }

  getJob(id: string): Promise<StoredJob | undefined> {
    return this.#hGet<StoredJob>(this.#keys.jobs, id);
  }

  listJobs(): Promise<StoredJob[]> {
    return this.#hValues<StoredJob>(this.#keys.jobs);
  }

  getRun(runId: string): Promise<RunRecord | undefined> {
    return this.#hGet<RunRecord>(this.#keys.runs, runId);
  }

  async listRuns(jobId?: string): Promise<RunRecord[]> {
    const all = await this.#hValues<RunRecord>(this.#keys.runs);
    return jobId === undefined ? all : all.filter((r) => r.jobId === jobId);
  }

  async runEvents(runId: string): Promise<RunEvent[]> {
    const list = await stateCall(() => this.#client.lRange(this.#keys.runEvents(runId), 0, -1));
    return list.map((e) => JSON.parse(e) as RunEvent);
  }

  getWorkflowRun(id: string): Promise<WorkflowRunRecord | undefined> {
    return this.#hGet<WorkflowRunRecord>(this.#keys.workflows, id);
  }

  listWorkflowRuns(): Promise<WorkflowRunRecord[]> {
    return this.#hValues<WorkflowRunRecord>(this.#keys.workflows);
  }

  listCursors(): Promise<ScheduleCursor[]> {
    return this.#hValues<ScheduleCursor>(this.#keys.cursors);
  }

  appendAudit(event: FrameworkAuditEvent): Promise<void> {
    return this.#audit.appendAudit(event);
  }

  audit(count: number): Promise<FrameworkAuditEvent[]> {
    return this.#audit.audit(count);
  }

  close(): Promise<void> {
    return closeStateRedis(this.#client);
  }

  async #hGet<T>(key: string, field: string): Promise<T | undefined> {
    const v = await stateCall(() => this.#client.hGet(key, field));
    return v === null || v === undefined ? undefined : (JSON.parse(v) as T);
  }

  async #hValues<T>(key: string): Promise<T[]> {
    const vs = await stateCall(() => this.#client.hVals(key));
    return vs.map((v) => JSON.parse(v) as T);
  }
}
