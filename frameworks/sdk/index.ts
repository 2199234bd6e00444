// The scheduler SDK: what every framework, ours and users', is written on.
export { OnForgotten, SchedulerClient, type SchedulerEvent } from './scheduler-client.js';
export {
  compileSchedulerClientOptions,
  type SchedulerClientOptions,
  type CompiledSchedulerClientOptions,
  type TlsClientOptions,
  type SdkLogger,
} from './options.js';
export { SchedulerCallError, CallErrorCode, type CallKind } from './call-error.js';
export {
  TaskQueue,
  type TaskSpec,
  type TaskPhase,
  type TaskResult,
  type QueuedTask,
  type TaskQueueEvent,
  type TaskQueueOptions,
  type TaskQueueClient,
} from './task-queue.js';
export { pack, take, meets, type TaskShape, type Constraint } from './match.js';
export { readClusterState, decodeClusterAgents, httpUrlOf, type ClusterAgent, type ClusterState, type ReadClusterStateOptions } from './cluster-state.js';
export { readTaskUsage, decodeTaskUsage, type TaskUsage, type ReadTaskUsageOptions } from './task-usage.js';
export { connectStateRedis, stateCall, closeStateRedis, type StateRedisClient, type StateRedisOptions } from './state-redis.js';
export { taskSpecOf, type TaskInput, type CommandInput, type ContainerInput, type HealthCheckInput, type ResourcesInput } from './task-input.js';
export type { MasterError } from './scheduler-events.js';
// The decoded values events hand out (every field present), and a launch's completed task.
export { TaskHealth, type ResourceOffer, type StatusUpdate, type StatusSourceKind } from '../../protocol/domain/index.js';
export type { TaskSpec as CompletedTask, CommandSpec, ContainerSpec, HealthCheckSpec, VolumeSpec } from '../../protocol/domain/index.js';
// What the SDK's signatures mention, so a framework needs no import but `berth/sdk`.
export {
  TaskState,
  AgentNoticeKind,
  TaskReason,
  ContainerType,
  OperationType,
  HealthCheckType,
  StatusSource,
  CloseCode,
  BerthError,
  ErrorCode,
  isTerminal,
  stateName,
  resources,
  MasterSessionError,
  type SessionStatus,
  type Offer,
  type TaskInfo,
  type TaskStatus,
  type FrameworkInfo,
  type CommandInfo,
  type ContainerInfo,
  type HealthCheck,
  type Operation,
  type Filters,
  type Resources,
  type Res,
} from '../../protocol/index.js';
export {
  FrameworkAudit, AuditWriteError, auditUser, auditReadLimit, checkAuditRetention, AUDIT_USER_HEADER, ANONYMOUS, AUDIT_READ_LIMIT, DEFAULT_AUDIT_RETENTION,
  type FrameworkAuditEvent, type FrameworkAuditStore, type AuditWhat, type AuditedCall, type AuditInputProblem,
} from './audit.js';
export { MemoryAuditLog, RedisAuditLog } from './audit-store.js';
export { allowCall, auditCaller, checkCall, guardUpgrades, type FrameworkAction } from './http-auth.js';
export { readDocument, DEFAULT_MAX_BYTES, type DocumentProblem, type ReadLimits, type ReadResult } from './read-document.js';
