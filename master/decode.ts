// Wire messages the master keeps, decoded once at the edge by the decoders master, agent and SDK
// share (protocol/domain), into values with every field present. Where a call is judged by the
// decoder's rules (agent registration, framework subscription) the handler uses its problems;
// tasks are judged by validate-accept.ts first, so here the value is what counts. The decoded
// values are kept as they are: their strings are flat (protocol/codec.ts reads them natively), so
// a copy would cost CPU and save nothing.
import { StatusSource, type TaskReport, type TaskState, type TaskStatus } from '../protocol/index.js';
import {
  decodeTaskReport,
  decodeTaskStatus,
  TaskHealth,
  type ReportedTask,
  type StatusUpdate,
} from '../protocol/domain/index.js';

export function taskStatus(raw: TaskStatus | null | undefined): StatusUpdate {
  return decodeTaskStatus(raw).value;
}

/** A task an agent reports at registration: its spec, framework and latest status. */
export function taskReport(raw: TaskReport | null | undefined): ReportedTask {
  return decodeTaskReport(raw).value;
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
