// Shared wiring for the commands that start processes: stores, masters, agents, signals.
import { mkdir } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Agent, createRuntime, detectResources, dockerAvailable, parseResourceSpec } from '../agent/index.js';
import { startMaster, type RoleConfig, type RunningMaster } from '../master/index.js';
import { openStore, type ClusterStore } from '../master/store/index.js';
import { resources, type Res } from '../protocol/index.js';
import { Problems, UsageError, type Flags } from './flags.js';

export type RuntimeName = 'docker' | 'process' | 'hollow';

export async function openClusterStore(redisUrl: string | undefined, dataDir: string | undefined, log: Logger): Promise<ClusterStore> {
  try {
    const store = await openStore(redisUrl, {
      dataDir,
      onConnectionError: (err: Error) => log.warn({ err: err.message }, 'redis connection problem'),
    });
    log.info({ store: redisUrl ? `redis ${redisUrl}` : dataDir ? `memory, snapshot in ${dataDir}` : 'memory (lost on exit)' }, 'store opened');
    return store;
  } catch (err) {
    throw new UsageError(`cannot open the store${redisUrl ? ` at ${redisUrl}` : ''}: ${(err as Error).message}${redisUrl ? '. Is redis-server running there?' : ''}`);
  }
}

/** Roles from --role NAME=WEIGHT, --quota NAME=SPEC (guarantee) and --limit NAME=SPEC flags. */
export function parseRoles(flags: Flags, problems: Problems): Map<string, RoleConfig> {
  const roles = new Map<string, RoleConfig>();
  const role = (name: string): RoleConfig => {
    let r = roles.get(name);
    if (!r) roles.set(name, (r = { weight: 1 }));
    return r;
  };
  for (const v of (flags.role as string[] | undefined) ?? []) {
    const m = /^([a-z0-9*][a-z0-9._/-]*)=(\d+(?:\.\d+)?)$/.exec(v);
    if (!m || Number(m[2]) <= 0) problems.add(`--role must look like NAME=WEIGHT with a weight > 0, got '${v}'`);
    else role(m[1] as string).weight = Number(m[2]);
  }
  for (const [flag, key] of [['quota', 'quotaGuarantee'], ['limit', 'quotaLimit']] as const) {
    for (const v of (flags[flag] as string[] | undefined) ?? []) {
      const m = /^([a-z0-9*][a-z0-9._/-]*)=(.+)$/.exec(v);
      if (!m) {
        problems.add(`--${flag} must look like NAME=cpus:4;mem:8192, got '${v}'`);
        continue;
      }
      try {
        role(m[1] as string)[key] = resources.normalize(parseResourceSpec(m[2] as string));
      } catch (err) {
        problems.add(`--${flag} ${m[1]}: ${(err as Error).message}`);
      }
    }
  }
  return roles;
}

export interface MasterFlags {
  host: string;
  port: number;
  redis: string | undefined;
  data: string | undefined;
  roles: Map<string, RoleConfig>;
  allocationIntervalMs: number;
  offerTimeoutMs: number;
  agentReregisterTimeoutMs: number;
  failoverReregisterTimeoutMs: number;
  agentGoneTimeoutMs: number;
  leaseMs: number;
  advertiseUrl: string | undefined;
}

