// One run of a job: its state machine, its tasks' attempts with retries and backoff, and the
// record it leaves. Pure: the caller feeds it launches, task ends and the time, and acts on the
// kills it returns.
import type { JobSpec } from './spec/types.js';

export const RunState = {
  Pending: 'pending',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Cancelled: 'cancelled',
  DeadlineExceeded: 'deadline-exceeded',
} as const;
export type RunState = (typeof RunState)[keyof typeof RunState];

/** The legal moves; a terminal state has none. */
const MOVES: Readonly<Record<RunState, readonly RunState[]>> = {
  pending: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled', 'deadline-exceeded'],
  succeeded: [],
  failed: [],
  cancelled: [],
  'deadline-exceeded': [],
};

/** True for a state a run never leaves: succeeded, failed, cancelled, deadline-exceeded. */
export function isTerminalRun(s: RunState): boolean {
  return MOVES[s].length === 0;
}

/** True when the transition table allows a run to move from `from` to `to`. */
export function canMoveRun(from: RunState, to: RunState): boolean {
  return MOVES[from].includes(to);
}

/** How a task ended, as the framework learns it from status updates. */
export type TaskEnd =
  | { kind: 'succeeded' }
  | { kind: 'failed'; exitCode?: number; message?: string }
  /** Taken away for higher-priority work or lost with its agent: no fault of the task. */
  | { kind: 'preempted'; message?: string }
  | { kind: 'killed'; message?: string };

export interface AttemptRecord {
  index: number;
  /** 1-based; a preempted attempt is followed by one with the same number. */
  attempt: number;
  taskId: string;
  launchedMs: number;
  endedMs: number | undefined;
  result: 'running' | 'succeeded' | 'failed' | 'preempted' | 'killed' | 'task-deadline';
  exitCode: number | undefined;
  message: string | undefined;
}

export interface RunOutcome {
  state: RunState;
  reason: string;
  exitCode: number | undefined;
  startedMs: number | undefined;
  finishedMs: number;
  durationMs: number | undefined;
  succeeded: number;
  /** Attempts taken back (preempted, lost with their agent): retried at no cost to retries.limit. */
  preempted: number;
  attempts: AttemptRecord[];
}

/** A task the run wants launched now. */
export interface TaskRequest {
  index: number;
  attempt: number;
}

/** What the caller must do after a change: kill these tasks. */
export interface RunEffects {
  kill: string[];
}

/** The parts of a job a run follows. */
export type RunJob = Pick<JobSpec, 'parallelism' | 'completions' | 'gang' | 'retries' | 'deadlineMs' | 'taskDeadlineMs'>;

/** A logger with pino's shape; only transitions are logged. */
export interface RunLog {
  info(fields: object, msg: string): void;
}

/** Backoff before the attempt after the n-th counted failure (n ≥ 1): initial·factor^(n-1), capped. */
export function retryDelayMs(backoff: RunJob['retries']['backoff'], failures: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** Math.max(0, failures - 1));
}

interface Slot {
  index: number;
  failures: number;
  done: boolean;
  notBeforeMs: number;
  taskId: string | undefined;
}

/**
 * Follows one run. Task indexes 0..completions-1 each must succeed once; at most parallelism run
 * at once. A failed index is retried after its backoff until retries.limit failures are spent;
 * one more fails the run. A gang launches all its tasks together and retries them together.
 */
export class RunTracker {
  readonly runId: string;
  readonly #job: RunJob;
  readonly #log: RunLog | undefined;
  #state: RunState = RunState.Pending;
  #reason = 'waiting for resources';
  #exitCode: number | undefined;
  #startedMs: number | undefined;
  #finishedMs: number | undefined;
  readonly #slots: Slot[];
  #gangFailures = 0;
  readonly #attempts = new Map<string, AttemptRecord>();
  readonly #killing = new Set<string>();
  /** Slots with a task: kept as a count, since due() and isRunning() are asked on every event. */
  #runningCount = 0;
  /** Slots done, as a count for the same reason. */
  #doneCount = 0;
  /** The latest backoff end ever set: once it has passed, no slot waits on a backoff. */
  #latestNotBeforeMs = 0;

  constructor(runId: string, job: RunJob, log?: RunLog) {
    this.runId = runId;
    this.#job = job;
    this.#log = log;
    this.#slots = Array.from({ length: job.completions }, (_, index) => ({ index, failures: 0, done: false, notBeforeMs: 0, taskId: undefined }));
  }

  get state(): RunState {
    return this.#state;
  }

