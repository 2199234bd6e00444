// Container names for tasks. The name is the idempotency key: Docker itself refuses a second
// container with one name, so one task id on one agent can never get two containers.
import { createHash } from 'node:crypto';

const MAX_PART = 60;

function part(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, MAX_PART);
}

/**
 * "berth-<agent>-<task>-<hash>" in Docker's name alphabet. The readable parts are sanitised and
 * truncated, and ids may themselves hold '-', so a hash of both raw ids keeps names distinct.
 */
export function containerName(agentId: string, taskId: string): string {
  const hash = createHash('sha256').update(`${agentId}\n${taskId}`).digest('hex').slice(0, 12);
  return `berth-${part(agentId)}-${part(taskId)}-${hash}`;
}

export const LABEL = {
  TASK_ID: 'berth.task_id',
  FRAMEWORK_ID: 'berth.framework_id',
  AGENT_ID: 'berth.agent_id',
  MANAGED: 'berth.managed',
} as const;
