// Limits how fast agents are marked unreachable: at most a fraction of the registered agents per
// window (at least one). When many agents drop at once the fault is more likely near the master
// (its network, its host) than on all those agents, so marking them all would wipe out the cluster
// for nothing; the rest wait, and most come back before their turn.

export class MarkLimiter {
  #fraction: number;
  #windowMs: number;
  #marks: number[] = [];

  constructor(fraction: number, windowMs: number) {
    this.#fraction = fraction;
    this.#windowMs = windowMs;
  }

  /** How many marks a window allows with this many agents registered. */
  allowance(agents: number): number {
    return Math.max(1, Math.ceil(this.#fraction * agents));
  }

  /** Takes one mark if the window has room. */
  tryTake(agents: number, nowMs: number): boolean {
    this.#marks = this.#marks.filter((t) => t > nowMs - this.#windowMs);
    if (this.#marks.length >= this.allowance(agents)) return false;
    this.#marks.push(nowMs);
    return true;
  }

  /** When the oldest mark in the window leaves it (when to try again). */
  nextFreeAtMs(): number {
    return (this.#marks[0] ?? 0) + this.#windowMs;
  }
}
