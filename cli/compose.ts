// Shared wiring for the commands that start processes: stores, masters, agents, signals.
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { Agent, compileAgentOptions, createRuntime, dockerAvailable } from '../agent/index.js';
import { startMaster, type RunningMaster } from '../master/index.js';
import type { MasterFlags } from './master-flags.js';
import { openStore, redactUrl, type ClusterStore } from '../master/store/index.js';
import { startLoadBalancer, type LoadBalancer, type LoadBalancerOptions } from '../frameworks/services/lb/index.js';
import type { Res } from '../protocol/index.js';
import type { AgentTuning } from './agent-flags.js';
import { readAuthFile } from './auth-file.js';
import { UsageError } from './flags.js';
import type { TlsFlags } from './tls-flags.js';

export type RuntimeName = 'docker' | 'process' | 'hollow';

export async function openClusterStore(redisUrl: string | undefined, dataDir: string | undefined, log: Logger, minReplicasAcked = 0, redisCa?: Buffer): Promise<ClusterStore> {
  const shown = redisUrl ? redactUrl(redisUrl) : '';
  try {
    const store = await openStore(redisUrl, {
      dataDir,
      minReplicasAcked,
      tlsCa: redisCa,
      onConnectionError: (err: Error) => log.warn({ err: err.message }, 'redis connection problem'),
    });
    log.info({ store: redisUrl ? `redis ${shown}${minReplicasAcked ? `, writes wait for ${minReplicasAcked} replica(s)` : ''}` : dataDir ? `memory, snapshot in ${dataDir}` : 'memory (lost on exit)' }, 'store opened');
    return store;
  } catch (err) {
    const message = (err as Error).message;
    const hint = /certificate/i.test(message) ? ". Give the CA that signed Redis' certificate with --redis-ca-file FILE" : '. Is redis-server running there?';
    throw new UsageError(`cannot open the store${redisUrl ? ` at ${shown}` : ''}: ${message}${redisUrl ? hint : ''}`);
  }
}

export async function runMaster(m: MasterFlags, log: Logger): Promise<RunningMaster> {
  const auth = m.authFile === undefined ? undefined : await readAuthFile(m.authFile);
  const store = await openClusterStore(m.redis, m.data, log, m.redisMinReplicas, m.redisCa);
  try {
    const running = await startMaster({
      host: m.host,
      port: m.port,
      store,
      log,
      ...m.options,
      auth,
      advertiseUrl: m.advertiseUrl,
      tls: m.tls,
      ...(m.frameworkLinks ? { frameworkLinks: m.frameworkLinks } : {}),
      frameworkTls: m.frameworkTls,
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

/** A load balancer on loopback following `servicesUrl` (berth dev's); a taken admin port is a usage error. */
export async function runLoadBalancer(servicesUrl: string, adminPort: number, log: Logger, auth: Pick<LoadBalancerOptions, 'auth' | 'servicesToken'> = {}): Promise<LoadBalancer> {
  return startLoadBalancer({ servicesUrl, host: '127.0.0.1', adminPort, ...auth, log: log.child({ component: 'lb' }) }).catch((err: unknown) => {
    throw (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? new UsageError(`--lb-admin-port ${adminPort} is in use: is another berth dev or berth lb running? Stop it, pick another --lb-admin-port (0 picks a free one), or use --no-lb.`)
      : err;
  });
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
  /** The agent principal's bearer token, for a master with authentication on. */
  token?: string | undefined;
  tuning?: AgentTuning;
  /** --ca-file and the client certificate for a wss:// master; the certificate also serves the metrics over https. */
  tls?: TlsFlags;
}

export async function startAgent(setup: AgentSetup, log: Logger): Promise<Agent> {
  await mkdir(setup.workDir, { recursive: true });
  const runtime = createRuntime(setup.runtime);
  // The flags were checked with the same rules; compiling here fills the agent's defaults once.
  const agent = new Agent(compileAgentOptions({
    ...setup.tuning,
    masterUrl: setup.masterUrl,
    runtime,
    log,
    resources: setup.resources,
    reservations: setup.reservations ?? [],
    workDir: setup.workDir,
    hostname: setup.hostname,
    attributes: setup.attributes,
    ...(setup.agentId ? { agentId: setup.agentId } : {}),
    ...(setup.token ? { token: setup.token } : {}),
    tls: setup.tls?.client,
    metricsTls: setup.tls?.server,
  }));
  agent.start();
  try {
    await agent.metrics.url();
  } catch (err) {
    await agent.stop();
    throw new UsageError(`the agent's metrics cannot listen on port ${setup.tuning?.metricsPort}: ${(err as Error).message}. Pick another --metrics-port (0 picks a free one).`);
  }
  return agent;
}
