// The autoscaler of the services framework: options checked once, the readers built (CPU from the
// master through the SDK, request rates from the load balancers), the loop started.
import { fetchWithTls } from '../../../protocol/index.js';
import { readTaskUsage, type TlsClientOptions } from '../../sdk/index.js';
import type { ServicesCommands } from '../commands.js';
import type { ServicesLog } from '../scheduler.js';
import { RequestRates } from './lb-stats.js';
import { Autoscaler, type CpuSample, type Timers } from './loop.js';
import type { AutoscaleMetrics } from './metrics.js';

export { Autoscaler, type AutoscalerDeps, type CpuSample, type TickOutcome, type Timers } from './loop.js';
export { RequestRates, decodeLbStats, type RequestRatesOptions } from './lb-stats.js';
export { autoscaleMetrics, type AutoscaleMetrics } from './metrics.js';
export { decide, targetOf, TOLERANCE, type DecideInput, type DecideResult, type Decision, type Direction, type Recommendation } from './decide.js';

export interface AutoscaleOptions {
  /** How often services are looked at (default 5000, at least 100). */
  intervalMs?: number;
  /** The load balancers' admin URLs, read for requestsPerSecond targets (default none). */
  lbUrls?: readonly string[];
  /** The token the load balancers' stats (lb.read) and the master's task usage (read) are read with, when they require one. */
  token?: string;
  /** CPU samples older than this are ignored (default 30000, and at least two intervals). */
  maxSampleAgeMs?: number;
  /** Replace the clock and timers (tests). */
  now?: () => number;
  timers?: Timers;
  /** Replace the CPU reader (tests); default: the master's state through the SDK. */
  readCpu?: () => Promise<CpuSample[]>;
}

/** Every problem of the options, each naming the option and its rule. */
export function autoscaleOptionProblems(o: AutoscaleOptions): string[] {
  const problems: string[] = [];
  const ms = (k: 'intervalMs' | 'maxSampleAgeMs', min: number) => {
    const v = o[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= min)) problems.push(`autoscale.${k} must be a number of milliseconds >= ${min}, got ${String(v)}`);
  };
  ms('intervalMs', 100);
  ms('maxSampleAgeMs', 1);
  if (o.lbUrls !== undefined) {
    if (!Array.isArray(o.lbUrls)) problems.push('autoscale.lbUrls must be a list of http:// URLs');
    else o.lbUrls.forEach((u: unknown, i) => {
      if (typeof u !== 'string' || !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(u)) problems.push(`autoscale.lbUrls[${i}] must be an http:// or https:// URL, got ${JSON.stringify(u)}`);
    });
  }
  return problems;
}

export interface StartAutoscalerOptions extends AutoscaleOptions {
  masterUrl: string | string[];
  /** This framework's id once subscribed: only its tasks' usage is read. */
  frameworkId: () => string | undefined;
  commands: Pick<ServicesCommands, 'view' | 'autoscale'>;
  log: ServicesLog;
  metrics?: AutoscaleMetrics;
  /** The CA to trust and the client certificate to show, for https:// masters and balancers. */
  tls?: TlsClientOptions | undefined;
}

/** Builds and starts the loop; the options must have passed autoscaleOptionProblems. */
export function startAutoscaler(o: StartAutoscalerOptions): Autoscaler {
  const now = o.now ?? Date.now;
  const intervalMs = o.intervalMs ?? 5_000;
  // The list is read at every tick, so it may fill later (berth dev adds its balancer once it runs).
  const rates = o.lbUrls !== undefined ? new RequestRates({ lbUrls: o.lbUrls, now, ...(o.token ? { token: o.token } : {}), ...(o.tls ? { fetch: fetchWithTls(o.tls) } : {}) }) : undefined;
  const readCpu = o.readCpu ?? (async () => {
    const id = o.frameworkId();
    return (await readTaskUsage(o.masterUrl, { ...o.tls, ...(id === undefined ? {} : { frameworkId: id }), ...(o.token ? { token: o.token } : {}) })).map((u) => ({ taskId: u.taskId, cpuPercent: u.cpuPercent, atMs: u.atMs }));
  });
  const scaler = new Autoscaler({
    view: () => o.commands.view(),
    scale: (id, fromVersion, instances, reason) => o.commands.autoscale(id, fromVersion, instances, reason),
    readCpu,
    ...(rates ? { readRequests: () => rates.read() } : {}),
    now,
    timers: o.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    intervalMs,
    maxSampleAgeMs: o.maxSampleAgeMs ?? Math.max(30_000, 2 * intervalMs),
    log: o.log,
    ...(o.metrics ? { metrics: o.metrics } : {}),
  });
  scaler.start();
  return scaler;
}