export const MASTER_FLAGS = {
  host: { type: 'string', default: '127.0.0.1', help: 'address to listen on', placeholder: 'ADDR' },
  port: { type: 'string', default: '5050', help: 'port for agents, frameworks and the HTTP API', placeholder: 'PORT' },
  redis: { type: 'string', help: 'keep state in Redis at this URL (several masters may share it)', placeholder: 'URL' },
  data: { type: 'string', help: 'without --redis: snapshot state to this folder so it survives a restart', placeholder: 'DIR' },
  role: { type: 'string', multiple: true, help: 'a role and its weight for fair sharing, NAME=WEIGHT', placeholder: 'NAME=W' },
  quota: { type: 'string', multiple: true, help: 'resources a role is guaranteed, NAME=cpus:4;mem:8192', placeholder: 'NAME=SPEC' },
  limit: { type: 'string', multiple: true, help: 'resources a role may never exceed, NAME=cpus:8;mem:16384', placeholder: 'NAME=SPEC' },
  'allocation-interval-ms': { type: 'string', default: '1000', help: 'how often the allocator runs besides its triggers', placeholder: 'MS' },
  'offer-timeout-ms': { type: 'string', default: '60000', help: 'rescind offers not answered in this time (0 = never)', placeholder: 'MS' },
  'agent-reregister-timeout-ms': { type: 'string', default: '5000', help: 'time a disconnected agent has to come back before it is unreachable (its tasks UNREACHABLE or LOST)', placeholder: 'MS' },
  'failover-reregister-timeout-ms': { type: 'string', default: '15000', help: 'after a failover, time every agent has to re-register with the new leader', placeholder: 'MS' },
  'agent-gone-timeout-ms': { type: 'string', default: '600000', help: 'an unreachable agent is removed after this long; its tasks are GONE', placeholder: 'MS' },
  'lease-ms': { type: 'string', default: '10000', help: 'leader lease; a leader that cannot renew in time steps down', placeholder: 'MS' },
  'advertise-url': { type: 'string', help: 'the ws:// URL others use to reach this master, if not ws://HOST:PORT', placeholder: 'URL' },
} as const;

export function masterFlags(flags: Flags, problems: Problems): MasterFlags {
  return {
    host: String(flags.host),
    port: problems.int(flags, 'port', 0, 65535),
    redis: flags.redis === undefined ? undefined : problems.url(flags, 'redis', ['redis', 'rediss']),
    data: flags.data as string | undefined,
    roles: parseRoles(flags, problems),
    allocationIntervalMs: problems.int(flags, 'allocation-interval-ms', 10, 600_000),
    offerTimeoutMs: problems.int(flags, 'offer-timeout-ms', 0, 86_400_000),
    agentReregisterTimeoutMs: problems.int(flags, 'agent-reregister-timeout-ms', 100, 86_400_000),
    failoverReregisterTimeoutMs: problems.int(flags, 'failover-reregister-timeout-ms', 100, 86_400_000),
    agentGoneTimeoutMs: problems.int(flags, 'agent-gone-timeout-ms', 1_000, 31_536_000_000),
    leaseMs: problems.int(flags, 'lease-ms', 300, 600_000),
    advertiseUrl: flags['advertise-url'] === undefined ? undefined : problems.url(flags, 'advertise-url', ['ws', 'wss']),
  };
}

export async function runMaster(m: MasterFlags, log: Logger): Promise<RunningMaster> {
  const store = await openClusterStore(m.redis, m.data, log);
  try {
    const running = await startMaster({
      host: m.host,
      port: m.port,
      store,
      log,
      roles: m.roles,
      allocationIntervalMs: m.allocationIntervalMs,
      offerTimeoutMs: m.offerTimeoutMs,
      agentReregisterTimeoutMs: m.agentReregisterTimeoutMs,
      failoverReregisterTimeoutMs: m.failoverReregisterTimeoutMs,
      agentGoneTimeoutMs: m.agentGoneTimeoutMs,
      leaseMs: m.leaseMs,
      advertiseUrl: m.advertiseUrl,
      processMetrics: true,
    });
    const close = running.close.bind(running);
    running.close = async () => {
      await close();
      await store.close();
    };
    return running;
  } catch (err) {
    await store.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(`port ${m.port} on ${m.host} is in use: is another berth running? Stop it or pick another --port.`);
    }
    throw err;
  }
}

