// The shapes the task queue takes and hands out.
import type { TaskState } from '../../protocol/index.js';
import type { StatusUpdate } from '../../protocol/domain/index.js';
import type { Constraint, TaskShape } from './match.js';
import type { CommandInput, ContainerInput, HealthCheckInput } from './task-input.js';
import type { SchedulerClient, SchedulerEvent } from './scheduler-client.js';
import type { SdkLogger } from './options.js';

/** What the queue needs of a client: a `SchedulerClient`, or a stand-in in tests. */
export type TaskQueueClient = Pick<SchedulerClient, 'connected' | 'events' | 'launch' | 'decline' | 'kill' | 'reconcile' | 'revive' | 'suppress'>;

/** A task for the queue to run. */
export interface TaskSpec {
  /** The framework's name for the task; attempts run as `<id>.<attempt>`. Unique within the queue. */
  id: string;
  /** Shown in the UI and state; defaults to `id`. */
  name?: string;
  /** What it needs; ports are counted (`ports: 2` gives `$PORT0` and `$PORT1`). */
  resources: TaskShape;
  command?: CommandInput;
  /** A Docker image, or none for the agent's process runtime. */
  container?: ContainerInput;
  /** Only offers of agents meeting every constraint are used. */
  constraints?: Constraint[];
  healthCheck?: HealthCheckInput;
  labels?: Record<string, string>;
  killGracePeriodMs?: number;
  preemptible?: boolean;
}

/**
 * Where a queued task is: waiting for an offer, launching (sent to the master, no update yet),
 * active (it has updates and has not ended), done (ended for good; see its result).
 */
export type TaskPhase = 'waiting' | 'launching' | 'active' | 'done';

/** How a task ended. */
export interface TaskResult {
  id: string;
  /** The task id of its last attempt ('' if it was never launched). */
  taskId: string;
  attempts: number;
  /** The last state (TASK_UNKNOWN if it never had an update). */
  state: TaskState;
  status: StatusUpdate | undefined;
  /** True only for TASK_FINISHED. */
  finished: boolean;
  /** Why it ended, for a person: the state and message, or why the queue gave up on it. */
  reason: string;
}

/** A task as the queue sees it; read it, do not change it. */
export interface QueuedTask {
  readonly id: string;
  readonly spec: TaskSpec;
  readonly phase: TaskPhase;
  /** 0 until the first launch, then 1, 2, ... */
  readonly attempt: number;
  /** The task id of the current (or last) attempt, `<id>.<attempt>`. */
  readonly taskId: string;
  readonly agentId: string;
  readonly state: TaskState;
  readonly status: StatusUpdate | undefined;
  /** Resolves when the task is done (it never rejects: a task that could not run says why). */
  readonly result: Promise<TaskResult>;
}

/** What TaskQueue.run() yields. */
export type TaskQueueEvent =
  /** An update of a queued task's current attempt, after the queue applied it. */
  | { type: 'task'; task: QueuedTask; status: StatusUpdate }
  /** The task waits for an offer again, as a new attempt. */
  | { type: 'requeued'; task: QueuedTask; reason: string }
  /** The task ended for good. */
  | { type: 'done'; task: QueuedTask; result: TaskResult }
  /** Client events the queue does not consume (subscribed, disconnected, errors, other tasks' updates...). */
  | Exclude<SchedulerEvent, { type: 'offers' } | { type: 'rescind' }>;

export interface TaskQueueOptions {
  /** How long an offer the queue declines (or the rest of one it used) is not offered again (default 10 s). */
  refuseSeconds?: number;
  /** Launches per task before giving up on it (default 5). LOST, ERROR, DROPPED and refused launches count. */
  maxAttempts?: number;
  /**
   * Keep offers no waiting task fits instead of declining them, while work keeps coming, so a
   * task added a moment later launches at once on a held offer (no revive, no wait for the next
   * allocation run). For a framework that adds tasks at a steady rate; off by default, since held
   * offers are resources other frameworks are not offered meanwhile.
   *
   * `true` takes the defaults. While a task was added (or queued again) within `idleMs`, the
   * queue keeps up to `maxOffers` unused offers (more are declined with `refuseSeconds`), leaves
   * the remainder of an offer it launches on unfiltered (it is offered again at the next
   * allocation run) and does not suppress offers. Once no work came for `idleMs`, it declines
   * every held offer in one call with `refuseSeconds` and suppresses; the next task revives. An
   * offer within 2 s of its expiry is declined rather than used.
   */
  holdOffers?: boolean | {
    /** At most this many held offers (default 1,000). */
    maxOffers?: number;
    /** How long after the last task was added offers are still held (default 1,000 ms). */
    idleMs?: number;
  };
  log?: SdkLogger;
}
