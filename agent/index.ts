// The public surface of agent/.
export { Agent, AgentState, AGENT_VERSION, leaderFromReason } from './agent.js';
export type { AgentOptions, AgentTaskView, StopOptions } from './agent.js';
export { StatusUpdateManager, realTimers } from './status-update-manager.js';
export type { PendingStatus, StatusUpdateManagerOptions, Timers } from './status-update-manager.js';
export { detectResources, parseResourceSpec, DEFAULT_PORTS } from './resources-detect.js';
export type { DetectOptions, ResourceOverrides } from './resources-detect.js';
export { TaskReason } from '../protocol/index.js';
export { launchSpecOf, taskPorts } from './launch-spec.js';
export { readBootId } from './boot-id.js';
export { DockerRuntime, dockerAvailable } from './runtime/docker-runtime.js';
export type { DockerRuntimeOptions } from './runtime/docker-runtime.js';
export { ProcessRuntime } from './runtime/process-runtime.js';
export type { ProcessRuntimeOptions } from './runtime/process-runtime.js';
export { HollowRuntime } from './runtime/hollow-runtime.js';
export type { HollowRuntimeOptions } from './runtime/hollow-runtime.js';
export { createRuntime, RUNTIME_NAMES } from './runtime/create-runtime.js';
export type { CreateRuntimeOptions, RuntimeName } from './runtime/create-runtime.js';
export { checkContainerPolicy, enforceContainerPolicy, ContainerPolicyError, DEFAULT_POLICY, SENSITIVE_HOST_PATHS } from './runtime/policy.js';
export type { ContainerPolicy, PolicyRefusal } from './runtime/policy.js';
export type {
  ContainerRequest,
  ContainerRuntime,
  ContainerSummary,
  ExitInfo,
  LaunchSpec,
  LogOptions,
  UsageSample,
} from './runtime/runtime.js';
