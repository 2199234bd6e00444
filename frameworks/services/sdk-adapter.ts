// The one place the services framework meets the SDK: SDK events become the services' own small
// types (offers, instance states with health, agent notices), a planned launch becomes a
// TaskInput, and the cluster poll becomes AgentViews. A change of the SDK touches this file only.
import {
  AgentNoticeKind,
  ContainerType,
  HealthCheckType,
  OnForgotten,
  SchedulerClient,
  TaskHealth,
  TaskState,
  readClusterState,
  stateName,
  type HealthCheckInput,
  type ResourceOffer,
  type SdkLogger,
  type StatusUpdate,
  type TaskInput,
  type TlsClientOptions,
} from '../sdk/index.js';
// The store's Redis connection is the SDK's (frameworks/sdk/state-redis.ts), handed on from here.
export { closeStateRedis, connectStateRedis, stateCall, type StateRedisClient } from '../sdk/index.js';
// So is its audit log (frameworks/sdk/audit.ts).
export {
  FrameworkAudit, checkAuditRetention, AuditWriteError, MemoryAuditLog, RedisAuditLog, auditUser, auditReadLimit,
  type FrameworkAuditEvent, type FrameworkAuditStore, type AuditWhat,
} from '../sdk/index.js';
// And its authentication at the HTTP edge (frameworks/sdk/http-auth.ts).
export { allowCall, auditCaller, guardUpgrades, type FrameworkAction } from '../sdk/index.js';
import type { AgentView, InstanceState, PortRange, ScalarResources } from './deploy/index.js';
import type { ServiceSpec } from './spec/index.js';

/** An offer, as the services scheduler places instances on it. */
export interface ServicesOffer {
  id: string;
  agentId: string;
  hostname: string;
  attributes: Record<string, string>;
  role: string;
  cpus: number;
  memMb: number;
  diskMb: number;
  ports: PortRange[];
}

/** A task's status as an instance's state and health. */
export interface ServicesStatus {
  taskId: string;
  agentId: string;
  state: InstanceState;
  /** The health checks' verdict; undefined when the agent has none yet. */
  healthy: boolean | undefined;
  /** For logs and reasons: the state's name and message. */
  describe: string;
  /** Acknowledges the update to the master; call it once the update's effect is durable. */
  acknowledge(): void;
}

export type AgentNotice = 'draining' | 'undrained' | 'pressure' | 'pressure-cleared';

export type ServicesEvent =
  | { type: 'subscribed'; frameworkId: string }
  /** The master forgot frameworkId (away past its failover timeout) and killed its tasks; a fresh subscription follows. */
  | { type: 'forgotten'; frameworkId: string }
  | { type: 'offers'; offers: ServicesOffer[] }
  | { type: 'rescind'; offerId: string }
  | { type: 'update'; status: ServicesStatus }
  | { type: 'agent-notice'; agentId: string; notice: AgentNotice; message: string }
  | { type: 'agent-lost'; agentId: string }
  | { type: 'disconnected'; reason: string };

/** One instance to launch: the spec of its version, where it goes and the host ports it takes. */
export interface ServicesLaunch {
  taskId: string;
  spec: ServiceSpec;
  version: number;
  agentId: string;
  ports: Record<string, number>;
}

/** An agent as the cluster poll shows it: the planner's view plus its totals (for dominant shares). */
export interface ClusterAgentView extends AgentView {
  total: ScalarResources;
}

/** What the scheduler calls on the master; tests may stand in for it. */
export interface ServicesDriver {
  events(): AsyncIterable<ServicesEvent>;
  launch(offerIds: string[], tasks: ServicesLaunch[]): Promise<void>;
  decline(offerIds: string[], refuseSeconds: number): Promise<void>;
  kill(taskId: string, agentId: string, gracePeriodMs: number): Promise<void>;
  reconcile(tasks: { taskId: string; agentId: string }[]): Promise<void>;
  revive(): Promise<void>;
  suppress(): Promise<void>;
  /** True when a refused call surely had no effect (as opposed to a lost connection). */
  refused(err: unknown): boolean;
  close(): Promise<void>;
}

export interface SdkDriverOptions {
  masterUrl: string | string[];
  frameworkId: string | undefined;
  name: string;
  roles: string[];
  failoverTimeoutMs: number;
  webuiUrl?: string;
  /** Sent to the master on the subscription and on reads. */
  token?: string;
  log: SdkLogger;
  /** For a wss:// master: the CA to trust and the client certificate to show. */
  tls?: TlsClientOptions | undefined;
}

