// The agent's options, its stop options and its session states with their legal moves.
import type { Logger } from 'pino';
import type { ChannelOptions, Dialer, Res } from '../protocol/index.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import type { Timers } from './status-update-manager.js';
import type { HostSample } from './usage-reporter.js';

export interface AgentOptions {
  /**
   * The masters' base URLs, for example ws://127.0.0.1:5050 (the agent path is added): one, or
   * several separated by commas. They are tried in turn; a standby's redirect is followed. The
   * constructor throws a MasterSessionError (INVALID_URL) when one is not a ws:// URL.
   */
  masterUrl: string;
  runtime: ContainerRuntime;
  log: Logger;
  /** What this agent advertises (see detectResources()). */
  resources: Res;
  /** Static reservations: parts of `resources` offered only to frameworks of these roles. */
  reservations?: { role: string; resources: Res }[];
  /** Sandboxes live under <workDir>/sandboxes/<taskId>; the checkpoint is <workDir>/checkpoint.json. */
  workDir: string;
  hostname?: string;
  attributes?: Record<string, string>;
  /** The id to register under when the work dir has no checkpoint (the checkpoint's id wins). */
  agentId?: string;
  /**
   * Read from the host when not given (agent/boot-id.ts). A checkpoint written under another boot
   * id means the host rebooted: the agent starts afresh and tells the master its previous id.
   */
  bootId?: string;
  version?: string;
  /** Used when neither the kill nor the task names a grace period. */
  defaultKillGracePeriodMs?: number;
  /** Re-send backoff of unacknowledged status updates. */
  statusRetry?: { initialMs?: number; maxMs?: number };
  /** Reconnect backoff. */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** How long the master has to answer a registration before the agent reconnects. */
  registerTimeoutMs?: number;
  /** How often to ping the master (default: the interval its Welcome announces). */
  heartbeatIntervalMs?: number;
  /** How long the master may stay silent before the agent reconnects (default three intervals). */
  heartbeatTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /** How connections to the master are opened (default: WebSockets; tests pass an in-memory one). */
  dial?: Dialer;
  /** Timers for status re-sends (tests inject fakes). */
  timers?: Timers;
  /** How often usage is sampled and reported (default 5000). */
  usageIntervalMs?: number;
  /** Under pressure when the tasks use more than this fraction of the advertised memory (default 0.9). */
  memoryPressureFraction?: number;
  /** Under pressure when the host has less memory available than this (default 256 MiB). */
  hostMemoryFloorMb?: number;
  /** The host's memory and cpu (tests inject fakes). */
  hostSample?: () => HostSample;
  /** How long finished tasks' containers and sandboxes are kept for their logs (default 10 min). */
  finishedRetentionMs?: number;
  /** At most this many finished tasks are kept (default 100). */
  finishedMaxTasks?: number;
}

export interface StopOptions {
  /**
   * Kill every task (with its grace period), report it, and remove finished tasks' containers
   * before leaving. Default false: tasks keep running, finished ones are kept for their logs.
   */
  killTasks?: boolean;
  /** The reason put on the TASK_KILLED updates. */
  reason?: string;
  /** How long to wait for the master to acknowledge the last updates. */
  flushTimeoutMs?: number;
}

/** The session's state. */
export const AgentState = {
  IDLE: 'idle',
  CONNECTING: 'connecting',
  REGISTERING: 'registering',
  REGISTERED: 'registered',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
  /** The master refused this agent for good (a final close code); it does not reconnect. */
  FAILED: 'failed',
} as const;
export type AgentState = (typeof AgentState)[keyof typeof AgentState];

export const MOVES: Record<AgentState, readonly AgentState[]> = {
  idle: ['connecting', 'stopping', 'failed'],
  connecting: ['registering', 'connecting', 'stopping', 'failed'],
  registering: ['registered', 'connecting', 'stopping', 'failed'],
  registered: ['connecting', 'stopping', 'failed'],
  stopping: ['stopped'],
  stopped: [],
  failed: ['stopping'],
};

/** The channel options among the agent's (the heartbeat interval defaults to the master's). */
export function channelOptionsOf(o: AgentOptions): ChannelOptions {
  return {
    ...(o.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: o.heartbeatIntervalMs }),
    ...(o.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs: o.heartbeatTimeoutMs }),
    ...(o.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: o.handshakeTimeoutMs }),
  };
}
