// The embedded ClusterStore of `berth dev`: state in memory, optionally snapshotted to a file
// (written atomically, and before apply() resolves, so what was acknowledged survives a restart).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, ErrorCode } from '../../protocol/index.js';
import type { CampaignResult, Candidate, ClusterStore, LeaderInfo, Renewal } from './cluster-store.js';
import { readAgent, readFramework, readTask, type AgentRecord, type AuditEvent, type ClusterState, type FrameworkRecord, type RoleRecord, type StateChange, type TaskRecord } from './records.js';

const HISTORY_LIMIT = 10_000;
/** How many audit events are kept unless told otherwise (the same default as RedisStore's). */
export const DEFAULT_AUDIT_LIMIT = 10_000;

export interface MemoryStoreOptions {
  /** A folder for state.json; without it nothing survives the process. */
  dataDir?: string | undefined;
  now?: () => number;
  /** The audit log keeps the newest this many events (default 10,000). */
  auditLimit?: number | undefined;
}

interface Snapshot {
  version: 1;
  epoch: number;
  agents: AgentRecord[];
  frameworks: FrameworkRecord[];
  tasks: TaskRecord[];
  roles?: RoleRecord[];
  completedTasks?: TaskRecord[];
  audit?: AuditEvent[];
}

export class MemoryStore implements ClusterStore {
  #agents = new Map<string, AgentRecord>();
  #frameworks = new Map<string, FrameworkRecord>();
  #tasks = new Map<string, TaskRecord>();
  #completed = new Map<string, TaskRecord>();
  #roles = new Map<string, RoleRecord>();
  #history: { id: string; epoch: number; change: StateChange }[] = [];
  #audit: AuditEvent[] = [];
  #auditLimit: number;
  #seq = 0;
  #epoch = 0;
  #lease: { holder: LeaderInfo; expiresAtMs: number } | undefined;
  #dataDir: string | undefined;
  #now: () => number;
  // Group commit: each change gets a generation; apply() waits until a snapshot at or past it is written.
  #generation = 0;
  #written = 0;
  #writing: Promise<void> | undefined;

