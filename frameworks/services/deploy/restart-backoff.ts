// Restart backoff per service: every failure of an instance (an ending the service caused) delays
// the next launch by initial × factor^(n-1), up to max; a healthy stretch resets it. Too many
// failures within a window is a crash loop, reported as such.
import type { BackoffSpec } from '../spec/index.js';
import { isFailure, type Instance, type RestartBackoff } from './model.js';

/** Crash-loop detection and reset rules; compiled once by `plannerOptions`. */
export interface BackoffOptions {
  /** This many failures within `crashLoopWindowMs` is a crash loop. */
  crashLoopFailures: number;
  crashLoopWindowMs: number;
  /** An instance of the target version running healthy this long resets the backoff. */
  resetAfterMs: number;
}

/** A service that has not failed yet. */
export function freshBackoff(): RestartBackoff {
  return { consecutiveFailures: 0, nextLaunchAtMs: 0, recentFailuresMs: [], countedInstanceIds: [] };
}

/** The delay after the n-th consecutive failure (n ≥ 1), in ms. */
export function backoffDelayMs(spec: BackoffSpec, failures: number): number {
  if (failures <= 0) return 0;
  return Math.round(Math.min(spec.maxSeconds, spec.initialSeconds * spec.factor ** (failures - 1)) * 1000);
}

/**
 * Counts the failed instances not counted before, drops ids no longer observed, resets after a
 * healthy stretch, and returns the new bookkeeping. Pure: the caller stores what comes back.
 */
export function updateBackoff(
  b: RestartBackoff,
  spec: BackoffSpec,
  instances: readonly Instance[],
  healthySinceMs: number | undefined,
  nowMs: number,
  o: BackoffOptions,
): RestartBackoff {
  const counted = new Set(b.countedInstanceIds);
  const fresh = instances.filter((i) => isFailure(i.state) && !counted.has(i.id));
  let consecutiveFailures = b.consecutiveFailures;
  let nextLaunchAtMs = b.nextLaunchAtMs;
  let recent = [...b.recentFailuresMs];
  if (fresh.length === 0 && consecutiveFailures > 0 && healthySinceMs !== undefined && nowMs - healthySinceMs >= o.resetAfterMs) {
    consecutiveFailures = 0;
    nextLaunchAtMs = 0;
    recent = [];
  }
  for (const i of [...fresh].sort((x, y) => (x.endedAtMs ?? nowMs) - (y.endedAtMs ?? nowMs))) {
    consecutiveFailures += 1;
    const at = i.endedAtMs ?? nowMs;
    recent.push(at);
    nextLaunchAtMs = Math.max(nextLaunchAtMs, at + backoffDelayMs(spec, consecutiveFailures));
  }
  const observed = new Set(instances.map((i) => i.id));
  return {
    consecutiveFailures,
    nextLaunchAtMs,
    recentFailuresMs: recent.filter((t) => nowMs - t < o.crashLoopWindowMs),
    countedInstanceIds: [...b.countedInstanceIds.filter((id) => observed.has(id)), ...fresh.map((i) => i.id)],
  };
}

/** The crash-loop reason, or undefined when the service is not crash-looping. */
export function crashLoop(b: RestartBackoff, o: BackoffOptions): string | undefined {
  if (b.recentFailuresMs.length < o.crashLoopFailures) return undefined;
  return `${b.recentFailuresMs.length} failures within ${Math.round(o.crashLoopWindowMs / 1000)} s (${b.consecutiveFailures} in a row)`;
}