  #transition(to: RunState, reason: string, nowMs: number): void {
    const from = this.#state;
    if (!canMoveRun(from, to)) throw new Error(`run ${this.runId}: no move from ${from} to ${to}`);
    this.#state = to;
    this.#reason = reason;
    if (to === 'running') this.#startedMs = nowMs;
    if (isTerminalRun(to)) this.#finishedMs = nowMs;
    this.#log?.info({ runId: this.runId, from, to, reason }, 'run state');
  }

  #running(): Slot[] {
    return this.#slots.filter((s) => s.taskId !== undefined);
  }

  /** The tasks to launch now: backoff elapsed, within parallelism; a gang only as a whole. */
  due(nowMs: number): TaskRequest[] {
    if (isTerminalRun(this.#state)) return [];
    const attempt = (s: Slot) => (this.#job.gang ? this.#gangFailures : s.failures) + 1;
    if (this.#job.gang) {
      if (this.#runningCount > 0 || this.#slots.some((s) => s.notBeforeMs > nowMs)) return [];
      return this.#slots.map((s) => ({ index: s.index, attempt: attempt(s) }));
    }
    const room = this.#job.parallelism - this.#runningCount;
    if (room <= 0) return [];
    return this.#slots
      .filter((s) => !s.done && s.taskId === undefined && s.notBeforeMs <= nowMs)
      .slice(0, Math.max(0, room))
      .map((s) => ({ index: s.index, attempt: attempt(s) }));
  }

  /** True when due(nowMs) would name a task; cheaper, for questions asked of every run on each event. */
  hasDue(nowMs: number): boolean {
    if (isTerminalRun(this.#state)) return false;
    if (this.#job.gang) return this.#runningCount === 0 && (this.#latestNotBeforeMs <= nowMs || !this.#slots.some((s) => s.notBeforeMs > nowMs));
    // A slot with a task is never done, so these are the slots neither done nor running.
    const waiting = this.#job.completions - this.#doneCount - this.#runningCount;
    if (waiting <= 0 || this.#runningCount >= this.#job.parallelism) return false;
    return this.#latestNotBeforeMs <= nowMs || this.#slots.some((s) => !s.done && s.taskId === undefined && s.notBeforeMs <= nowMs);
  }

  /** A task was launched for an index. A launch that raced with the run's end is to be killed. */
  launched(index: number, taskId: string, nowMs: number): RunEffects {
    const slot = this.#slots[index];
    if (!slot || slot.done || slot.taskId !== undefined || isTerminalRun(this.#state)) {
      this.#killing.add(taskId);
      return { kill: [taskId] };
    }
    slot.taskId = taskId;
    this.#runningCount++;
    const attempt = (this.#job.gang ? this.#gangFailures : slot.failures) + 1;
    this.#attempts.set(taskId, { index, attempt, taskId, launchedMs: nowMs, endedMs: undefined, result: 'running', exitCode: undefined, message: undefined });
    if (this.#state === 'pending') this.#transition(RunState.Running, 'tasks launched', nowMs);
    return { kill: [] };
  }

  /** A task ended. Returns the tasks to kill: a gang's others, or all when the run failed. */
  ended(taskId: string, end: TaskEnd, nowMs: number): RunEffects {
    const record = this.#attempts.get(taskId);
    const slot = record && this.#slots[record.index];
    if (!record || !slot || slot.taskId !== taskId) return { kill: [] };
    slot.taskId = undefined;
    this.#runningCount--;
    record.endedMs = nowMs;
    const requested = this.#killing.delete(taskId);
    if (record.result === 'running') {
      record.result = requested && end.kind !== 'succeeded' ? 'killed' : end.kind;
      record.exitCode = end.kind === 'failed' ? end.exitCode : end.kind === 'succeeded' ? 0 : undefined;
      record.message = 'message' in end ? end.message : undefined;
    }
    // A task we asked to stop (a gang retrying, a deadline, the run ending) was accounted for then.
    if (isTerminalRun(this.#state) || requested) return { kill: [] };
    if (record.result === 'succeeded') {
      slot.done = true;
      this.#doneCount++;
      if (this.#doneCount === this.#slots.length) {
        this.#exitCode = 0;
        const preempted = this.#preemptedCount();
        const note = preempted === 0 ? '' : ` (${preempted} attempt(s) preempted, retried at no cost)`;
        this.#transition(RunState.Succeeded, `${this.#job.completions} of ${this.#job.completions} tasks succeeded${note}`, nowMs);
      }
      return { kill: [] };
    }
    // Failed, or killed by someone else: a failure. Preempted: no fault of the task's.
    return this.#lost(slot, record, record.result === 'preempted', nowMs);
  }

  /** An attempt ended without success: retry it (after backoff unless preempted) or fail the run. */
  #lost(slot: Slot, record: AttemptRecord, preempted: boolean, nowMs: number): RunEffects {
    const { limit, backoff } = this.#job.retries;
    const failures = preempted ? 0 : this.#job.gang ? ++this.#gangFailures : ++slot.failures;
    if (failures > limit) {
      const why = record.result === 'task-deadline' ? 'ran past taskDeadlineSeconds' : `failed${record.exitCode === undefined ? '' : ` with exit code ${record.exitCode}`}`;
      this.#exitCode = record.exitCode;
      this.#transition(RunState.Failed, `task ${record.index} ${why} after ${failures} attempt(s); retries.limit is ${limit}`, nowMs);
      return this.#killAll();
    }
    const notBeforeMs = preempted ? nowMs : nowMs + retryDelayMs(backoff, failures);
    this.#latestNotBeforeMs = Math.max(this.#latestNotBeforeMs, notBeforeMs);
    if (!this.#job.gang) {
      slot.notBeforeMs = notBeforeMs;
      return { kill: [] };
    }
    // A gang is one unit: the others stop, and every index starts again together.
    for (const s of this.#slots) {
      s.done = false;
      s.notBeforeMs = notBeforeMs;
    }
    this.#doneCount = 0;
    return this.#killAll();
  }

  #killAll(): RunEffects {
    const kill = this.#running().map((s) => s.taskId!).filter((id) => !this.#killing.has(id));
    for (const id of kill) {
      this.#killing.add(id);
      const r = this.#attempts.get(id);
      if (r?.result === 'running') r.result = 'killed';
    }
    return { kill };
  }

  /** Checks the deadlines: a task past taskDeadlineMs fails its attempt; a run past deadlineMs ends. */
  tick(nowMs: number): RunEffects {
    if (this.#state !== 'running') return { kill: [] };
    const { deadlineMs, taskDeadlineMs } = this.#job;
    if (deadlineMs !== undefined && nowMs - this.#startedMs! >= deadlineMs) {
      this.#transition(RunState.DeadlineExceeded, `the run did not finish within deadlineSeconds (${deadlineMs / 1000})`, nowMs);
      return this.#killAll();
    }
    const kill: string[] = [];
    if (taskDeadlineMs === undefined) return { kill };
    for (const slot of this.#running()) {
      const r = this.#attempts.get(slot.taskId!)!;
      if (r.result !== 'running' || nowMs - r.launchedMs < taskDeadlineMs) continue;
      r.result = 'task-deadline';
      r.message = `ran past taskDeadlineSeconds (${taskDeadlineMs / 1000})`;
      this.#killing.add(r.taskId);
      kill.push(r.taskId, ...this.#lost(slot, r, false, nowMs).kill);
      if (isTerminalRun(this.#state)) break;
    }
    return { kill: [...new Set(kill)] };
  }

  /** Cancels the run (by a user, or a schedule's Replace); its tasks are to be killed. */
  cancel(reason: string, nowMs: number): RunEffects {
    if (isTerminalRun(this.#state)) return { kill: [] };
    this.#transition(RunState.Cancelled, reason, nowMs);
    return this.#killAll();
  }

  /** When the run next needs a tick or a due() look: a backoff ending, a deadline. */
  nextWakeMs(nowMs: number): number | undefined {
    if (isTerminalRun(this.#state)) return undefined;
    // The common case, asked of every run whenever the timer is set: nothing to wake for.
    if (this.#latestNotBeforeMs <= nowMs && this.#job.deadlineMs === undefined && this.#job.taskDeadlineMs === undefined) return undefined;
    const times: number[] = this.#slots.filter((s) => !s.done && s.taskId === undefined && s.notBeforeMs > nowMs).map((s) => s.notBeforeMs);
    if (this.#state === 'running' && this.#job.deadlineMs !== undefined) times.push(this.#startedMs! + this.#job.deadlineMs);
    if (this.#job.taskDeadlineMs !== undefined) {
      for (const s of this.#running()) times.push(this.#attempts.get(s.taskId!)!.launchedMs + this.#job.taskDeadlineMs);
    }
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** The run's record once it is finished; undefined while it is not. */
  outcome(): RunOutcome | undefined {
    if (!isTerminalRun(this.#state)) return undefined;
    const startedMs = this.#startedMs;
    const finishedMs = this.#finishedMs!;
    return {
      state: this.#state,
      reason: this.#reason,
      exitCode: this.#exitCode,
      startedMs,
      finishedMs,
      durationMs: startedMs === undefined ? undefined : finishedMs - startedMs,
      succeeded: this.#doneCount,
      preempted: this.#preemptedCount(),
      attempts: [...this.#attempts.values()].map((a) => ({ ...a })),
    };
  }

  #preemptedCount(): number {
    let n = 0;
    for (const a of this.#attempts.values()) if (a.result === 'preempted') n++;
    return n;
  }

  /** True when this task is running (launched and not yet reported ended). */
  isRunning(taskId: string): boolean {
    const record = this.#attempts.get(taskId);
    return record !== undefined && this.#slots[record.index]?.taskId === taskId;
  }

  /** Tasks still running (launched and not yet reported ended). */
  runningTasks(): string[] {
    return this.#running().map((s) => s.taskId!);
  }
}
