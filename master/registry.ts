// The master's in-memory registry: agents, frameworks, live and recently completed tasks, with
// the resource accounting that follows task states. No I/O; the master persists what changes.
import { TaskState, isTerminal, resources, type Channel, type Res } from '../protocol/index.js';
import type { StatusUpdate } from '../protocol/domain/index.js';
import type { GangRequest, RefusalFilter } from './allocator/types.js';
import { byRole } from './availability.js';
import { KeptTasks } from './kept-task.js';
import type { AgentRecord, ClusterState, FrameworkRecord, TaskRecord } from './store/records.js';

/**
 * An agent as the master knows it. What the allocator reads (record, total, reservations, use,
 * connection) changes only through the Registry's methods, which note the change for the
 * allocation cycle (master/allocation-cycle.ts visits only changed agents between full runs).
 */
export interface AgentEntry {
  readonly record: AgentRecord;
  readonly total: Res;
  /** Resources of live tasks on the agent, per role. */
  readonly usedByRole: ReadonlyMap<string, Res>;
  /** Static (from the agent's info) and dynamic reservations, per role. */
  readonly reserved: ReadonlyMap<string, Res>;
  readonly channel: Channel | undefined;
  tasks: Set<string>;
  /** Runs out the agent's grace after a disconnect, then after being unreachable. */
  lostTimer?: NodeJS.Timeout | undefined;
  drainTimer?: NodeJS.Timeout | undefined;
  usage?: AgentUsage | undefined;
}

/** The latest usage report of an agent. */
export interface AgentUsage {
  atMs: number;
  cpuPercent: number;
  memBytes: number;
  underPressure: boolean;
  pressureReason: string;
  tasks: Map<string, { cpuPercent: number; memBytes: number }>;
}

export interface FrameworkEntry {
  record: FrameworkRecord;
  channel: Channel | undefined;
  suppressed: Set<string>;
  filters: RefusalFilter[];
  /** Resources of the framework's live tasks, per role. */
  allocated: Map<string, Res>;
  tasks: Set<string>;
  /** The latest status per task sent but not yet acknowledged by the framework. */
  unacked: Map<string, StatusUpdate>;
  /** Pending all-or-nothing requests, by gang id. */
  gangs: Map<string, GangRequest>;
  failoverTimer?: NodeJS.Timeout | undefined;
}

/**
 * An agent re-sends only the oldest unacknowledged update of a task, so a duplicate is always one
 * of the last few applied; four is plenty (each uuid costs about 80 bytes per task).
 */
const APPLIED_UUIDS_KEPT = 4;

/** Live tasks on reachable agents count against their agent and framework; others do not. */
function holdsResources(state: TaskState): boolean {
  return !isTerminal(state) && state !== TaskState.TASK_UNREACHABLE;
}

type WritableAgent = { -readonly [K in keyof AgentEntry]: AgentEntry[K] } & { usedByRole: Map<string, Res>; reserved: Map<string, Res> };

export class Registry {
  /** Read it freely; add and remove agents with addAgent() and removeAgent(). */
  readonly agents = new Map<string, AgentEntry>();
  readonly frameworks = new Map<string, FrameworkEntry>();
  readonly tasks = new Map<string, TaskRecord>();
  /** Terminal, acknowledged tasks, oldest first, kept for reconciliation answers. */
  readonly completed = new Map<string, TaskRecord>();
  /** Shares what tasks have in common and cuts their specs after the launch. */
  readonly kept = new KeptTasks();
  #completedKept: number;

  /** Agents whose record, total, reservations or use changed since the allocation cycle took the set. */
  readonly changedAgents = new Set<string>();
  /** Counts changes to which agents are connected (added, removed, connected, disconnected). */
  agentMembership = 0;

  constructor(completedKept: number) {
    this.#completedKept = completedKept;
  }

  addAgent(entry: AgentEntry): void {
    this.agents.set(entry.record.id, entry);
    this.agentMembership++;
  }

  removeAgent(agentId: string): void {
    if (this.agents.delete(agentId)) this.agentMembership++;
  }

  /** Replaces the agent's record and what follows from it (its total and reservations). */
  setAgentRecord(agent: AgentEntry, record: AgentRecord): void {
    (agent as WritableAgent).record = record;
    refreshAgent(agent);
    this.changedAgents.add(record.id);
  }

  /** The agent's connection, or undefined once it is gone. */
  setAgentChannel(agent: AgentEntry, channel: Channel | undefined): void {
    if (agent.channel === channel) return;
    (agent as WritableAgent).channel = channel;
    this.agentMembership++;
  }

