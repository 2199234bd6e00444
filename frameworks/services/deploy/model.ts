// The deployment planner's model: observed state (instances as agents report them, agents' free
// resources) kept apart from desired state (spec versions, the target, the running deployment).
import type { ServiceSpec } from '../spec/index.js';
import type { DeploymentPhase } from './deployment-phase.js';

/** An instance's state as its agent last reported it (Mesos task states, lower-cased). */
export const InstanceState = {
  STAGING: 'staging',
  STARTING: 'starting',
  RUNNING: 'running',
  KILLING: 'killing',
  UNREACHABLE: 'unreachable',
  FINISHED: 'finished',
  FAILED: 'failed',
  KILLED: 'killed',
  ERROR: 'error',
  LOST: 'lost',
  DROPPED: 'dropped',
  GONE: 'gone',
} as const;
export type InstanceState = (typeof InstanceState)[keyof typeof InstanceState];

const TERMINAL: ReadonlySet<InstanceState> = new Set(['finished', 'failed', 'killed', 'error', 'lost', 'dropped', 'gone']);
/** Endings the service itself caused: they count towards restart backoff and crash loops. */
const FAILURES: ReadonlySet<InstanceState> = new Set(['finished', 'failed', 'error']);

/** Whether the instance has ended and holds no resources. */
export function isTerminal(state: InstanceState): boolean {
  return TERMINAL.has(state);
}

/**
 * Whether the instance is on its way out: its kill was sent, or it is draining (out of rotation
 * until its kill is sent). Either way it serves no one and is not replaced by itself.
 */
export function isStopping(i: { state: InstanceState; drainingSinceMs?: number }): boolean {
  return i.state === 'killing' || (i.drainingSinceMs !== undefined && !isTerminal(i.state));
}

/** Whether an ending counts as the service failing (not a kill we asked for, not a lost agent). */
export function isFailure(state: InstanceState): boolean {
  return FAILURES.has(state);
}

/** One instance of a service, as observed. */
export interface Instance {
  id: string;
  serviceId: string;
  /** The spec version it was launched from. */
  version: number;
  agentId: string;
  hostname: string;
  state: InstanceState;
  /** The health checks' verdict; undefined until a first result (or when there are no checks). */
  healthy: boolean | undefined;
  /** The readiness check's verdict; undefined until a first result (or when there is no check). */
  ready: boolean | undefined;
  startedAtMs: number;
  /** Host ports by the spec's port names. */
  ports: Record<string, number>;
  /** When it ended, for terminal states (defaults to the planner's `nowMs` when missing). */
  endedAtMs?: number;
  /** Set while it is out of rotation before its kill is sent (drain before kill): since when. */
  drainingSinceMs?: number;
}

/** An inclusive range of port numbers. */
export interface PortRange {
  begin: number;
  end: number;
}

/** Free resources on an agent (what an offer, or the cluster preview, leaves to use). */
export interface FreeResources {
  cpus: number;
  memMb: number;
  diskMb: number;
  ports: PortRange[];
}

/** An agent as the planner and placement see it. */
export interface AgentView {
  id: string;
  hostname: string;
  /** Where clients reach its instances (the agent's advertised address); absent: its hostname. */
  address?: string;
  attributes: Record<string, string>;
  free: FreeResources;
  /** Under maintenance: nothing new goes there, and instances move off. */
  draining: boolean;
  /** The agent reported memory or disk pressure: instances move off. */
  underPressure: boolean;
  /** The agent went silent: its instances are replaced elsewhere. */
  unreachable: boolean;
}

/** One applied version of a service's spec. */
export interface SpecVersion {
  version: number;
  spec: ServiceSpec;
  /**
   * The version of the last change that needs new instances (a new image, resources, ...). A
   * change of only `instances`, the strategy, backoff, deadline or dependencies keeps it, so
   * scaling does not restart the instances already running.
   */
  configVersion: number;
  appliedAtMs: number;
  /** Why the version was made, when not by a person (the autoscaler's sentence). */
  reason?: string;
}

