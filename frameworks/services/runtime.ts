// Starts the services scheduler on the SDK: options checked once (every problem in one error),
// the store loaded, the master subscribed. What the HTTP API's commands and `berth dev` call.
import { BerthError, ErrorCode } from '../../protocol/index.js';
import type { ServicesControl } from './control.js';
import type { PlannerOptions } from './deploy/index.js';
import { loopbackMasters } from './readiness.js';
import { ServicesScheduler, type ServicesLog } from './scheduler.js';
import { readClusterAgents, sdkDriver, type ClusterAgentView, type ServicesDriver } from './sdk-adapter.js';
import type { ServicesStore } from './store/index.js';
import type { TlsClientOptions } from '../sdk/index.js';

export interface StartServicesSchedulerOptions {
  masterUrl: string | string[];
  store: ServicesStore;
  /** The roles to subscribe with (default `['*']`); a service's role must be one of them. */
  roles?: string[];
  /** The framework's name at the master (default `services`). */
  name?: string;
  /** How long the master keeps the instances while this process is away (default 1 week). */
  failoverTimeoutMs?: number;
  /** How often the cluster's agents are read from the master's HTTP API (default 2000). */
  clusterPollMs?: number;
  /** Shown by the master as the framework's UI. */
  webuiUrl?: string;
  /** This framework's own token at the master (a principal allowed register_framework, launch and read), when it requires one. */
  token?: string;
  /** For a wss:// (https://) master: the CA to trust and the client certificate to show. */
  masterTls?: TlsClientOptions | undefined;
  log: ServicesLog & { child?(bindings: object): ServicesLog };
  /**
   * The host readiness probes go to for an instance on this agent (default: the agent's advertised
   * address; for an agent that gives none, its hostname, or 127.0.0.1 when every master URL is on
   * loopback, a cluster on one machine).
   */
  readinessHost?: (agent: { agentId: string; hostname: string; address?: string }) => string;
  /** Crash-loop and backoff-reset settings of the planner. */
  planner?: Partial<PlannerOptions>;
  /** Replace the SDK connection and the cluster poll (tests). */
  connect?: (frameworkId: string | undefined) => ServicesDriver;
  readCluster?: () => Promise<ClusterAgentView[]>;
  /** The clock (tests; default Date.now). */
  now?: () => number;
}

/** The running services scheduler: the control seam for commands, and stop. */
export interface ServicesRuntime extends ServicesControl {
  /** The framework id, once subscribed. */
  readonly frameworkId: string | undefined;
  /** Disconnects without killing instances: they keep running for the next scheduler. */
  stop(): Promise<void>;
}

function checkOptions(o: StartServicesSchedulerOptions): void {
  const problems: string[] = [];
  const urls = typeof o.masterUrl === 'string' ? o.masterUrl.split(',') : o.masterUrl;
  if (!Array.isArray(urls) || urls.filter((u) => typeof u === 'string' && u.trim() !== '').length === 0) problems.push('masterUrl must name at least one ws:// URL');
  if (typeof o.store?.apply !== 'function') problems.push('store must be a ServicesStore');
  if (o.roles !== undefined && !(Array.isArray(o.roles) && o.roles.every((r) => typeof r === 'string' && r !== ''))) problems.push('roles must be a list of non-empty role names');
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name.trim() === '')) problems.push('name must be a non-empty string');
  for (const k of ['failoverTimeoutMs', 'clusterPollMs'] as const) {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= (k === 'clusterPollMs' ? 50 : 0))) problems.push(`${k} must be a number of milliseconds >= ${k === 'clusterPollMs' ? 50 : 0}`);
  }
  if (typeof o.log?.info !== 'function' || typeof o.log?.warn !== 'function' || typeof o.log?.error !== 'function' || typeof o.log?.debug !== 'function') problems.push('log must have info, warn, error and debug (a pino logger fits)');
  if (problems.length > 0) throw new BerthError(ErrorCode.INVALID_CALL, `invalid services scheduler options: ${problems.join('; ')}`);
}

/**
 * Starts the services scheduler: loads the store, reads the cluster, subscribes (as the stored
 * framework id, if any) and reconciles every stored instance before it plans. Resolves once the
 * state is loaded; the subscription continues in the background (with reconnects).
 */
export async function startServicesScheduler(options: StartServicesSchedulerOptions): Promise<ServicesRuntime> {
  checkOptions(options);
  const log = options.log.child?.({ component: 'services' }) ?? options.log;
  const roles = options.roles && options.roles.length > 0 ? [...options.roles] : ['*'];
  const loopback = loopbackMasters(options.masterUrl);
  const scheduler = new ServicesScheduler({
    store: options.store,
    connect: options.connect ?? ((frameworkId) => sdkDriver({
      masterUrl: options.masterUrl,
      frameworkId,
      name: options.name ?? 'services',
      roles,
      failoverTimeoutMs: options.failoverTimeoutMs ?? 7 * 24 * 3600_000,
      ...(options.webuiUrl ? { webuiUrl: options.webuiUrl } : {}),
      ...(options.token ? { token: options.token } : {}),
      log,
      tls: options.masterTls,
    })),
    readCluster: options.readCluster ?? (() => readClusterAgents(options.masterUrl, options.token, options.masterTls)),
    now: options.now ?? (() => Date.now()),
    log,
    roles,
    clusterPollMs: options.clusterPollMs ?? 2_000,
    readinessHost: options.readinessHost ?? ((a) => a.address ?? (loopback ? '127.0.0.1' : a.hostname)),
    ...(options.planner ? { planner: options.planner } : {}),
  });
  await scheduler.start();
  return {
    get frameworkId() {
      return scheduler.frameworkId;
    },
    exclusive: (fn) => scheduler.exclusive(fn),
    view: () => scheduler.view(),
    commit: (change) => scheduler.commit(change),
    stop: () => scheduler.stop(),
  };
}