  /** Fills the registry from what a new leader loaded. */
  load(state: ClusterState): void {
    for (const record of state.agents) this.addAgent(agentEntry(record));
    for (const record of state.frameworks) this.frameworks.set(record.id, frameworkEntry(record));
    // Loaded tasks are past their launch: their RunTask left, or never will (see docs/protocol.md).
    for (const task of state.tasks) this.index(this.launched(this.#canonical(task)));
    for (const task of state.completedTasks.slice(-this.#completedKept)) this.completed.set(task.taskId, this.launched(this.#canonical(task)));
  }

  /**
   * The task's spec cut to what is kept once its RunTask has left (see kept-task.ts); call it
   * after the RunTask is built, never before.
   */
  launched(task: TaskRecord): TaskRecord {
    task.info = this.kept.spec(task.info, task);
    task.role = this.kept.text(task.role);
    return task;
  }

  /** A loaded task's ids and role as the agent's and framework's own strings (one copy each). */
  #canonical(task: TaskRecord): TaskRecord {
    task.agentId = this.agents.get(task.agentId)?.record.id ?? task.agentId;
    task.frameworkId = this.frameworks.get(task.frameworkId)?.record.id ?? task.frameworkId;
    task.status = { ...task.status, taskId: task.taskId, agentId: task.agentId, frameworkId: task.frameworkId };
    return task;
  }

  /** Whether a task id is taken, live or recently completed (ids are unique cluster-wide). */
  taskIdTaken(taskId: string): boolean {
    return this.tasks.has(taskId) || this.completed.has(taskId);
  }

  /** Adds a task and counts its resources against its agent and framework while it lives. */
  index(task: TaskRecord): void {
    this.tasks.set(task.taskId, task);
    const agent = this.agents.get(task.agentId);
    const framework = this.frameworks.get(task.frameworkId);
    agent?.tasks.add(task.taskId);
    framework?.tasks.add(task.taskId);
    if (isTerminal(task.status.state) && task.status.uuid) framework?.unacked.set(task.taskId, task.status);
    if (holdsResources(task.status.state)) this.#charge(task, 1);
  }

  /** Counts a live task's resources against its agent and framework (sign 1), or gives them back (-1). */
  #charge(task: TaskRecord, sign: 1 | -1): void {
    const r = resources.normalize(task.info.resources);
    const move = (from: Res | undefined): Res => (sign === 1 ? resources.add(from ?? resources.empty(), r) : resources.subtract(from ?? resources.empty(), r));
    const agent = this.agents.get(task.agentId);
    if (agent) {
      (agent as WritableAgent).usedByRole.set(task.role, move(agent.usedByRole.get(task.role)));
      this.changedAgents.add(agent.record.id);
    }
    const framework = this.frameworks.get(task.frameworkId);
    if (framework) framework.allocated.set(task.role, move(framework.allocated.get(task.role)));
  }

  /**
   * Moves a task to a new status; when it ends or becomes unreachable its resources go back to
   * the pool (and are charged again if an unreachable task comes back). Returns true when
   * resources were released (the allocator should run).
   */
  applyStatus(task: TaskRecord, status: StatusUpdate): boolean {
    const held = holdsResources(task.status.state);
    task.status = status;
    // A new array, never one changed in place: the memory store shares the record's (copyOf).
    if (status.uuid) task.appliedUuids = [...task.appliedUuids.slice(1 - APPLIED_UUIDS_KEPT), status.uuid];
    const holds = holdsResources(status.state);
    if (held === holds) return false;
    this.#charge(task, holds ? 1 : -1);
    return !holds;
  }

  /** Drops a task from the live registry and its agent's and framework's indexes. */
  remove(taskId: string): TaskRecord | undefined {
    const task = this.tasks.get(taskId);
    if (!task) return undefined;
    this.tasks.delete(taskId);
    this.agents.get(task.agentId)?.tasks.delete(taskId);
    this.frameworks.get(task.frameworkId)?.tasks.delete(taskId);
    return task;
  }

  /** Moves a terminal, acknowledged task to the bounded completed list; returns the ids it pushed out. */
  retire(task: TaskRecord): string[] {
    this.remove(task.taskId);
    this.completed.set(task.taskId, task);
    const evicted: string[] = [];
    while (this.completed.size > this.#completedKept) {
      const oldest = this.completed.keys().next().value as string;
      this.completed.delete(oldest);
      evicted.push(oldest);
    }
    return evicted;
  }
}

export function agentEntry(record: AgentRecord): AgentEntry {
  const entry: AgentEntry = {
    record,
    total: resources.empty(),
    usedByRole: new Map(),
    reserved: new Map(),
    channel: undefined,
    tasks: new Set(),
  };
  refreshAgent(entry);
  return entry;
}

/** Recomputes what follows from the agent's record: its total and its reservations. */
function refreshAgent(entry: AgentEntry): void {
  const writable = entry as WritableAgent;
  writable.total = resources.normalize(entry.record.info.resources);
  const statics = entry.record.info.reservations.map((r) => ({ role: r.role, resources: r.resources }));
  writable.reserved = byRole([...statics, ...(entry.record.dynamicReservations ?? [])]);
}

export function frameworkEntry(record: FrameworkRecord): FrameworkEntry {
  return { record, channel: undefined, suppressed: new Set(), filters: [], allocated: new Map(), tasks: new Set(), unacked: new Map(), gangs: new Map() };
}

/** Everything live tasks hold on an agent (the sum over its roles). */
export function usedOn(agent: AgentEntry): Res {
  let sum = resources.empty();
  for (const r of agent.usedByRole.values()) sum = resources.add(sum, r);
  return sum;
}
