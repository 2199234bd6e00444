// Time is injected: the pure parts of batch ask a Clock, so tests and replays control it.

/** A source of the current time, in epoch milliseconds. */
export interface Clock {
  now(): number;
}
