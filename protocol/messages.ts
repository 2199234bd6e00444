// The generated wire types under short names. Everything else imports messages from here.
import { berth } from './gen/berth.js';

export import pb = berth.v1;
export type Resources = berth.v1.Resources.$Properties;
export type Range = berth.v1.Range.$Properties;
export type Reservation = berth.v1.Reservation.$Properties;
export type AgentInfo = berth.v1.AgentInfo.$Properties;
export type FrameworkInfo = berth.v1.FrameworkInfo.$Properties;
export type Offer = berth.v1.Offer.$Properties;
export type TaskInfo = berth.v1.TaskInfo.$Properties;
export type CommandInfo = berth.v1.CommandInfo.$Properties;
export type ContainerInfo = berth.v1.ContainerInfo.$Properties;
export type HealthCheck = berth.v1.HealthCheck.$Properties;
export type TaskStatus = berth.v1.TaskStatus.$Properties;
export type TaskReport = berth.v1.TaskReport.$Properties;
export type Operation = berth.v1.Operation.$Properties;
export type Filters = berth.v1.Filters.$Properties;
export type Hello = berth.v1.Hello.$Properties;
export type Welcome = berth.v1.Welcome.$Properties;
export type WireError = berth.v1.Error.$Properties;
export type Envelope = berth.v1.Envelope.$Properties;
export type AgentCall = berth.v1.AgentCall.$Properties;
export type AgentEvent = berth.v1.AgentEvent.$Properties;
export type SchedulerCall = berth.v1.SchedulerCall.$Properties;
export type SchedulerEvent = berth.v1.SchedulerEvent.$Properties;
export const TaskState = berth.v1.TaskState;
export type TaskState = berth.v1.TaskState;
export const ContainerType = berth.v1.ContainerInfo.Type;
export const HelloKind = berth.v1.Hello.Kind;
export const OperationType = berth.v1.Operation.Type;
export type OperationType = berth.v1.Operation.Type;
export const HealthCheckType = berth.v1.HealthCheck.Type;
export const StatusSource = berth.v1.TaskStatus.Source;
export const AgentNoticeKind = berth.v1.SchedulerEvent.AgentNotice.Kind;
export type AgentNoticeKind = berth.v1.SchedulerEvent.AgentNotice.Kind;

/** The protocol version this build speaks; a peer with another version is refused at the handshake. */
export const PROTOCOL_VERSION = 1;

/** A task state's name without the TASK_ prefix, as shown to people ("RUNNING"). */
export function stateName(state: TaskState | null | undefined): string {
  const name = berth.v1.TaskState[state ?? 0] as string | undefined;
  return (name ?? 'TASK_UNKNOWN').replace(/^TASK_/, '');
}
