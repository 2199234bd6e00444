// The batch framework: its pure core (job specs, schedules, workflows, the queue and runs) and
// startBatchFramework, which runs it on the SDK with a store and an HTTP API.
export * from './spec/index.js';
export type { Clock } from './clock.js';
export {
  planSchedule, upcoming, pruneHistory, MAX_MISSED_COUNTED,
  type ActiveRun, type ScheduleInput, type ScheduleDecision, type SchedulePlan, type FinishedRun,
} from './schedule.js';
export {
  NodeState, buildWorkflow, initialStates, planWorkflow, descendants, rerunFrom,
  type NodeStatus, type WorkflowStates, type GraphNode, type Workflow, type GraphProblem, type WorkflowResult,
  type WorkflowPlan, type RerunResult,
} from './dag.js';
export {
  HoldReason, planQueue, planPool, compareEntries, entryFor,
  type Shape, type AgentCapacity, type RunningTask, type QueueEntry, type RolePool, type QueueSnapshot,
  type EntryDecision, type Reservation, type QueuePlan,
} from './queue.js';
export {
  RunState, RunTracker, isTerminalRun, canMoveRun, retryDelayMs,
  type TaskEnd, type AttemptRecord, type RunOutcome, type TaskRequest, type RunEffects, type RunJob, type RunLog,
} from './run-state.js';
// The process around the core: the framework on the SDK, its stores and its HTTP API.
export { startBatchFramework, type StartBatchFrameworkOptions, type BatchFramework } from './start.js';
export { MemoryBatchStore, RedisBatchStore, type BatchStore, type RedisBatchStoreOptions } from './store/index.js';
export type { BatchLog } from './scheduler.js';
export type { Timers } from './clock.js';
