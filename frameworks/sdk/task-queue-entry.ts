// The task queue's own record of a task, the moves between its phases, and the checks and
// conversions of what a framework hands the queue (a spec in, a TaskInput out, the options).
import { TaskState, type Res } from '../../protocol/index.js';
import type { StatusUpdate } from '../../protocol/domain/index.js';
import type { OfferHoldOptions } from './offer-hold.js';
import type { TaskInput } from './task-input.js';
import type { QueuedTask, TaskPhase, TaskQueueOptions, TaskResult, TaskSpec } from './task-queue-types.js';

/** States after which the task is launched again (a new attempt): it never ran to an end of its own. */
export const REQUEUE_ON: ReadonlySet<TaskState> = new Set([TaskState.TASK_LOST, TaskState.TASK_ERROR, TaskState.TASK_DROPPED, TaskState.TASK_UNKNOWN]);

export const MOVES: Record<TaskPhase, readonly TaskPhase[]> = {
  // waiting -> active: an attempt given up on too early (its offer was rescinded) turns out to run.
  waiting: ['launching', 'active', 'done'],
  launching: ['active', 'waiting', 'done'],
  active: ['waiting', 'done'],
  done: [],
};

export interface Entry extends QueuedTask {
  spec: TaskSpec;
  phase: TaskPhase;
  attempt: number;
  taskId: string;
  agentId: string;
  state: TaskState;
  status: StatusUpdate | undefined;
  /** The offer of the current attempt, and whether the master has taken its launch. */
  offerId: string;
  launchAccepted: boolean;
  killWanted: boolean;
  killSent: boolean;
  settle: (result: TaskResult) => void;
}

export const HOLD_DEFAULTS: OfferHoldOptions = { maxOffers: 1_000, idleMs: 1_000 };

/** holdOffers compiled into its options; each problem is added to `problems`. */
export function holdOptions(given: TaskQueueOptions['holdOffers'], problems: string[]): OfferHoldOptions | undefined {
  if (given === undefined || given === false) return undefined;
  const { maxOffers = HOLD_DEFAULTS.maxOffers, idleMs = HOLD_DEFAULTS.idleMs } = given === true ? {} : given;
  if (!(Number.isInteger(maxOffers) && maxOffers >= 1)) problems.push('holdOffers.maxOffers must be a whole number >= 1');
  if (!(Number.isFinite(idleMs) && idleMs > 0)) problems.push('holdOffers.idleMs must be a number of milliseconds > 0');
  return { maxOffers, idleMs };
}

export function taskInfo(entry: Entry, resources: Res): TaskInput {
  const { spec } = entry;
  return {
    taskId: entry.taskId,
    name: spec.name ?? spec.id,
    agentId: entry.agentId,
    resources,
    command: spec.command,
    container: spec.container,
    healthCheck: spec.healthCheck,
    labels: spec.labels,
    killGracePeriodMs: spec.killGracePeriodMs,
    preemptible: spec.preemptible,
  };
}

export function shapeProblem(spec: TaskSpec): string | null {
  const r = spec.resources as Partial<TaskSpec['resources']> | undefined;
  if (!r) return 'resources must be given ({ cpus, memMb, ... })';
  for (const k of ['cpus', 'memMb', 'diskMb', 'gpus', 'ports'] as const) {
    const v = r[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) return `resources.${k} must be a number >= 0`;
  }
  if (!((r.cpus ?? 0) > 0)) return 'resources.cpus must be > 0';
  return null;
}
