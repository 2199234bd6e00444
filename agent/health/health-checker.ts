// Runs one task's health probe on its schedule and decides when the task is healthy or unhealthy:
// the first probe after delayMs, then one every intervalMs after the previous one settled (never
// two at once); failures inside the grace period after the start do not count until the task has
// once been healthy; consecutiveFailures failures in a row make it unhealthy, one success healthy.
// Only changes are reported. Timers and the clock are injected, so it is unit-tested alone.
import { realTimers, type Timers } from '../status-update-manager.js';
import type { HealthProbe } from './check.js';

/** TaskStatus.health on the wire. */
export const Health = { UNKNOWN: 0, HEALTHY: 1, UNHEALTHY: 2 } as const;
export type Health = (typeof Health)[keyof typeof Health];

export interface HealthSchedule {
  delayMs: number;
  intervalMs: number;
  timeoutMs: number;
  gracePeriodMs: number;
  consecutiveFailures: number;
}

/** Used where the task's check leaves a field at 0 (delay and grace period may really be 0). */
export const DEFAULT_SCHEDULE: HealthSchedule = {
  delayMs: 0,
  intervalMs: 10_000,
  timeoutMs: 20_000,
  gracePeriodMs: 0,
  consecutiveFailures: 3,
};

/** The task's schedule with defaults filled in; the timeout never exceeds the interval's length much. */
export function scheduleOf(check: { delayMs?: number | null; intervalMs?: number | null; timeoutMs?: number | null; gracePeriodMs?: number | null; consecutiveFailures?: number | null }): HealthSchedule {
  const pos = (v: number | null | undefined, fallback: number): number => (typeof v === 'number' && v > 0 ? v : fallback);
  return {
    delayMs: pos(check.delayMs, DEFAULT_SCHEDULE.delayMs),
    intervalMs: pos(check.intervalMs, DEFAULT_SCHEDULE.intervalMs),
    timeoutMs: pos(check.timeoutMs, DEFAULT_SCHEDULE.timeoutMs),
    gracePeriodMs: pos(check.gracePeriodMs, DEFAULT_SCHEDULE.gracePeriodMs),
    consecutiveFailures: Math.max(1, Math.floor(pos(check.consecutiveFailures, DEFAULT_SCHEDULE.consecutiveFailures))),
  };
}

export interface HealthChange {
  health: Health;
  /** The probe's message: what failed, or what answered. */
  message: string;
  /** Failures in a row when it turned unhealthy. */
  failures: number;
}

export interface HealthCheckerOptions {
  probe: HealthProbe;
  schedule: HealthSchedule;
  onChange: (change: HealthChange) => void;
  /** Told of every check's result (for metrics). */
  onResult?: (ok: boolean) => void;
  /** The health last reported (after an agent restart), so it is not reported again unchanged. */
  initial?: Health;
  timers?: Timers;
  now?: () => number;
}

export class HealthChecker {
  #o: HealthCheckerOptions;
  #timers: Timers;
  #now: () => number;
  #health: Health = Health.UNKNOWN;
  #failures = 0;
  #everHealthy = false;
  #startedAtMs = 0;
  #timer: unknown;
  #running = false;

  constructor(options: HealthCheckerOptions) {
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
    this.#now = options.now ?? Date.now;
    this.#health = options.initial ?? Health.UNKNOWN;
    this.#everHealthy = this.#health === Health.HEALTHY;
  }

  get health(): Health {
    return this.#health;
  }

  /** Starts the schedule; the grace period counts from now. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#startedAtMs = this.#now();
    this.#schedule(this.#o.schedule.delayMs);
  }

  /** No probe starts after this, and a probe in flight reports nothing. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      void this.#probe();
    }, ms);
  }

  async #probe(): Promise<void> {
    const { timeoutMs } = this.#o.schedule;
    let result;
    try {
      result = await this.#o.probe(timeoutMs);
    } catch (err) {
      result = { ok: false, message: `the check could not run: ${(err as Error).message}` };
    }
    if (!this.#running) return;
    this.#o.onResult?.(result.ok);
    this.#record(result.ok, result.message);
    this.#schedule(this.#o.schedule.intervalMs);
  }

  #record(ok: boolean, message: string): void {
    if (ok) {
      this.#failures = 0;
      this.#everHealthy = true;
      if (this.#health !== Health.HEALTHY) this.#change(Health.HEALTHY, message);
      return;
    }
    const inGrace = !this.#everHealthy && this.#now() - this.#startedAtMs < this.#o.schedule.gracePeriodMs;
    if (inGrace) return;
    this.#failures++;
    if (this.#failures >= this.#o.schedule.consecutiveFailures && this.#health !== Health.UNHEALTHY) {
      this.#change(Health.UNHEALTHY, message);
    }
  }

  #change(health: Health, message: string): void {
    this.#health = health;
    this.#o.onChange({ health, message, failures: this.#failures });
  }
}
