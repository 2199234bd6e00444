// Domain types: the wire messages decoded once, at the edge, into values with every field present
// (generated protobuf types leave every field optional). decodeX(wire) fills the defaults and lists
// problems naming the field; toWireX(value) goes back. Pure: no I/O.
export { decodeError, FieldReader, type Decoded, type Problem } from './decoded.js';
export { decodeResources, toWireResources } from './resources.js';
export {
  commandProblem,
  decodeTaskInfo,
  taskPorts,
  toWireCommand,
  toWireContainer,
  toWireHealthCheck,
  toWireTaskInfo,
  type CommandSpec,
  type ContainerKind,
  type ContainerSpec,
  type HealthCheckKind,
  type HealthCheckSpec,
  type TaskSpec,
  type VolumeSpec,
} from './task.js';
export { decodeTaskStatus, toWireTaskStatus, TaskHealth, type StatusSourceKind, type StatusUpdate } from './status.js';
export { decodeOffer, toWireOffer, type ResourceOffer } from './offer.js';
export {
  decodeAgentInfo,
  decodeFrameworkInfo,
  decodeTaskReport,
  ROLE_RULE,
  MAX_OFFERS_LIMIT,
  MAX_ROLE_CHARS,
  MAX_ROLE_SEGMENT_CHARS,
  quoteRole,
  roleProblem,
  toWireAgentInfo,
  toWireFrameworkInfo,
  toWireTaskReport,
  type AgentDescription,
  type FrameworkDescription,
  type ReportedTask,
  type ReservationSpec,
} from './parties.js';