const STATES: Partial<Record<TaskState, InstanceState>> = {
  [TaskState.TASK_STAGING]: 'staging',
  [TaskState.TASK_STARTING]: 'starting',
  [TaskState.TASK_RUNNING]: 'running',
  [TaskState.TASK_KILLING]: 'killing',
  [TaskState.TASK_UNREACHABLE]: 'unreachable',
  [TaskState.TASK_FINISHED]: 'finished',
  [TaskState.TASK_FAILED]: 'failed',
  [TaskState.TASK_KILLED]: 'killed',
  [TaskState.TASK_ERROR]: 'error',
  [TaskState.TASK_LOST]: 'lost',
  [TaskState.TASK_DROPPED]: 'dropped',
  [TaskState.TASK_GONE]: 'gone',
  [TaskState.TASK_GONE_BY_OPERATOR]: 'gone',
};

/**
 * The instance state of a task state. UNKNOWN (the master does not know the task: a launch it
 * never took, or one long forgotten) is lost: the instance holds nothing and is no fault of its own.
 */
export function instanceStateOf(state: TaskState): InstanceState {
  return STATES[state] ?? 'lost';
}

export function healthOf(health: StatusUpdate['health']): boolean | undefined {
  return health === TaskHealth.HEALTHY ? true : health === TaskHealth.UNHEALTHY ? false : undefined;
}

const NOTICES: Partial<Record<AgentNoticeKind, AgentNotice>> = {
  [AgentNoticeKind.DRAINING]: 'draining',
  [AgentNoticeKind.UNDRAINED]: 'undrained',
  [AgentNoticeKind.PRESSURE]: 'pressure',
  [AgentNoticeKind.PRESSURE_CLEARED]: 'pressure-cleared',
};

export function toServicesOffer(o: ResourceOffer): ServicesOffer {
  const r = o.resources;
  return {
    id: o.id, agentId: o.agentId, hostname: o.hostname, attributes: o.attributes, role: o.role,
    cpus: r.cpus, memMb: r.memMb, diskMb: r.diskMb, ports: r.ports.map((p) => ({ begin: p.begin ?? 0, end: p.end ?? 0 })),
  };
}

