// The scheduler SDK: what every framework, ours and users', is written on.
export { SchedulerClient, type SchedulerClientOptions, type SchedulerEvent, type SdkLogger } from './scheduler-client.js';
export { pack, take, meets, type TaskShape, type Constraint } from './match.js';
export {
  TaskState,
  AgentNoticeKind,
  TaskReason,
  ContainerType,
  OperationType,
  isTerminal,
  stateName,
  resources,
  MasterSessionError,
  type SessionStatus,
  type Offer,
  type TaskInfo,
  type TaskStatus,
  type FrameworkInfo,
  type Res,
} from '../../protocol/index.js';