  private constructor(options: MemoryStoreOptions) {
    this.#dataDir = options.dataDir;
    this.#now = options.now ?? Date.now;
    this.#auditLimit = options.auditLimit ?? DEFAULT_AUDIT_LIMIT;
    if (!Number.isInteger(this.#auditLimit) || this.#auditLimit <= 0) {
      throw new BerthError(ErrorCode.BAD_REQUEST, `auditLimit must be a positive whole number, got ${this.#auditLimit}`, { field: 'auditLimit' });
    }
  }

  /** Opens a store, loading the snapshot from dataDir when there is one. */
  static async open(options: MemoryStoreOptions = {}): Promise<MemoryStore> {
    const store = new MemoryStore(options);
    if (options.dataDir) {
      await mkdir(options.dataDir, { recursive: true });
      const text = await readFile(join(options.dataDir, 'state.json'), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (text !== undefined) store.#restore(JSON.parse(text) as Snapshot);
    }
    return store;
  }

  async campaign(candidate: Candidate, leaseMs: number): Promise<CampaignResult> {
    const now = this.#now();
    const lease = this.#lease;
    if (lease && lease.expiresAtMs > now && lease.holder.masterId !== candidate.masterId) {
      return { elected: false, leader: lease.holder };
    }
    if (lease && lease.expiresAtMs > now) {
      lease.expiresAtMs = now + leaseMs;
      return { elected: true, leader: lease.holder };
    }
    this.#epoch++;
    this.#lease = { holder: { masterId: candidate.masterId, url: candidate.url, epoch: this.#epoch }, expiresAtMs: now + leaseMs };
    await this.#persist();
    return { elected: true, leader: this.#lease.holder };
  }

  async renew(masterId: string, epoch: number, leaseMs: number): Promise<Renewal> {
    const lease = this.#lease;
    const now = this.#now();
    if (!lease || lease.holder.masterId !== masterId || lease.holder.epoch !== epoch || lease.expiresAtMs <= now) {
      return 'lost';
    }
    lease.expiresAtMs = now + leaseMs;
    return 'held';
  }

  async resign(masterId: string, epoch: number): Promise<void> {
    if (this.#lease?.holder.masterId === masterId && this.#lease.holder.epoch === epoch) this.#lease = undefined;
  }

  async leader(): Promise<LeaderInfo | null> {
    const lease = this.#lease;
    return lease && lease.expiresAtMs > this.#now() ? lease.holder : null;
  }

  async load(): Promise<ClusterState> {
    return structuredClone({
      agents: [...this.#agents.values()],
      frameworks: [...this.#frameworks.values()],
      tasks: [...this.#tasks.values()],
      roles: [...this.#roles.values()],
      // Oldest first by the time of the last status, as RedisStore answers.
      completedTasks: [...this.#completed.values()].sort((a, b) => a.status.timestampMs - b.status.timestampMs),
    });
  }

  async apply(epoch: number, changes: readonly StateChange[]): Promise<void> {
    if (epoch !== this.#epoch) {
      throw new BerthError(ErrorCode.FENCED, `write under epoch ${epoch} refused: the current epoch is ${this.#epoch}`);
    }
    for (const change of changes) {
      const copy = copyOf(change);
      switch (copy.type) {
        case 'agent.put': this.#agents.set(copy.agent.id, copy.agent); break;
        case 'agent.delete': this.#agents.delete(copy.agentId); break;
        case 'framework.put': this.#frameworks.set(copy.framework.id, copy.framework); break;
        case 'framework.delete': this.#frameworks.delete(copy.frameworkId); break;
        case 'task.put': this.#tasks.set(copy.task.taskId, copy.task); break;
        case 'task.status': this.#setStatus(copy); break;
        case 'task.delete': this.#tasks.delete(copy.taskId); break;
        case 'task.complete': this.#tasks.delete(copy.task.taskId); this.#completed.set(copy.task.taskId, copy.task); break;
        case 'completed.delete': this.#completed.delete(copy.taskId); break;
        case 'role.put': this.#roles.set(copy.role.name, copy.role); break;
        case 'role.delete': this.#roles.delete(copy.name); break;
      }
      this.#history.push({ id: `${this.#now()}-${this.#seq++}`, epoch, change: copy });
    }
    if (this.#history.length > HISTORY_LIMIT) this.#history.splice(0, this.#history.length - HISTORY_LIMIT);
    await this.#persist();
  }

  async history(count: number): Promise<{ id: string; epoch: number; change: StateChange }[]> {
    // slice(-0) would be the whole log, not none of it.
    if (!(count > 0)) return [];
    return structuredClone(this.#history.slice(-Math.floor(count)));
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    this.#audit.push(structuredClone(event));
    if (this.#audit.length > this.#auditLimit) this.#audit.splice(0, this.#audit.length - this.#auditLimit);
    await this.#persist();
  }

  async audit(count: number): Promise<AuditEvent[]> {
    if (!(count > 0)) return [];
    return structuredClone(this.#audit.slice(-Math.floor(count)));
  }

  async close(): Promise<void> {
    await this.#writing;
  }

  /**
   * A status change of a task this store does not hold is dropped (its record is what counts). The
   * master's cut spec, when the change carries it, replaces the launch intent's whole one: this
   * store lives in the master's heap, and the whole spec would stay there once per task.
   */
  #setStatus(change: Extract<StateChange, { type: 'task.status' }>): void {
    const task = this.#tasks.get(change.taskId);
    if (task) this.#tasks.set(change.taskId, { ...task, info: change.info ?? task.info, status: change.status, appliedUuids: change.appliedUuids });
  }

  #restore(snapshot: Snapshot): void {
    this.#epoch = snapshot.epoch;
    for (const a of snapshot.agents) this.#agents.set(a.id, readAgent(a));
    for (const f of snapshot.frameworks) this.#frameworks.set(f.id, readFramework(f));
    for (const t of snapshot.tasks) this.#tasks.set(t.taskId, readTask(t));
    for (const r of snapshot.roles ?? []) this.#roles.set(r.name, r);
    for (const t of snapshot.completedTasks ?? []) this.#completed.set(t.taskId, readTask(t));
    this.#audit = (snapshot.audit ?? []).slice(-this.#auditLimit);
  }

  /** Resolves once a snapshot that includes every change so far is on disk. */
  async #persist(): Promise<void> {
    if (!this.#dataDir) return;
    const target = ++this.#generation;
    while (this.#written < target) {
      if (!this.#writing) this.#writing = this.#write().finally(() => (this.#writing = undefined));
      await this.#writing;
    }
  }

  async #write(): Promise<void> {
    const dir = this.#dataDir as string;
    const generation = this.#generation;
    const snapshot: Snapshot = {
      version: 1,
      epoch: this.#epoch,
      agents: [...this.#agents.values()],
      frameworks: [...this.#frameworks.values()],
      tasks: [...this.#tasks.values()],
      roles: [...this.#roles.values()],
      completedTasks: [...this.#completed.values()],
      audit: this.#audit,
    };
    const tmp = join(dir, `state.json.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(snapshot));
    await rename(tmp, join(dir, 'state.json'));
    this.#written = generation;
  }
}

/**
 * A copy one level deep, so later changes the caller makes to its records do not reach the store.
 * Enough because the master replaces a record's nested objects (a task's appliedUuids too) instead
 * of changing them. A deep clone of every change cost a fifth of the master's CPU in the scale
 * bench.
 */
function copyOf(change: StateChange): StateChange {
  switch (change.type) {
    case 'task.put': case 'task.complete': return { type: change.type, task: { ...change.task } };
    case 'agent.put': return { type: change.type, agent: { ...change.agent } };
    case 'framework.put': return { type: change.type, framework: { ...change.framework } };
    case 'role.put': return { type: change.type, role: { ...change.role } };
    default: return { ...change };
  }
}
