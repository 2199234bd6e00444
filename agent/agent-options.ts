// The agent's options (and compileAgentOptions, which fills their defaults and checks every field,
// listing every problem in one BerthError), its stop options and its session states.
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { bearerHeaders, tokenProblem } from '../protocol/auth/index.js';
import { quoteRole, roleProblem } from '../protocol/domain/index.js';
import { BerthError, ErrorCode, checkId, checkMasterUrl, resources, HelloKind, type ChannelOptions, type ClientTls, type Dialer, type MasterSessionOptions, type Res, type ServerTls } from '../protocol/index.js';
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
  /** Where clients reach this agent's tasks (they use host networking); default 127.0.0.1. */
  advertiseAddress?: string;
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
  /** The bearer token of the agent's principal, for a master with authentication on (docs/security.md). */
  token?: string;
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
  /**
   * How the checkpoint is written: 'async' (the default) through libuv's thread pool, or
   * 'blocking' with synchronous calls, a fraction of the CPU (no hand-off to a pool thread per
   * open, write, close and rename) but holding the event loop while the file system answers. For
   * a work dir in memory (tmpfs), as the benches' hollow agents have.
   */
  checkpointWrites?: 'async' | 'blocking';
  /** How long finished tasks' containers and sandboxes are kept for their logs (default 10 min). */
  finishedRetentionMs?: number;
  /** At most this many finished tasks are kept (default 100). */
  finishedMaxTasks?: number;
  /** Serve Prometheus metrics at http://metricsHost:metricsPort/metrics; 0 picks a free port. Default: no listener. */
  metricsPort?: number | undefined;
  /** The address of the metrics listener (default 127.0.0.1). */
  metricsHost?: string | undefined;
  /** Serve the metrics over https with this certificate (protocol/tls.ts). */
  metricsTls?: ServerTls | undefined;
  /** For wss:// masters: the CAs to trust and the client certificate to show (mutual TLS). */
  tls?: ClientTls | undefined;
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
/** The agent's session with the master, from its options: where, how it retries, its credentials. */
export function sessionOptionsOf(o: AgentOptions, log: Logger): MasterSessionOptions {
  return {
    masterUrl: o.masterUrl,
    path: '/api/v1/agent',
    kind: HelloKind.AGENT,
    client: 'berth-agent/0.1',
    channel: channelOptionsOf(o),
    reconnect: { initialMs: o.reconnect?.initialMs ?? 500, maxMs: o.reconnect?.maxMs ?? 10_000 },
    ...(o.dial ? { dial: o.dial } : {}),
    tls: o.tls,
    headers: bearerHeaders(o.token),
    log,
  };
}

function channelOptionsOf(o: AgentOptions): ChannelOptions {
  return {
    ...(o.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: o.heartbeatIntervalMs }),
    ...(o.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs: o.heartbeatTimeoutMs }),
    ...(o.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: o.handshakeTimeoutMs }),
  };
}

/** The defaults compileAgentOptions fills in; the CLI shows them in its help. */
export const AGENT_DEFAULTS = {
  defaultKillGracePeriodMs: 3_000,
  statusRetry: { initialMs: 500, maxMs: 10_000 },
  reconnect: { initialMs: 500, maxMs: 10_000 },
  registerTimeoutMs: 10_000,
  usageIntervalMs: 5_000,
  memoryPressureFraction: 0.9,
  hostMemoryFloorMb: 256,
  finishedRetentionMs: 10 * 60_000,
  finishedMaxTasks: 100,
  advertiseAddress: '127.0.0.1',
} as const;

/** AgentOptions with every default filled in (hostname, heartbeat and handshake ones stay optional: the agent derives them). */
export type CompiledAgentOptions = AgentOptions & {
  readonly reservations: { role: string; resources: Res }[];
  readonly attributes: Record<string, string>;
  readonly defaultKillGracePeriodMs: number;
  readonly statusRetry: { initialMs: number; maxMs: number };
  readonly reconnect: { initialMs: number; maxMs: number };
  readonly registerTimeoutMs: number;
  readonly usageIntervalMs: number;
  readonly memoryPressureFraction: number;
  readonly hostMemoryFloorMb: number;
  readonly finishedRetentionMs: number;
  readonly finishedMaxTasks: number;
  readonly advertiseAddress: string;
};

