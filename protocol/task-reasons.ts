// Reason codes in TaskStatus.reason: stable, upper-case strings shared by agents, the master and
// frameworks (frameworks branch on them, so they never change meaning).
export const TaskReason = {
  // Set by agents.
  CONTAINER_EXITED: 'CONTAINER_EXITED',
  OOM: 'OOM',
  CONTAINER_LAUNCH_FAILED: 'CONTAINER_LAUNCH_FAILED',
  CONTAINER_POLICY: 'CONTAINER_POLICY',
  TASK_UNKNOWN: 'TASK_UNKNOWN',
  INVALID_TASK: 'INVALID_TASK',
  KILLED_BY_FRAMEWORK: 'KILLED_BY_FRAMEWORK',
  AGENT_SHUTDOWN: 'AGENT_SHUTDOWN',
  HEALTH_CHECK: 'HEALTH_CHECK',
  /** The task's container was gone when the agent came back from a restart (removed behind its back). */
  CONTAINER_VANISHED: 'CONTAINER_VANISHED',
  /** The task ended but its exit code cannot be known (a process re-adopted after an agent restart). */
  EXIT_CODE_UNKNOWN: 'EXIT_CODE_UNKNOWN',
  // Set by the master.
  TASK_NOT_REPORTED_BY_AGENT: 'TASK_NOT_REPORTED_BY_AGENT',
  TASK_UNKNOWN_TO_MASTER: 'TASK_UNKNOWN_TO_MASTER',
  AGENT_REMOVED: 'AGENT_REMOVED',
  AGENT_UNREACHABLE: 'AGENT_UNREACHABLE',
  AGENT_DRAINED: 'AGENT_DRAINED',
  FRAMEWORK_FAILOVER_TIMEOUT: 'FRAMEWORK_FAILOVER_TIMEOUT',
  TEARDOWN_BY_FRAMEWORK: 'TEARDOWN_BY_FRAMEWORK',
  /** An operator killed the task through the API (berth tasks kill). */
  KILLED_BY_OPERATOR: 'KILLED_BY_OPERATOR',
  /** An operator tore the task's framework down through the API (berth frameworks teardown). */
  TEARDOWN_BY_OPERATOR: 'TEARDOWN_BY_OPERATOR',
  PREEMPTED: 'PREEMPTED',
  RECONCILIATION: 'RECONCILIATION',
} as const;
export type TaskReason = (typeof TaskReason)[keyof typeof TaskReason];
