// The reason codes the agent puts in TaskStatus.reason (stable, upper-case; see berth.proto).
export const TaskReason = {
  CONTAINER_EXITED: 'CONTAINER_EXITED',
  OOM: 'OOM',
  CONTAINER_LAUNCH_FAILED: 'CONTAINER_LAUNCH_FAILED',
  CONTAINER_POLICY: 'CONTAINER_POLICY',
  TASK_UNKNOWN: 'TASK_UNKNOWN',
  INVALID_TASK: 'INVALID_TASK',
  KILLED_BY_FRAMEWORK: 'KILLED_BY_FRAMEWORK',
  AGENT_SHUTDOWN: 'AGENT_SHUTDOWN',
} as const;
export type TaskReason = (typeof TaskReason)[keyof typeof TaskReason];