/** One bad option: its field (a path like resources.cpus), the rule it breaks, and what it got. */
export interface AgentOptionProblem {
  field: string;
  rule: string;
  got: string;
}

type NumberRule = { min: number; minIncluded: boolean; max?: number; integer?: boolean };
const NUMBER_RULES: Record<'defaultKillGracePeriodMs' | 'registerTimeoutMs' | 'usageIntervalMs' | 'memoryPressureFraction' | 'hostMemoryFloorMb' | 'finishedRetentionMs' | 'finishedMaxTasks' | 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'handshakeTimeoutMs' | 'metricsPort', NumberRule> = {
  defaultKillGracePeriodMs: { min: 0, minIncluded: true },
  registerTimeoutMs: { min: 0, minIncluded: false },
  usageIntervalMs: { min: 0, minIncluded: false },
  memoryPressureFraction: { min: 0, minIncluded: false, max: 1 },
  hostMemoryFloorMb: { min: 0, minIncluded: true },
  finishedRetentionMs: { min: 0, minIncluded: true },
  finishedMaxTasks: { min: 0, minIncluded: true, integer: true },
  heartbeatIntervalMs: { min: 0, minIncluded: false },
  heartbeatTimeoutMs: { min: 0, minIncluded: false },
  handshakeTimeoutMs: { min: 0, minIncluded: false },
  metricsPort: { min: 0, minIncluded: true, max: 65_535, integer: true },
};

/** The rule a number option keeps, as text ("> 0", ">= 0, whole"), for help texts. */
export function agentRule(field: keyof typeof NUMBER_RULES): string {
  const r = NUMBER_RULES[field];
  return `${r.minIncluded ? '>=' : '>'} ${r.min}${r.max === undefined ? '' : ` and <= ${r.max}`}${r.integer ? ', whole' : ''}`;
}

function breaks(value: unknown, r: NumberRule): string | undefined {
  const ok = typeof value === 'number' && Number.isFinite(value) && (!r.integer || Number.isInteger(value))
    && (r.minIncluded ? value >= r.min : value > r.min) && (r.max === undefined || value <= r.max);
  return ok ? undefined : `must be ${r.integer ? 'a whole number' : 'a number'} ${r.minIncluded ? '>=' : '>'} ${r.min}${r.max === undefined ? '' : ` and <= ${r.max}`}`;
}

const shown = (v: unknown): string => (typeof v === 'number' ? String(v) : JSON.stringify(v) ?? 'undefined');
/** A host name (DNS labels) or an IPv4/IPv6 address: no scheme, port, path or spaces. */
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const isAddress = (v: string): boolean => isIP(v) !== 0 || HOST_NAME.test(v);

/**
 * Every problem with the fields options gives, each naming its field. masterUrl, runtime and log
 * are checked only when given, so the CLI can check its flags before it has them all;
 * compileAgentOptions requires them.
 */
