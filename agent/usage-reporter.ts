// Samples the resource use of every running task and of the host every intervalMs, decides
// whether the agent is under memory pressure, and hands the report to the session. A tick that
// comes while the previous sample is still running is skipped, so slow stats calls never pile up.
import os from 'node:os';
import type { Logger } from 'pino';
import type { pb } from '../protocol/index.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { realTimers, type Timers } from './status-update-manager.js';

const MIB = 1024 * 1024;

export interface PressureInput {
  /** Memory the agent's tasks use together. */
  taskMemBytes: number;
  /** Memory the agent advertises to the master. */
  advertisedMemBytes: number;
  /** Memory the host still has available (os.freemem: MemAvailable on Linux). */
  hostAvailableBytes: number;
  /** Pressure when the tasks use more than this fraction of the advertised memory. */
  memFraction: number;
  /** Pressure when the host has less than this available. */
  hostFloorBytes: number;
}

/** Whether the agent is under memory pressure, and why, in words an operator reads. */
export function pressureOf(p: PressureInput): { underPressure: boolean; reason: string } {
  const reasons: string[] = [];
  if (p.advertisedMemBytes > 0 && p.taskMemBytes > p.memFraction * p.advertisedMemBytes) {
    const pct = Math.round((p.taskMemBytes / p.advertisedMemBytes) * 100);
    reasons.push(`tasks use ${Math.round(p.taskMemBytes / MIB)} MiB, ${pct}% of the ${Math.round(p.advertisedMemBytes / MIB)} MiB advertised (threshold ${Math.round(p.memFraction * 100)}%)`);
  }
  if (p.hostAvailableBytes < p.hostFloorBytes) {
    reasons.push(`the host has ${Math.round(p.hostAvailableBytes / MIB)} MiB available, below the floor of ${Math.round(p.hostFloorBytes / MIB)} MiB`);
  }
  return { underPressure: reasons.length > 0, reason: reasons.join('; ') };
}

export interface HostSample {
  totalBytes: number;
  availableBytes: number;
  /** Busy time of all cores since the previous sample, 100 = one core. */
  cpuPercent: number;
}

/** Reads the host's memory and cpu; keeps the previous cpu times to compute a rate. */
export function hostSampler(): () => HostSample {
  let last = cpuTimes();
  return () => {
    const now = cpuTimes();
    const total = now.total - last.total;
    const busy = now.busy - last.busy;
    last = now;
    const cores = os.cpus().length || 1;
    return { totalBytes: os.totalmem(), availableBytes: os.freemem(), cpuPercent: total > 0 ? (busy / total) * cores * 100 : 0 };
  };
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}

export interface UsageReporterOptions {
  runtime: ContainerRuntime;
  /** The running tasks to sample, with their container ids. */
  tasks: () => { taskId: string; containerId: string }[];
  /** Sends the report; false when it could not (not registered). */
  send: (usage: pb.AgentCall.IUsage) => boolean;
  /** Whether the agent is registered; nothing is sampled otherwise. */
  online: () => boolean;
  intervalMs: number;
  advertisedMemMb: number;
  memFraction: number;
  hostFloorBytes: number;
  host?: () => HostSample;
  timers?: Timers;
  now?: () => number;
  log?: Logger;
}

export class UsageReporter {
  #o: UsageReporterOptions;
  #timers: Timers;
  #host: () => HostSample;
  #timer: unknown;
  #sampling = false;
  #running = false;
  /** Ticks skipped because a sample was still running (for tests and logs). */
  skipped = 0;
  sent = 0;

  constructor(options: UsageReporterOptions) {
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
    this.#host = options.host ?? hostSampler();
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** One sample and report now (unless one is running or the agent is not registered). */
  async tick(): Promise<void> {
    if (this.#sampling) {
      this.skipped++;
      this.#o.log?.debug('previous usage sample still running; skipping this one');
      return;
    }
    if (!this.#o.online()) return;
    this.#sampling = true;
    try {
      const report = await this.#sample();
      if (this.#running && this.#o.online() && this.#o.send(report)) this.sent++;
    } catch (err) {
      this.#o.log?.warn({ err }, 'usage sample failed');
    } finally {
      this.#sampling = false;
    }
  }

  #arm(): void {
    if (!this.#running) return;
    this.#timer = this.#timers.setTimeout(() => {
      // The next tick is armed first: a slow sample makes ticks skip, not drift.
      this.#arm();
      void this.tick();
    }, this.#o.intervalMs);
  }

  async #sample(): Promise<pb.AgentCall.IUsage> {
    const now = this.#o.now ?? Date.now;
    const samples = await Promise.all(
      this.#o.tasks().map(async ({ taskId, containerId }) => {
        const usage = await this.#o.runtime.stats(containerId).catch(() => undefined);
        return usage ? { taskId, usage: { cpuPercent: usage.cpuPercent, memBytes: usage.memBytes, atMs: usage.atMs } } : undefined;
      }),
    );
    const tasks = samples.filter((s) => s !== undefined);
    const taskMemBytes = tasks.reduce((sum, s) => sum + s.usage.memBytes, 0);
    const host = this.#host();
    const pressure = pressureOf({
      taskMemBytes,
      advertisedMemBytes: this.#o.advertisedMemMb * MIB,
      hostAvailableBytes: host.availableBytes,
      memFraction: this.#o.memFraction,
      hostFloorBytes: this.#o.hostFloorBytes,
    });
    return {
      tasks,
      agent: { cpuPercent: host.cpuPercent, memBytes: host.totalBytes - host.availableBytes, atMs: now() },
      underPressure: pressure.underPressure,
      pressureReason: pressure.reason,
    };
  }
}
