// The task-state machine shared by master and agent: which moves are legal, which states are final.
import { TaskState } from './messages.js';

const S = TaskState;

const TERMINAL: ReadonlySet<TaskState> = new Set([
  S.TASK_FINISHED,
  S.TASK_FAILED,
  S.TASK_KILLED,
  S.TASK_ERROR,
  S.TASK_LOST,
  S.TASK_DROPPED,
  S.TASK_GONE,
  S.TASK_GONE_BY_OPERATOR,
]);

const ENDINGS = [...TERMINAL];

/** Legal moves. A move to the same state is legal while not terminal (health changes ride on it). */
const MOVES: ReadonlyMap<TaskState, ReadonlySet<TaskState>> = new Map([
  [S.TASK_STAGING, new Set([S.TASK_STARTING, S.TASK_RUNNING, S.TASK_KILLING, S.TASK_UNREACHABLE, ...ENDINGS])],
  [S.TASK_STARTING, new Set([S.TASK_RUNNING, S.TASK_KILLING, S.TASK_UNREACHABLE, ...ENDINGS])],
  [S.TASK_RUNNING, new Set([S.TASK_KILLING, S.TASK_UNREACHABLE, ...ENDINGS])],
  [S.TASK_KILLING, new Set([S.TASK_UNREACHABLE, ...ENDINGS])],
  // An unreachable agent that comes back reports its tasks as they are.
  [S.TASK_UNREACHABLE, new Set([S.TASK_STARTING, S.TASK_RUNNING, S.TASK_KILLING, ...ENDINGS])],
]);

export function isTerminal(state: TaskState): boolean {
  return TERMINAL.has(state);
}

/** Whether a task may move from `from` to `to`. */
export function canTransition(from: TaskState, to: TaskState): boolean {
  if (to === S.TASK_UNKNOWN) return false;
  if (from === to) return !isTerminal(from);
  return MOVES.get(from)?.has(to) ?? false;
}

/** Every state a task can be in, for tests and docs. */
export const ALL_STATES: readonly TaskState[] = Object.values(S).filter(
  (v): v is TaskState => typeof v === 'number' && v !== S.TASK_UNKNOWN,
);
