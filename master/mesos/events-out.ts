// berth's scheduler events as Mesos v1 Events: offers with Mesos Resources (unreserved and
// reserved parts, roles, allocation info), task statuses with TASK_* states, REASON_* reasons and
// SOURCE_* sources, and base64 uuids.
import { isIP } from 'node:net';
import { StatusSource, TaskReason, TaskState, resources, type Res } from '../../protocol/index.js';
import type { ResourceOffer, StatusUpdate } from '../../protocol/domain/index.js';
import type { MesosOffer, MesosScalarResource, MesosTaskStatus } from './types.js';

/** berth's reason codes as Mesos' TaskStatus.Reason names; a code with no Mesos counterpart goes without a reason. */
const REASONS: Partial<Record<string, string>> = {
  [TaskReason.CONTAINER_EXITED]: 'REASON_COMMAND_EXECUTOR_FAILED',
  [TaskReason.OOM]: 'REASON_CONTAINER_LIMITATION_MEMORY',
  [TaskReason.CONTAINER_LAUNCH_FAILED]: 'REASON_CONTAINER_LAUNCH_FAILED',
  [TaskReason.CONTAINER_POLICY]: 'REASON_TASK_UNAUTHORIZED',
  [TaskReason.TASK_UNKNOWN]: 'REASON_TASK_UNKNOWN',
  [TaskReason.INVALID_TASK]: 'REASON_TASK_INVALID',
  [TaskReason.AGENT_SHUTDOWN]: 'REASON_EXECUTOR_TERMINATED',
  [TaskReason.HEALTH_CHECK]: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
  [TaskReason.CONTAINER_VANISHED]: 'REASON_EXECUTOR_TERMINATED',
  [TaskReason.EXIT_CODE_UNKNOWN]: 'REASON_EXECUTOR_TERMINATED',
  [TaskReason.TASK_NOT_REPORTED_BY_AGENT]: 'REASON_AGENT_REREGISTERED',
  [TaskReason.TASK_UNKNOWN_TO_MASTER]: 'REASON_RECONCILIATION',
  [TaskReason.AGENT_REMOVED]: 'REASON_AGENT_REMOVED',
  [TaskReason.AGENT_UNREACHABLE]: 'REASON_AGENT_DISCONNECTED',
  [TaskReason.AGENT_DRAINED]: 'REASON_AGENT_DRAINING',
  [TaskReason.FRAMEWORK_FAILOVER_TIMEOUT]: 'REASON_FRAMEWORK_REMOVED',
  [TaskReason.TEARDOWN_BY_FRAMEWORK]: 'REASON_FRAMEWORK_REMOVED',
  [TaskReason.TEARDOWN_BY_OPERATOR]: 'REASON_FRAMEWORK_REMOVED',
  [TaskReason.PREEMPTED]: 'REASON_CONTAINER_PREEMPTED',
  [TaskReason.RECONCILIATION]: 'REASON_RECONCILIATION',
};

export function mesosReason(reason: string): string | undefined {
  return REASONS[reason];
}

const SOURCES: Record<number, string> = {
  [StatusSource.MASTER]: 'SOURCE_MASTER',
  [StatusSource.AGENT]: 'SOURCE_AGENT',
  [StatusSource.EXECUTOR]: 'SOURCE_EXECUTOR',
};

/** A berth uuid as Mesos' bytes field in JSON: base64 of its UTF-8 text (read-call.ts decodes it back). */
export function mesosUuid(uuid: string): string {
  return Buffer.from(uuid, 'utf8').toString('base64');
}

export function mesosStatus(s: StatusUpdate): MesosTaskStatus {
  const reason = mesosReason(s.reason);
  return {
    task_id: { value: s.taskId },
    state: TaskState[s.state] ?? 'TASK_UNKNOWN',
    ...(s.message ? { message: s.message } : {}),
    // A reconciliation answer comes from the master, whoever reported the state it repeats.
    source: s.reason === TaskReason.RECONCILIATION ? 'SOURCE_MASTER' : (SOURCES[s.source] ?? 'SOURCE_MASTER'),
    ...(reason ? { reason } : {}),
    ...(s.agentId ? { agent_id: { value: s.agentId } } : {}),
    // Every berth task runs as Mesos' command executor runs one: the executor has the task's id.
    executor_id: { value: s.taskId },
    timestamp: s.timestampMs / 1000,
    ...(s.uuid ? { uuid: mesosUuid(s.uuid) } : {}),
    ...(s.health ? { healthy: s.health === 1 } : {}),
    ...(s.containerId ? { container_status: { container_id: { value: s.containerId } } } : {}),
  };
}

/** One Res as Mesos Resources for a role; reserved ones carry the role's reservation. */
export function mesosResources(res: Res, allocatedTo: string, reservedFor?: string): MesosScalarResource[] {
  const common = {
    role: reservedFor ?? '*',
    allocation_info: { role: allocatedTo },
    ...(reservedFor ? { reservations: [{ type: 'STATIC' as const, role: reservedFor }] } : {}),
  };
  const out: MesosScalarResource[] = [];
  const scalars: [string, number][] = [['cpus', res.cpus], ['mem', res.memMb], ['disk', res.diskMb], ['gpus', res.gpus]];
  for (const [name, value] of scalars) if (value > 0) out.push({ name, type: 'SCALAR', scalar: { value }, ...common });
  if (res.ports.length > 0) out.push({ name: 'ports', type: 'RANGES', ranges: { range: res.ports.map((p) => ({ begin: p.begin ?? 0, end: p.end ?? 0 })) }, ...common });
  return out;
}

export function mesosOffer(o: ResourceOffer): MesosOffer {
  const unreserved = resources.subtract(o.resources, o.reserved);
  return {
    id: { value: o.id },
    framework_id: { value: o.frameworkId },
    agent_id: { value: o.agentId },
    hostname: o.hostname,
    // Frameworks read the agent's address from here (mesos-framework sets $HOST from it); berth
    // knows the agent by its hostname only, so the ip is set when the hostname is one.
    url: { scheme: 'http', address: { hostname: o.hostname, ...(isIP(o.hostname) ? { ip: o.hostname } : {}), port: 5051 }, path: '/slave(1)' },
    resources: [...mesosResources(unreserved, o.role), ...(resources.isEmpty(o.reserved) ? [] : mesosResources(o.reserved, o.role, o.role))],
    attributes: Object.entries(o.attributes).map(([name, value]) => ({ name, type: 'TEXT', text: { value } })),
    executor_ids: [],
    allocation_info: { role: o.role },
  };
}
