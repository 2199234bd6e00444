// The one place batch meets the SDK: it turns the SDK's events into batch's own small types and
// batch's launches into TaskInfos, so a change of the SDK's event types touches this file only.
import {
  ContainerType,
  OnForgotten,
  SchedulerClient,
  TaskReason,
  TaskState,
  isTerminal,
  stateName,
  type ResourceOffer,
  type SdkLogger,
  type StatusUpdate,
  type TaskInput,
  type TlsClientOptions,
} from '../sdk/index.js';
import type { TaskEnd } from './run-state.js';
// The store's Redis connection is the SDK's (frameworks/sdk/state-redis.ts), handed on from here.
export { closeStateRedis, connectStateRedis, stateCall, type StateRedisClient, type StateRedisOptions } from '../sdk/index.js';
export {
  FrameworkAudit, checkAuditRetention, MemoryAuditLog, RedisAuditLog, auditUser, auditReadLimit,
  type FrameworkAuditEvent, type FrameworkAuditStore, type AuditWhat,
} from '../sdk/index.js';
// And its authentication at the HTTP edge (frameworks/sdk/http-auth.ts).
export { allowCall, auditCaller, guardUpgrades } from '../sdk/index.js';
import type { ResolvedRun } from './spec/index.js';

export interface Shape3 {
  cpus: number;
  memMb: number;
  diskMb: number;
}

/** An offer, as batch plans with it. */
export interface BatchOffer {
  id: string;
  agentId: string;
  role: string;
  free: Shape3;
  /** Set when the offer is part of a gang bundle asked for with requestGang. */
  gangId: string;
}

/** A task status, reduced to what the run tracker needs. */
export interface BatchStatus {
  taskId: string;
  agentId: string;
  /** How the task ended; undefined while it is not terminal. */
  end: TaskEnd | undefined;
  /** For logs: the state's name and message. */
  describe: string;
  /** Acknowledges the update to the master; call it after the update's effect is durable. */
  acknowledge(): void;
}

export type BatchEvent =
  | { type: 'subscribed'; frameworkId: string }
  /** The master forgot frameworkId (away past its failover timeout) and killed its tasks; a fresh subscription follows. */
  | { type: 'forgotten'; frameworkId: string }
  | { type: 'offers'; offers: BatchOffer[] }
  | { type: 'rescind'; offerId: string }
  | { type: 'update'; status: BatchStatus }
  | { type: 'disconnected'; reason: string };

/** One task to launch: what runs, where, with which resources. */
export interface BatchLaunch {
  taskId: string;
  name: string;
  agentId: string;
  resources: Shape3;
  run: ResolvedRun;
  /** Extra environment (BERTH_TASK_ATTEMPT...), on top of the run's own. */
  env: Record<string, string>;
  /** The master may kill it for a role below its quota guarantee (the job's `preemptible`). */
  preemptible: boolean;
}

/** What the scheduler calls on the master; tests may stand in for it. */
export interface BatchDriver {
  events(): AsyncIterable<BatchEvent>;
  launch(offerIds: string[], tasks: BatchLaunch[]): Promise<void>;
  decline(offerIds: string[], refuseSeconds: number): Promise<void>;
  kill(taskId: string, agentId: string): Promise<void>;
  reconcile(tasks: { taskId: string; agentId: string }[]): Promise<void>;
  revive(): Promise<void>;
  suppress(): Promise<void>;
  requestGang(gangId: string, shapes: Shape3[], role: string): Promise<void>;
  cancelGang(gangId: string): Promise<void>;
  /** True when a refused call surely had no effect (as opposed to a lost connection). */
  refused(err: unknown): boolean;
  close(): Promise<void>;
}

export interface SdkDriverOptions {
  masterUrl: string | string[];
  /** The id kept from an earlier subscription, to come back as the same framework. */
  frameworkId: string | undefined;
  name: string;
  roles: string[];
  failoverTimeoutMs: number;
  /** Sent to the master on the subscription. */
  token?: string;
  log: SdkLogger;
  /** For a wss:// master: the CA to trust and the client certificate to show. */
  tls?: TlsClientOptions | undefined;
}

/** States that are no fault of the task's: the agent went away, the master never had it. */
const NOT_ITS_FAULT: ReadonlySet<TaskState> = new Set([TaskState.TASK_LOST, TaskState.TASK_DROPPED, TaskState.TASK_GONE, TaskState.TASK_GONE_BY_OPERATOR, TaskState.TASK_UNKNOWN]);