export function agentOptionProblems(options: Partial<AgentOptions>): AgentOptionProblem[] {
  const problems: AgentOptionProblem[] = [];
  const problem = (field: string, rule: string, got = ''): void => void problems.push({ field, rule, got });
  const o = options as Record<string, unknown>;
  if (o.masterUrl !== undefined && typeof o.masterUrl !== 'string') problem('masterUrl', 'must be a ws:// URL or a comma-separated list of them', shown(o.masterUrl));
  else if (typeof o.masterUrl === 'string') {
    const urls = o.masterUrl.split(',').map((u) => u.trim()).filter(Boolean);
    if (urls.length === 0) problem('masterUrl', 'must name at least one master, like ws://127.0.0.1:5050', shown(o.masterUrl));
    for (const u of urls) {
      const checked = checkMasterUrl(u);
      if (!checked.ok) problem('masterUrl', checked.problem.replace(/^"[^"]*" /, ''), JSON.stringify(u));
    }
  }
  if (o.runtime !== undefined && typeof (o.runtime as Partial<ContainerRuntime>)?.launch !== 'function') problem('runtime', 'must be a ContainerRuntime');
  if (o.log !== undefined && typeof (o.log as Partial<Logger>)?.child !== 'function') problem('log', 'must be a pino Logger');
  if (typeof o.workDir !== 'string' || o.workDir.trim() === '') problem('workDir', 'must be a non-empty path', shown(o.workDir));
  if (o.checkpointWrites !== undefined && o.checkpointWrites !== 'async' && o.checkpointWrites !== 'blocking') problem('checkpointWrites', "must be 'async' or 'blocking'", shown(o.checkpointWrites));
  const res = o.resources as Partial<Res> | undefined;
  if (typeof res !== 'object' || res === null) problem('resources', 'must be the resources to advertise (cpus, memMb, diskMb, gpus, ports)', shown(res));
  else {
    // An agent without cpus or memory can run nothing: every task asks for some of both.
    for (const key of ['cpus', 'memMb'] as const) if (!(typeof res[key] === 'number' && res[key] > 0)) problem(`resources.${key}`, 'must be greater than 0', shown(res[key]));
    for (const key of ['diskMb', 'gpus'] as const) if (!(typeof res[key] === 'number' && res[key] >= 0)) problem(`resources.${key}`, 'must be 0 or more', shown(res[key]));
  }
  const reservations = (o.reservations ?? []) as { role?: unknown; resources?: Res }[];
  if (!Array.isArray(reservations)) problem('reservations', 'must be a list of { role, resources }', shown(reservations));
  else {
    reservations.forEach((r, i) => {
      const roleWhy = typeof r?.role === 'string' ? roleProblem(r.role) : 'must be a role name like eng or eng/ml';
      if (roleWhy || r?.role === '*') problem(`reservations[${i}].role`, roleWhy ?? 'must be a role name like eng or eng/ml, not "*"', typeof r?.role === 'string' ? quoteRole(r.role) : shown(r?.role));
      if (r?.resources?.ports?.length) problem(`reservations[${i}].resources.ports`, 'cannot be reserved, only scalars (cpus, mem, disk, gpus)', resources.formatPorts(r.resources.ports));
    });
    if (res && typeof res === 'object' && reservations.every((r) => r?.resources)) {
      const sum = reservations.reduce((s, r) => resources.add(s, { ...(r.resources as Res), ports: [] }), resources.empty());
      const total = resources.normalize({ ...res, ports: [] });
      if (!resources.contains(total, sum)) problem('reservations', `must fit in the agent's resources (${resources.format(total)})`, resources.format(sum));
    }
  }
  if (o.metricsHost !== undefined && (typeof o.metricsHost !== 'string' || o.metricsHost.trim() === '')) problem('metricsHost', 'must be a host name or address like 127.0.0.1', shown(o.metricsHost));
  if (o.advertiseAddress !== undefined && (typeof o.advertiseAddress !== 'string' || !isAddress(o.advertiseAddress))) problem('advertiseAddress', 'must be a host name or IP address like 127.0.0.1 (no scheme, port or spaces)', shown(o.advertiseAddress));
  if (o.hostname !== undefined && (typeof o.hostname !== 'string' || o.hostname.trim() === '')) problem('hostname', 'must be a non-empty string', shown(o.hostname));
  if (o.attributes !== undefined) {
    if (typeof o.attributes !== 'object' || o.attributes === null) problem('attributes', 'must be a record of strings', shown(o.attributes));
    else for (const [k, v] of Object.entries(o.attributes)) if (k === '' || typeof v !== 'string') problem(`attributes.${k}`, 'must be a non-empty key with a string value', shown(v));
  }
  if (o.token !== undefined) {
    const why = tokenProblem(o.token, 'token');
    if (why) problem('token', why.replace(/^token /, ''), '(hidden)');
  }
  if (o.agentId !== undefined) {
    const why = typeof o.agentId === 'string' ? checkId(o.agentId, 'agentId') : 'agentId must be a string';
    if (why) problem('agentId', why.replace(/^agentId /, ''), shown(o.agentId));
  }
  for (const [field, rule] of Object.entries(NUMBER_RULES) as [keyof typeof NUMBER_RULES, NumberRule][]) {
    const value = o[field] ?? (AGENT_DEFAULTS as Record<string, unknown>)[field];
    if (value === undefined) continue;
    const why = breaks(value, rule);
    if (why) problem(field, why, shown(value));
  }
  for (const field of ['statusRetry', 'reconnect'] as const) {
    const b = { ...AGENT_DEFAULTS[field], ...(o[field] as object | undefined) } as { initialMs: unknown; maxMs: unknown };
    for (const key of ['initialMs', 'maxMs'] as const) {
      const why = breaks(b[key], { min: 0, minIncluded: false });
      if (why) problem(`${field}.${key}`, why, shown(b[key]));
    }
    if (typeof b.initialMs === 'number' && typeof b.maxMs === 'number' && b.maxMs < b.initialMs) problem(`${field}.maxMs`, `must be >= ${field}.initialMs`, shown(b.maxMs));
  }
  return problems;
}

/**
 * Fills the defaults into options and checks every field. Throws one BerthError (code
 * INVALID_CALL) whose message lists every problem and whose field names every bad field.
 */
export function compileAgentOptions(options: AgentOptions): CompiledAgentOptions {
  const o = options as Partial<AgentOptions>;
  const problems = [
    ...(o.masterUrl === undefined ? [{ field: 'masterUrl', rule: 'must be a ws:// URL or a comma-separated list of them', got: 'undefined' }] : []),
    ...(o.runtime === undefined ? [{ field: 'runtime', rule: 'must be a ContainerRuntime', got: 'undefined' }] : []),
    ...(o.log === undefined ? [{ field: 'log', rule: 'must be a pino Logger', got: 'undefined' }] : []),
    ...agentOptionProblems(options),
  ];
  if (problems.length > 0) {
    throw new BerthError(ErrorCode.INVALID_CALL, `invalid agent options: ${problems.map((p) => `${p.field} ${p.rule}${p.got ? `, got ${p.got}` : ''}`).join('; ')}`, {
      field: problems.map((p) => p.field).join(','),
    });
  }
  return {
    ...options,
    reservations: options.reservations ?? [],
    attributes: options.attributes ?? {},
    advertiseAddress: options.advertiseAddress ?? AGENT_DEFAULTS.advertiseAddress,
    defaultKillGracePeriodMs: options.defaultKillGracePeriodMs ?? AGENT_DEFAULTS.defaultKillGracePeriodMs,
    statusRetry: { ...AGENT_DEFAULTS.statusRetry, ...options.statusRetry },
    reconnect: { ...AGENT_DEFAULTS.reconnect, ...options.reconnect },
    registerTimeoutMs: options.registerTimeoutMs ?? AGENT_DEFAULTS.registerTimeoutMs,
    usageIntervalMs: options.usageIntervalMs ?? AGENT_DEFAULTS.usageIntervalMs,
    memoryPressureFraction: options.memoryPressureFraction ?? AGENT_DEFAULTS.memoryPressureFraction,
    hostMemoryFloorMb: options.hostMemoryFloorMb ?? AGENT_DEFAULTS.hostMemoryFloorMb,
    finishedRetentionMs: options.finishedRetentionMs ?? AGENT_DEFAULTS.finishedRetentionMs,
    finishedMaxTasks: options.finishedMaxTasks ?? AGENT_DEFAULTS.finishedMaxTasks,
  };
}
