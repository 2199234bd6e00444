// Wire messages the master keeps, decoded once at the edge by the decoders master, agent and SDK
// share (protocol/domain), into values with every field present. Where a call is judged by the
// decoder's rules (agent registration, framework subscription) the handler uses its problems;
// tasks are judged by validate-accept.ts first, so here the value is what counts. Kept values
// are also compacted (see compact.ts).
import { StatusSource, type TaskReport, type TaskState, type TaskStatus } from '../protocol/index.js';
import {
  decodeTaskReport,
  decodeTaskStatus,
  TaskHealth,
  type ReportedTask,
  type StatusUpdate,
} from '../protocol/domain/index.js';
import { compact } from './compact.js';

export function taskStatus(raw: TaskStatus | null | undefined): StatusUpdate {
  return compact(decodeTaskStatus(raw).value);
}

/** A task an agent reports at registration: its spec, framework and latest status. */
export function taskReport(raw: TaskReport | null | undefined): ReportedTask {
  return compact(decodeTaskReport(raw).value);
}

/** A status the master makes itself: no uuid (nothing to acknowledge), source MASTER. */
export function masterStatus(fields: { taskId: string; state: TaskState; agentId: string; frameworkId: string; timestampMs: number; reason?: string; message?: string; containerId?: string; health?: number }): StatusUpdate {
  return {
    reason: '',
    message: '',
    uuid: '',
    source: StatusSource.MASTER,
    health: TaskHealth.UNKNOWN,
    exitCode: -1,
    containerId: '',
    ...fields,
  } as StatusUpdate;
}
