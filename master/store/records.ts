// What the master persists. Records are plain JSON-able objects (wire messages in toJSON form are
// avoided: we keep the property shapes of protocol/messages so they round-trip without loss).
import type { AgentInfo, FrameworkInfo, Res, TaskInfo, TaskStatus } from '../../protocol/index.js';

export interface AgentRecord {
  id: string;
  info: AgentInfo;
  registeredAtMs: number;
  /** active: connected or within its grace; unreachable: did not come back in time (see docs/protocol.md). */
  state: 'active' | 'unreachable' | 'gone';
  /** When it was marked unreachable. */
  unreachableSinceMs?: number | undefined;
  draining?: { deadlineMs: number } | undefined;
  /** Reservations made by RESERVE operations (static ones come with the agent's info). */
  dynamicReservations?: { role: string; resources: Res }[] | undefined;
}

export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  registeredAtMs: number;
  /** Set while disconnected: when its tasks are killed if it does not come back. */
  disconnectedAtMs?: number | undefined;
}

export interface TaskRecord {
  taskId: string;
  frameworkId: string;
  agentId: string;
  info: TaskInfo;
  /** The latest status applied; STAGING when only the launch intent is persisted. */
  status: TaskStatus;
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
}

/** One state change. A batch of them is applied atomically under the leader's epoch. */
export type StateChange =
  | { type: 'agent.put'; agent: AgentRecord }
  | { type: 'agent.delete'; agentId: string }
  | { type: 'framework.put'; framework: FrameworkRecord }
  | { type: 'framework.delete'; frameworkId: string }
  | { type: 'task.put'; task: TaskRecord }
  | { type: 'task.delete'; taskId: string }
  | { type: 'role.put'; role: RoleRecord }
  | { type: 'role.delete'; name: string };
