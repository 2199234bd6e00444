// Time is injected: the pure parts of batch ask a Clock, and the scheduler sets its timers
// through Timers, so tests and replays control both.

/** A source of the current time, in epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** Timers, injected so tests can drive time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
