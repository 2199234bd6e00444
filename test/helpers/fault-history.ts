// What a fault scenario recorded, as plain values: the recorder (fault-recorder.ts) produces a
// history, the checker (fault-checker.ts) judges it, and unit tests build histories by hand.
// Times are epoch ms on this host's clock (Redis runs on the same host, so its MONITOR times agree).

/** Resources the checker adds up (the rest of a task's resources are not checked). */
export interface Amount {
  cpus: number;
  memMb: number;
}

/** A task as the leading master lists it (live or completed). */
export interface MasterTask {
  taskId: string;
  agentId: string;
  /** A task state name without the TASK_ prefix, as GET /api/v1/state gives it: RUNNING, FINISHED... */
  state: string;
  resources: Amount;
}

export interface MasterSample {
  /** The name the scenario gave the master (m1, m2...). */
  master: string;
  epoch: number;
  agents: { agentId: string; total: Amount }[];
  tasks: MasterTask[];
}

/** What one agent says it runs. */
export interface AgentSample {
  agentId: string;
  tasks: { taskId: string; state: string }[];
}

/** A container Docker lists with berth's labels. */
export interface ContainerSample {
  id: string;
  taskId: string;
  agentId: string;
  running: boolean;
}

/** Everything sampled at one moment. */
export interface Snapshot {
  atMs: number;
  /** The leader's state; null when no master answered as leader. */
  master: MasterSample | null;
  agents: AgentSample[];
  /** null when the scenario has no Docker agents (nothing to check for orphans). */
  containers: ContainerSample[] | null;
}

export type HistoryEvent =
  /** A master reported that it leads under this epoch. */
  | { kind: 'leader'; atMs: number; master: string; epoch: number }
  /** A state change the store applied (seen in Redis), under the epoch the script checked, by a writer. */
  | { kind: 'write'; atMs: number; writer: string; epoch: number; change: string }
  /** The master answered a framework's launch of this task as accepted. */
  | { kind: 'launch-acked'; atMs: number; taskId: string }
  /** A framework received an update (the master forwards only what it persisted). */
  | { kind: 'update'; atMs: number; framework: string; taskId: string; agentId: string; state: string }
  | ({ kind: 'snapshot' } & Snapshot)
  /** The scenario injected a fault. */
  | { kind: 'fault'; atMs: number; what: string }
  /**
   * The master removed a framework (torn down, or away past its failover timeout): its tasks are to
   * end, and it is to hear nothing more. `framework` is the name its updates are recorded under.
   */
  | { kind: 'framework-removed'; atMs: number; framework: string; why: string }
  /** The scenario removed the last fault: convergence is measured from here. */
  | { kind: 'healed'; atMs: number }
  /** A task launched after the heal, and the state it reached. */
  | { kind: 'launch-after-heal'; atMs: number; taskId: string; state: string };

export type EventOf<K extends HistoryEvent['kind']> = Extract<HistoryEvent, { kind: K }>;

export const TERMINAL_STATES: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'KILLED', 'ERROR', 'LOST', 'DROPPED', 'GONE', 'GONE_BY_OPERATOR']);

/** States that mean the task is (or is about to be) on its agent, holding its resources. */
export const LIVE_STATES: ReadonlySet<string> = new Set(['STAGING', 'STARTING', 'RUNNING', 'KILLING']);
