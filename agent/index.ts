// The public surface of agent/.
export { Agent, AgentState, AGENT_VERSION } from './agent.js';
export type { AgentOptions, AgentTaskView, StopOptions } from './agent.js';
export { AGENT_DEFAULTS, agentOptionProblems, agentRule, compileAgentOptions, type AgentOptionProblem, type CompiledAgentOptions } from './agent-options.js';
export { StatusUpdateManager, realTimers } from './status-update-manager.js';
export type { PendingStatus, StatusUpdateManagerOptions, Timers } from './status-update-manager.js';
export { detectResources, parseResourceSpec, DEFAULT_PORTS } from './resources-detect.js';
export type { DetectOptions, ResourceOverrides } from './resources-detect.js';
export { TaskReason } from '../protocol/index.js';
export { launchSpecOf, taskPorts } from './launch-spec.js';
export { readBootId } from './boot-id.js';
export { Checkpoint, CheckpointError, CHECKPOINT_FILE } from './checkpoint.js';
export type { AgentCheckpoint, CheckpointedTask, FinishedTask } from './checkpoint.js';
export { TaskRunner } from './task-runner.js';
export type { TaskRunnerOptions } from './task-runner.js';
export { FinishedTasks } from './finished-tasks.js';
export type { FinishedTasksOptions } from './finished-tasks.js';
export { LogServer, MAX_FRAME_LINE_BYTES } from './log-server.js';
export type { LogServerOptions } from './log-server.js';
export { UsageReporter, pressureOf, hostSampler } from './usage-reporter.js';
export type { HostSample, PressureInput, UsageReporterOptions } from './usage-reporter.js';
export { HealthChecker, Health, DEFAULT_SCHEDULE, scheduleOf } from './health/health-checker.js';
export type { HealthChange, HealthCheckerOptions, HealthSchedule } from './health/health-checker.js';
export type { CheckResult, HealthProbe } from './health/check.js';
export { httpProbe } from './health/http-check.js';
export { tcpProbe } from './health/tcp-check.js';
export { commandProbe } from './health/command-check.js';
export { probeOf } from './health/probe-of.js';
export { DockerRuntime, dockerAvailable } from './runtime/docker-runtime.js';
export type { DockerRuntimeOptions } from './runtime/docker-runtime.js';
export { ProcessRuntime, PID_FILE } from './runtime/process-runtime.js';
export type { ProcessRuntimeOptions } from './runtime/process-runtime.js';
export { HollowRuntime } from './runtime/hollow-runtime.js';
export type { HollowRuntimeOptions } from './runtime/hollow-runtime.js';
export { createRuntime, RUNTIME_NAMES } from './runtime/create-runtime.js';
export type { CreateRuntimeOptions, RuntimeName } from './runtime/create-runtime.js';
export { checkContainerPolicy, enforceContainerPolicy, ContainerPolicyError, DEFAULT_POLICY, SENSITIVE_HOST_PATHS } from './runtime/policy.js';
export type { ContainerPolicy, PolicyRefusal } from './runtime/policy.js';
export type {
  AdoptRequest,
  ContainerRequest,
  ExecOptions,
  ExecResult,
  ContainerRuntime,
  ContainerSummary,
  ExitInfo,
  LaunchSpec,
  LogOptions,
  UsageSample,
} from './runtime/runtime.js';
