// What the master persists. Records are plain JSON-able objects holding the domain values of
// protocol/domain (every field present). Their field names are the wire messages' (in camelCase),
// so a record written by an earlier version, which held the wire messages with absent fields
// left out, is the same shape with fields missing: readX() below completes it with the decoders,
// and both stores read every record through them.
import type { Res } from '../../protocol/index.js';
import {
  decodeAgentInfo,
  decodeFrameworkInfo,
  decodeTaskInfo,
  decodeTaskStatus,
  type AgentDescription,
  type FrameworkDescription,
  type StatusUpdate,
  type TaskSpec,
} from '../../protocol/domain/index.js';

export interface AgentRecord {
  id: string;
  info: AgentDescription;
  registeredAtMs: number;
  /** active: connected or within its grace; unreachable: did not come back in time (see docs/protocol.md). */
  state: 'active' | 'unreachable' | 'gone';
  /** When it was marked unreachable. */
  unreachableSinceMs?: number | undefined;
  draining?: { deadlineMs: number } | undefined;
  /** Reservations made by RESERVE operations (static ones come with the agent's info). */
  dynamicReservations?: { role: string; resources: Res }[] | undefined;
  /** The principal that registered it, with authentication on; only it may register as this id again. */
  principal?: string | undefined;
}

export interface FrameworkRecord {
  id: string;
  info: FrameworkDescription;
  registeredAtMs: number;
  /** Set while disconnected: when its tasks are killed if it does not come back. */
  disconnectedAtMs?: number | undefined;
}

export interface TaskRecord {
  taskId: string;
  frameworkId: string;
  agentId: string;
  /**
   * The whole spec while the launch intent is written (RedisStore keeps it whole; MemoryStore
   * until the task's first update); once its RunTask has left, only what the master reads
   * (master/kept-task.ts).
   */
  info: TaskSpec;
  /** The latest status applied; STAGING when only the launch intent is persisted. */
  status: StatusUpdate;
  /** Uuids of agent updates already applied, newest last (bounded), so a re-sent one is not applied twice. */
  appliedUuids: string[];
  launchedAtMs: number;
  /** The role of the offer the task was launched from (its resources count against it). */
  role: string;
  /**
   * Set once the framework asked to kill the task (what it wants, kept apart from the status the
   * agent reports): re-sent to an agent that registers again, also after a master failover, and
   * why the task ends KILLED rather than LOST if its agent never comes back.
   */
  killAsked?: { gracePeriodMs: number; reason: string } | undefined;
}

/** An operator's configuration of one role: weight and quota. */
export interface RoleRecord {
  name: string;
  weight: number;
  quotaGuarantee?: Res | undefined;
  quotaLimit?: Res | undefined;
}

export interface ClusterState {
  agents: AgentRecord[];
  frameworks: FrameworkRecord[];
  tasks: TaskRecord[];
  roles: RoleRecord[];
  /** Ended, acknowledged tasks kept for reconciliation and the state (bounded by the master), oldest first. */
  completedTasks: TaskRecord[];
  /** Which write the state is as of, when the store can tell (see ClusterStore.stateVersion). */
  version?: string;
}

/**
 * One operator change, as the audit log keeps it (docs/api.md, "Audit events"). `who` is the
 * authenticated principal; with authentication off, the caller's x-berth-user header or
 * 'anonymous', a claim.
 */
export interface AuditEvent {
  id: string;
  atMs: number;
  who: string;
  /** What was done, as `<kind>.<verb>`: role.put, agent.drain, task.kill, framework.teardown, … */
  action: string;
  /** What it was done to: `<kind>/<id>`, like agent/a-1 or role/eng. */
  subject: string;
  /** The request's parameters that matter (a deadline, a weight); JSON values only. */
  details: Record<string, unknown>;
  result: 'ok' | 'failed';
  /** Why it failed, when it did. */
  error?: { code: string; message: string } | undefined;
}

/** One state change. A batch of them is applied atomically under the leader's epoch. */
export type StateChange =
  | { type: 'agent.put'; agent: AgentRecord }
  | { type: 'agent.delete'; agentId: string }
  | { type: 'framework.put'; framework: FrameworkRecord }
  | { type: 'framework.delete'; frameworkId: string }
  | { type: 'task.put'; task: TaskRecord }
  /**
   * Only the task's status (and the uuids applied) changed since its last put: the rest of its
   * record stays as stored. Written as a small delta, since it is most of what a launch writes.
   */
  | {
    type: 'task.status'; taskId: string; status: StatusUpdate; appliedUuids: string[];
    /**
     * The spec as the master keeps it now (cut and shared after the launch, master/kept-task.ts).
     * Not written by RedisStore; MemoryStore, which holds its records in the master's own heap,
     * keeps this one instead of the whole spec of the launch intent.
     */
    info?: TaskSpec;
  }
  | { type: 'task.delete'; taskId: string }
  /** A terminal, acknowledged task leaves the live tasks for the completed ones. */
  | { type: 'task.complete'; task: TaskRecord }
  /** A completed task is forgotten (the newest are kept). */
  | { type: 'completed.delete'; taskId: string }
  | { type: 'role.put'; role: RoleRecord }
  | { type: 'role.delete'; name: string };

// Records were validated when they were written; decoding completes them, it does not judge them.

export function readAgent(raw: AgentRecord): AgentRecord {
  return { ...raw, info: decodeAgentInfo(raw.info).value };
}

export function readFramework(raw: FrameworkRecord): FrameworkRecord {
  return { ...raw, info: decodeFrameworkInfo(raw.info).value };
}

export function readTask(raw: TaskRecord): TaskRecord {
  return { ...raw, info: decodeTaskInfo(raw.info).value, status: decodeTaskStatus(raw.status).value, appliedUuids: raw.appliedUuids ?? [] };
}

/** The change that writes task's current status, and nothing else of it. */
export function statusChange(task: TaskRecord): StateChange {
  return { type: 'task.status', taskId: task.taskId, status: task.status, appliedUuids: task.appliedUuids, info: task.info };
}

/** A change as stored, its record completed. */
export function readChange(change: StateChange): StateChange {
  switch (change.type) {
    case 'agent.put': return { type: change.type, agent: readAgent(change.agent) };
    case 'framework.put': return { type: change.type, framework: readFramework(change.framework) };
    case 'task.put': case 'task.complete': return { type: change.type, task: readTask(change.task) };
    default: return change;
  }
}