/** Picks the runtime: the asked one, or with 'auto' Docker when an engine answers, else processes. */
export async function chooseRuntime(asked: RuntimeName | 'auto', log: Logger): Promise<RuntimeName> {
  if (asked === 'auto') {
    const docker = await dockerAvailable();
    const chosen = docker ? 'docker' : 'process';
    log.info({ runtime: chosen }, docker ? 'runtime: docker (the Docker engine answered)' : 'runtime: process (no Docker engine answered; tasks run as host processes)');
    return chosen;
  }
  if (asked === 'docker' && !(await dockerAvailable())) {
    throw new UsageError('--runtime docker: the Docker engine does not answer at /var/run/docker.sock. Start dockerd, or use --runtime process.');
  }
  return asked;
}

export interface AgentSetup {
  masterUrl: string;
  runtime: RuntimeName;
  workDir: string;
  resources: Res;
  reservations?: { role: string; resources: Res }[];
  attributes: Record<string, string>;
  hostname: string;
  agentId?: string | undefined;
}

export async function startAgent(setup: AgentSetup, log: Logger): Promise<Agent> {
  await mkdir(setup.workDir, { recursive: true });
  const runtime = createRuntime(setup.runtime);
  const agent = new Agent({
    masterUrl: setup.masterUrl,
    runtime,
    log,
    resources: setup.resources,
    reservations: setup.reservations ?? [],
    workDir: setup.workDir,
    hostname: setup.hostname,
    attributes: setup.attributes,
    ...(setup.agentId ? { agentId: setup.agentId } : {}),
  });
  agent.start();
  return agent;
}

/** --reserve ROLE=SPEC flags; together they must fit in the agent's resources, and hold no ports. */
export function parseReservations(values: string[], total: Res, problems: Problems): { role: string; resources: Res }[] {
  const out: { role: string; resources: Res }[] = [];
  for (const v of values) {
    const m = /^([a-z0-9][a-z0-9._/-]*)=(.+)$/.exec(v);
    if (!m) {
      problems.add(`--reserve must look like ROLE=cpus:2;mem:4096, got '${v}'`);
      continue;
    }
    try {
      const r = resources.normalize(parseResourceSpec(m[2] as string));
      if (r.ports.length) problems.add(`--reserve ${m[1]}: ports cannot be reserved, only scalars`);
      else out.push({ role: m[1] as string, resources: r });
    } catch (err) {
      problems.add(`--reserve ${m[1]}: ${(err as Error).message}`);
    }
  }
  const sum = out.reduce((s, r) => resources.add(s, r.resources), resources.empty());
  if (!resources.contains({ ...total, ports: [] }, sum)) problems.add(`--reserve: the reservations (${resources.format(sum)}) exceed the agent's resources (${resources.format(total)})`);
  return out;
}

/** Detected resources with a SPEC's overrides applied; problems (a bad spec, no cpus or memory) go to `problems`. */
export async function agentResources(spec: string | undefined, workDir: string, problems: Problems): Promise<Res> {
  let overrides = {};
  if (spec) {
    try {
      overrides = parseResourceSpec(spec);
    } catch (err) {
      problems.add(`--resources: ${(err as Error).message}`);
    }
  }
  await mkdir(workDir, { recursive: true });
  const detected = await detectResources({ workDir });
  const res = resources.normalize({ ...detected, ...overrides });
  // An agent without cpus or memory can run nothing: every task asks for some of both.
  if (res.cpus <= 0) problems.add(`--resources: cpus must be greater than 0, got ${res.cpus}`);
  if (res.memMb <= 0) problems.add(`--resources: mem must be greater than 0 (MB), got ${res.memMb}`);
  return res;
}

/** ~/.berth/NAME: where an agent keeps its sandboxes and checkpoints unless told otherwise. */
export function defaultWorkDir(name: string): string {
  return join(homedir(), '.berth', name);
}

export const defaultHostname = (): string => hostname();

/** Runs until SIGINT or SIGTERM, then calls stop(); a second signal exits at once. */
export function untilSignal(log: Logger, stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal; exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'stopping');
      stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err }, 'error while stopping');
          resolve(1);
        },
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
