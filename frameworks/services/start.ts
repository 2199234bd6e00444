// Composes the services framework: the scheduler on the SDK, its store, the commands, the HTTP
// API and the autoscaler. `berth dev` and frameworks/services/main.ts call this; none of it reads process.env.
import { BerthError, ErrorCode, type ServerTls } from '../../protocol/index.js';
import type { Authenticator } from '../../protocol/auth/index.js';
import type { TlsClientOptions } from '../sdk/index.js';
import { autoscaleMetrics, autoscaleOptionProblems, startAutoscaler, type AutoscaleOptions } from './autoscale/index.js';
import { ServicesCommands } from './commands.js';
import type { PlannerOptions } from './deploy/index.js';
import { startServicesHttpApi } from './http-api.js';
import { servicesMetrics } from './metrics.js';
import { startServicesScheduler, type ServicesRuntime } from './runtime.js';
import type { ServicesLog } from './scheduler.js';
import type { ServicesStore } from './store/index.js';

export interface StartServicesFrameworkOptions {
  masterUrl: string | string[];
  store: ServicesStore;
  /** Where the HTTP API listens; host defaults to 127.0.0.1, port 0 picks a free one; with tls, https. */
  http: { port: number; host?: string; tls?: ServerTls | undefined };
  /** The CA to trust and the client certificate to show, for a wss:// master and https:// balancers. */
  clientTls?: TlsClientOptions | undefined;
  /** The roles to subscribe with (default `['*']`); services must use one of them. */
  roles?: string[];
  /** The framework's name at the master (default `services`). */
  name?: string;
  /** How long the master keeps the instances while this process is away (default 1 week). */
  failoverTimeoutMs?: number;
  /** How often the cluster's agents are read from the master (default 2000 ms). */
  clusterPollMs?: number;
  /** Crash-loop and backoff-reset settings of the planner. */
  planner?: Partial<PlannerOptions>;
  /** The autoscaler of services with `autoscale` (default on, every 5 s); false turns it off. */
  autoscale?: AutoscaleOptions | false;
  /** This framework's own token at the master (a principal allowed register_framework, launch and read), when it requires one. */
  token?: string;
  /** Checks the HTTP API's calls (services.read, services.write) but GET /health; absent or disabled: open. */
  auth?: Authenticator;
  log: ServicesLog & { child?(bindings: object): ServicesLog };
}

export interface ServicesFramework {
  /** The HTTP API's base URL. */
  url: string;
  runtime: ServicesRuntime;
  commands: ServicesCommands;
  /** Stops the API and disconnects without killing instances: they keep running for a successor. */
  stop(): Promise<void>;
}

export async function startServicesFramework(options: StartServicesFrameworkOptions): Promise<ServicesFramework> {
  const autoscale = options.autoscale === false ? undefined : options.autoscale ?? {};
  const problems = autoscale ? autoscaleOptionProblems(autoscale) : [];
  if (problems.length > 0) throw new BerthError(ErrorCode.INVALID_CALL, `invalid services framework options: ${problems.join('; ')}`);
  const runtime = await startServicesScheduler({
    masterUrl: options.masterUrl,
    store: options.store,
    log: options.log,
    ...(options.roles ? { roles: options.roles } : {}),
    ...(options.name ? { name: options.name } : {}),
    ...(options.failoverTimeoutMs !== undefined ? { failoverTimeoutMs: options.failoverTimeoutMs } : {}),
    ...(options.clusterPollMs !== undefined ? { clusterPollMs: options.clusterPollMs } : {}),
    ...(options.planner ? { planner: options.planner } : {}),
    ...(options.token ? { token: options.token } : {}),
    masterTls: options.clientTls,
  });
  const log = options.log.child?.({ component: 'services-api' }) ?? options.log;
  const commands = new ServicesCommands(runtime);
  const registry = servicesMetrics(() => commands.view());
  let api;
  try {
    api = await startServicesHttpApi(commands, { port: options.http.port, host: options.http.host ?? '127.0.0.1', tls: options.http.tls, log, audit: options.store, registry, ...(options.auth ? { auth: options.auth } : {}) });
  } catch (err) {
    await runtime.stop();
    throw err;
  }
  const scaler = autoscale && startAutoscaler({
    ...(options.token ? { token: options.token } : {}),
    ...autoscale,
    masterUrl: options.masterUrl,
    frameworkId: () => runtime.frameworkId,
    commands,
    log: options.log.child?.({ component: 'autoscale' }) ?? options.log,
    metrics: autoscaleMetrics(registry),
    tls: options.clientTls,
  });
  return {
    url: api.url,
    runtime,
    commands,
    stop: async () => {
      await scaler?.stop();
      await api.close();
      await runtime.stop();
    },
  };
}