export function taskEnd(status: Pick<StatusUpdate, 'state' | 'reason' | 'message' | 'exitCode'>): TaskEnd | undefined {
  const state = status.state;
  if (!isTerminal(state) && state !== TaskState.TASK_UNKNOWN) return undefined;
  const message = status.message || undefined;
  if (state === TaskState.TASK_FINISHED) return { kind: 'succeeded' };
  if (status.reason === TaskReason.PREEMPTED) return { kind: 'preempted', message: `preempted for a role below its quota guarantee${message ? ` (${message})` : ''}` };
  if (NOT_ITS_FAULT.has(state)) return { kind: 'preempted', ...(message ? { message } : {}) };
  if (state === TaskState.TASK_KILLED) return { kind: 'killed', ...(message ? { message } : {}) };
  const exitCode = status.exitCode >= 0 ? status.exitCode : undefined;
  return { kind: 'failed', ...(exitCode === undefined ? {} : { exitCode }), message: `${stateName(state)}${message ? `: ${message}` : ''}` };
}

function toOffer(o: ResourceOffer): BatchOffer {
  const r = o.resources;
  return { id: o.id, agentId: o.agentId, role: o.role, gangId: o.gangId, free: { cpus: r.cpus, memMb: r.memMb, diskMb: r.diskMb } };
}

function toTaskInput(l: BatchLaunch): TaskInput {
  const env = { ...l.run.env, ...l.env };
  const command = l.run.command !== undefined
    ? { value: l.run.command, shell: true, arguments: [], environment: env }
    : { value: '', shell: false, arguments: l.run.args ?? [], environment: env };
  return {
    taskId: l.taskId,
    name: l.name,
    agentId: l.agentId,
    resources: { cpus: l.resources.cpus, memMb: l.resources.memMb, diskMb: l.resources.diskMb },
    command,
    container: l.run.kind === 'container' ? { type: ContainerType.DOCKER, image: l.run.image ?? '' } : { type: ContainerType.MESOS },
    labels: {},
    preemptible: l.preemptible,
  };
}

/** A BatchDriver on the SDK's SchedulerClient, acknowledging updates only when told to. */
export function sdkDriver(options: SdkDriverOptions): BatchDriver {
  const client = new SchedulerClient({
    masterUrl: options.masterUrl,
    framework: { name: options.name, roles: options.roles, failoverTimeoutMs: options.failoverTimeoutMs },
    ...(options.frameworkId ? { frameworkId: options.frameworkId } : {}),
    // Forgotten after a long absence: come back as a new framework and relaunch what is declared.
    onForgotten: OnForgotten.RESUBSCRIBE,
    autoAcknowledge: false,
    // The scheduler reconciles its own tasks explicitly on every subscription.
    reconcileOnResubscribe: false,
    ...(options.token ? { token: options.token } : {}),
    log: options.log,
    ...options.tls,
  });
  async function* events(): AsyncIterable<BatchEvent> {
    for await (const e of client.events()) {
      if (e.type === 'subscribed') yield { type: 'subscribed', frameworkId: e.frameworkId };
      else if (e.type === 'forgotten') {
        options.log.warn({ frameworkId: e.frameworkId }, 'the master forgot this framework (away longer than its failover timeout) and killed its tasks: subscribing afresh; their runs retry them as lost, which is no failure');
        yield { type: 'forgotten', frameworkId: e.frameworkId };
      }
      else if (e.type === 'offers') yield { type: 'offers', offers: e.offers.map(toOffer) };
      else if (e.type === 'rescind') yield { type: 'rescind', offerId: e.offerId };
      else if (e.type === 'disconnected') yield { type: 'disconnected', reason: e.reason };
      else if (e.type === 'update') {
        const s = e.status;
        yield {
          type: 'update',
          status: {
            taskId: s.taskId, agentId: s.agentId, end: taskEnd(s),
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
    kill: (taskId, agentId) => client.kill(taskId, agentId),
    reconcile: (tasks) => client.reconcile(tasks),
    revive: () => client.revive(),
    suppress: () => client.suppress(),
    requestGang: (gangId, shapes, role) => client.requestGang(gangId, shapes, role),
    cancelGang: (gangId) => client.cancelGang(gangId),
    refused: (err) => typeof err === 'object' && err !== null && 'mayHaveTakenEffect' in err && (err as { mayHaveTakenEffect: boolean }).mayHaveTakenEffect === false,
    close: () => client.close(),
  };
}