/** `PORT_<NAME>`: the port's name upper-cased, anything but letters and digits as `_`. */
export function portEnvName(name: string): string {
  return `PORT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function healthCheckOf(spec: ServiceSpec): HealthCheckInput | null {
  const h = spec.healthChecks[0];
  if (!h) return null;
  const timings = {
    delayMs: h.delaySeconds * 1000,
    intervalMs: h.intervalSeconds * 1000,
    timeoutMs: h.timeoutSeconds * 1000,
    gracePeriodMs: h.gracePeriodSeconds * 1000,
    consecutiveFailures: h.maxConsecutiveFailures,
  };
  const portIndex = (name: string) => Math.max(0, spec.resources.ports.findIndex((p) => p.name === name));
  if (h.protocol === 'HTTP') return { type: HealthCheckType.HTTP, portIndex: portIndex(h.portName), path: h.path, ...timings };
  if (h.protocol === 'TCP') return { type: HealthCheckType.TCP, portIndex: portIndex(h.portName), ...timings };
  return { type: HealthCheckType.COMMAND, command: { value: h.command, shell: true }, ...timings };
}

/**
 * The task for one instance: the Docker image and command (a command line runs with /bin/sh -c;
 * `args` are the Docker CMD, run by the image's ENTRYPOINT; none keeps the image's CMD), the spec's
 * environment with BERTH_INSTANCE_ID, BERTH_SERVICE_ID, BERTH_SERVICE_VERSION, PORT and
 * `PORT_<NAME>` added (the agent adds PORT0...), the resources with one range per port in the
 * spec's order, the first health check, the kill grace period and labels naming the service.
 */
export function toTaskInput(l: ServicesLaunch): TaskInput {
  const { spec } = l;
  const ports = spec.resources.ports.map((p) => l.ports[p.name]!);
  const env: Record<string, string> = {
    ...spec.container.env,
    BERTH_INSTANCE_ID: l.taskId,
    BERTH_SERVICE_ID: spec.id,
    BERTH_SERVICE_VERSION: String(l.version),
  };
  spec.resources.ports.forEach((p, i) => {
    env[portEnvName(p.name)] = String(ports[i]);
    if (i === 0) env.PORT = String(ports[i]);
  });
  const args = spec.container.args;
  const command = spec.container.command !== undefined
    ? { value: spec.container.command, shell: true, arguments: [], environment: env }
    : { value: '', shell: false, arguments: [...args], environment: env };
  return {
    taskId: l.taskId,
    name: `${spec.id} v${l.version}`,
    agentId: l.agentId,
    resources: { cpus: spec.resources.cpus, memMb: spec.resources.memMb, diskMb: spec.resources.diskMb, ports: ports.map((p) => ({ begin: p, end: p })) },
    command,
    container: { type: ContainerType.DOCKER, image: spec.container.image, ...(spec.container.user ? { user: spec.container.user } : {}) },
    killGracePeriodMs: spec.killGracePeriodSeconds * 1000,
    healthCheck: healthCheckOf(spec),
    labels: { ...spec.labels, service_id: spec.id, service_version: String(l.version) },
  };
}

/** The cluster's agents from the master's HTTP API (agents the master declared gone are left out). */
export async function readClusterAgents(masterUrl: string | string[], token?: string, tls?: TlsClientOptions): Promise<ClusterAgentView[]> {
  const { agents } = await readClusterState(masterUrl, { ...tls, ...(token ? { token } : {}) });
  return agents.filter((a) => a.state !== 'gone').map((a) => ({
    id: a.id, hostname: a.hostname, address: a.address, attributes: a.attributes,
    free: { cpus: a.free.cpus, memMb: a.free.memMb, diskMb: a.free.diskMb, ports: a.free.ports.map((p) => ({ begin: p.begin ?? 0, end: p.end ?? 0 })) },
    total: { cpus: a.total.cpus, memMb: a.total.memMb, diskMb: a.total.diskMb },
    draining: a.draining, underPressure: a.underPressure, unreachable: a.state === 'unreachable',
  }));
}

/** A ServicesDriver on the SDK's SchedulerClient, acknowledging updates only when told to. */
export function sdkDriver(options: SdkDriverOptions): ServicesDriver {
  const client = new SchedulerClient({
    masterUrl: options.masterUrl,
    framework: {
      name: options.name, roles: options.roles, failoverTimeoutMs: options.failoverTimeoutMs,
      // Instances on a silent agent are UNREACHABLE (they may come back), not LOST.
      partitionAware: true,
      ...(options.webuiUrl ? { webuiUrl: options.webuiUrl } : {}),
    },
    ...(options.frameworkId ? { frameworkId: options.frameworkId } : {}),
    // Forgotten after a long absence: come back as a new framework and relaunch what is declared.
    onForgotten: OnForgotten.RESUBSCRIBE,
    autoAcknowledge: false,
    // The scheduler reconciles its own instances explicitly on every subscription.
    reconcileOnResubscribe: false,
    ...(options.token ? { token: options.token } : {}),
    log: options.log,
    ...options.tls,
  });
  async function* events(): AsyncIterable<ServicesEvent> {
    for await (const e of client.events()) {
      if (e.type === 'subscribed') yield { type: 'subscribed', frameworkId: e.frameworkId };
      else if (e.type === 'forgotten') yield { type: 'forgotten', frameworkId: e.frameworkId };
      else if (e.type === 'offers') yield { type: 'offers', offers: e.offers.map(toServicesOffer) };
      else if (e.type === 'rescind') yield { type: 'rescind', offerId: e.offerId };
      else if (e.type === 'disconnected') yield { type: 'disconnected', reason: e.reason };
      else if (e.type === 'agent-lost') yield { type: 'agent-lost', agentId: e.agentId };
      else if (e.type === 'agent-notice') {
        const notice = NOTICES[e.kind];
        if (notice) yield { type: 'agent-notice', agentId: e.agentId, notice, message: e.message };
      } else if (e.type === 'update') {
        const s = e.status;
        yield {
          type: 'update',
          status: {
            taskId: s.taskId, agentId: s.agentId, state: instanceStateOf(s.state), healthy: healthOf(s.health),
            describe: `${stateName(s.state)}${s.message ? `: ${s.message}` : ''}`,
            acknowledge: () => client.acknowledge(s),
          },
        };
      }
    }
  }
  return {
    events,
    launch: (offerIds, tasks) => client.launch(offerIds, tasks.map(toTaskInput), { refuseSeconds: 1 }),
    decline: (offerIds, refuseSeconds) => client.decline(offerIds, refuseSeconds),
    kill: (taskId, agentId, gracePeriodMs) => client.kill(taskId, agentId, gracePeriodMs),
    reconcile: (tasks) => client.reconcile(tasks),
    revive: () => client.revive(),
    suppress: () => client.suppress(),
    refused: (err) => typeof err === 'object' && err !== null && 'mayHaveTakenEffect' in err && (err as { mayHaveTakenEffect: boolean }).mayHaveTakenEffect === false,
    close: () => client.close(),
  };
}
