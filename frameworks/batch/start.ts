// Composes the batch framework: the scheduler on the SDK, its store and its HTTP API. `berth dev`,
// `berth batch` and frameworks/batch/main.ts call this; none of it reads process.env.
import type { Authenticator } from '../../protocol/auth/index.js';
import type { Clock } from './clock.js';
import { BatchCommands } from './commands.js';
import { startBatchHttpApi } from './http-api.js';
import { batchMetrics } from './metrics.js';
import { realTimers, type Timers } from './clock.js';
import { BatchScheduler, type BatchLog } from './scheduler.js';
import { sdkDriver, type BatchDriver } from './sdk-adapter.js';
import type { BatchStore } from './store/index.js';
import type { ServerTls } from '../../protocol/index.js';
import type { TlsClientOptions } from '../sdk/index.js';

export interface StartBatchFrameworkOptions {
  masterUrl: string | string[];
  store: BatchStore;
  /** Where the HTTP API listens; host defaults to 127.0.0.1, port 0 picks a free one; with tls, https. */
  http: { port: number; host?: string; tls?: ServerTls | undefined };
  /** For a wss:// master: the CA to trust and the client certificate to show. */
  clientTls?: TlsClientOptions | undefined;
  /** How long the master keeps the tasks while this process is away (default 1 week). */
  failoverTimeoutMs?: number;
  name?: string;
  /** The roles to subscribe with (default `['*']`); jobs must use one of them. */
  roles?: string[];
  clock?: Clock;
  timers?: Timers;
  /** This framework's own token at the master (a principal allowed register_framework, launch and read), when it requires one. */
  token?: string;
  /** Checks the HTTP API's calls (jobs.read, jobs.write) but GET /health; absent or disabled: open. */
  auth?: Authenticator;
  log: BatchLog & { child?(bindings: object): BatchLog };
  /** Replaces the SDK connection (tests). */
  connect?: (frameworkId: string | undefined) => BatchDriver;
}

export interface BatchFramework {
  /** The HTTP API's base URL. */
  url: string;
  /** The HTTP API's routes as `METHOD PATTERN` (docs/batch.md). */
  routes: readonly string[];
  scheduler: BatchScheduler;
  commands: BatchCommands;
  /** Stops the API and disconnects without tearing down: the tasks keep running for a successor. */
  stop(): Promise<void>;
}

export async function startBatchFramework(options: StartBatchFrameworkOptions): Promise<BatchFramework> {
  const log = options.log.child?.({ component: 'batch' }) ?? options.log;
  const roles = options.roles && options.roles.length > 0 ? [...options.roles] : ['*'];
  const connect = options.connect ?? ((frameworkId) => sdkDriver({
    masterUrl: options.masterUrl,
    frameworkId,
    name: options.name ?? 'batch',
    roles,
    failoverTimeoutMs: options.failoverTimeoutMs ?? 7 * 24 * 3600_000,
    ...(options.token ? { token: options.token } : {}),
    log,
    tls: options.clientTls,
  }));
  const scheduler = new BatchScheduler({ store: options.store, connect, clock: options.clock ?? { now: () => Date.now() }, timers: options.timers ?? realTimers, log, roles });
  await scheduler.start();
  const commands = new BatchCommands(scheduler);
  let api;
  try {
    api = await startBatchHttpApi(commands, { port: options.http.port, host: options.http.host ?? '127.0.0.1', tls: options.http.tls, log, metrics: batchMetrics(scheduler), audit: options.store, ...(options.auth ? { auth: options.auth } : {}) });
  } catch (err) {
    await scheduler.stop();
    throw err;
  }
  log.info({ url: api.url }, 'batch framework started');
  return {
    url: api.url,
    routes: api.routes,
    scheduler,
    commands,
    stop: async () => {
      await api.close();
      await scheduler.stop();
    },
  };
}