/** The deployment moving a service to `toVersion` (a rollback is a deployment too). */
export interface Deployment {
  fromVersion: number | undefined;
  toVersion: number;
  phase: DeploymentPhase;
  startedAtMs: number;
  deadlineMs: number;
  /** How many launch and kill steps plans have handed out for it (0: it has not started). */
  stepsDone: number;
  /** Set when a newer apply replaced this deployment before it finished. */
  supersededBy?: number;
  /** Set on a rollback: the version that failed. */
  rollbackOf?: number;
  /** Why it ended (for failed, rolled back, superseded deployments). */
  reason?: string;
  endedAtMs?: number;
}

/** Restart backoff and crash-loop bookkeeping for one service. */
export interface RestartBackoff {
  consecutiveFailures: number;
  /** No launch before this time (0: none pending). */
  nextLaunchAtMs: number;
  /** End times of recent failures, within the crash-loop window. */
  recentFailuresMs: number[];
  /** Failed instances already counted (only those still observed are kept). */
  countedInstanceIds: string[];
}

/** The desired side of one service, which the framework persists between planner calls. */
export interface ServiceState {
  id: string;
  versions: SpecVersion[];
  targetVersion: number;
  /** The last version whose deployment succeeded: where a failed deployment rolls back to. */
  lastGoodVersion: number | undefined;
  /** The current (or most recent) deployment. */
  deployment: Deployment | undefined;
  /** Finished deployments, newest last, at most HISTORY_LIMIT. */
  history: Deployment[];
  backoff: RestartBackoff;
}

export const HISTORY_LIMIT = 20;

/** When the planner should be asked again. */
export type WaitCondition =
  | { atMs: number }
  | { event: 'instances-healthy' | 'instances-killed' | 'dependencies' | 'resources' };

/** Where a launch should go, as previewed against the agents the planner was given. */
export interface PlacementHints {
  /** Where the preview put each instance that fits: the agent and the ports it would take. */
  placements: { agentId: string; ports: Record<string, number> }[];
  /** Agents that must not get new instances (draining, under pressure, unreachable). */
  avoidAgentIds: string[];
  /** Instances the preview could not place, with why. */
  pending: { count: number; reason: string }[];
}

/**
 * One thing the scheduler should do; a plan is a list of them. Steps are not cumulative: a launch
 * asks for `count` instances beyond those observed now, and the next plan's launch replaces it.
 */
export type Step =
  | { kind: 'launch'; version: number; count: number; placementHints: PlacementHints }
  | { kind: 'kill'; instanceIds: string[]; reason: string }
  | { kind: 'wait'; until: WaitCondition; why: string }
  | { kind: 'rollback'; toVersion: number; why: string }
  | { kind: 'done' };

/** How the service is doing, in one word. */
export const ServiceStatus = {
  STABLE: 'stable',
  DEPLOYING: 'deploying',
  ROLLING_BACK: 'rolling-back',
  WAITING_FOR_DEPENDENCIES: 'waiting-for-dependencies',
  BACKING_OFF: 'backing-off',
  CRASH_LOOPING: 'crash-looping',
  RECOVERING: 'recovering',
} as const;
export type ServiceStatus = (typeof ServiceStatus)[keyof typeof ServiceStatus];

/** The planner's account of the service after this call. */
export interface DeploymentStatus {
  status: ServiceStatus;
  /** The deployment in progress or just finished; undefined in a steady state without one. */
  deployment: Deployment | undefined;
  desired: number;
  /** Non-terminal instances that hold resources (staging to killing). */
  live: number;
  /** Instances of any version that are running, healthy and ready. */
  available: number;
  /** Available instances of the target version on usable agents. */
  updated: number;
  /** The floor and ceiling of the upgrade strategy for this call. */
  minAvailable: number;
  maxLive: number;
}

/** What another service looks like to one that depends on it. */
export interface DependencyView {
  id: string;
  status: ServiceStatus | undefined;
}
