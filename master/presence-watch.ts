// What a master knows about its own presence connection, and what follows for the lease
// (docs/operations.md, "Failover"). A leader acts on through a drop that a renewal explains: Redis
// restarted (a standby never counts a missing subscriber across runs) or cannot be reached (nobody
// can write then, as in any outage). It stops while a renewal says a standby may take the lease
// over, or while a drop has gone unexplained for longer than a standby's grace leaves it. A
// standby counts a missing subscriber only once its own connection has been up for longer than a
// reconnect takes, so a drop of every connection at once is not read as a dead leader.
import type { Renewal } from './store/cluster-store.js';

export interface PresenceTimings {
  /** How long a leader's presence must be missing, on one Redis run, before a standby takes over. */
  graceMs: number;
  /** How long a drop may go unexplained before the leader stops acting; well within graceMs. */
  explainMs: number;
  /** How long a standby's own presence must have been up before it may take over: above the longest reconnect delay. */
  settleMs: number;
}

/** The store reconnects within 2 s (its backoff's longest delay), well inside settleMs. */
export const PRESENCE_TIMINGS: PresenceTimings = Object.freeze({ graceMs: 500, explainMs: 250, settleMs: 3_000 });

/** How a renewal came back: the store's answer, or `failed` when the store could not be reached. */
export type RenewOutcome = Renewal | 'failed';

export class PresenceWatch {
  #t: PresenceTimings;
  #upSinceMs: number | null = null;
  #downSinceMs: number | null = null;
  /** A renewal sent since the last drop came back (or failed): the drop is accounted for. */
  #explained = true;
  /** The last renewal that counts said a standby may take the lease over. */
  #exposed = false;
  #droppedSinceHeld = false;
  #changes = 0;

  constructor(timings: PresenceTimings = PRESENCE_TIMINGS) {
    if (!(timings.explainMs < timings.graceMs)) throw new Error('presence timings: explainMs must be below graceMs');
    this.#t = timings;
  }

  get timings(): PresenceTimings {
    return this.#t;
  }

  get up(): boolean {
    return this.#upSinceMs !== null;
  }

  /** Bumped on every change: a renewal sent before the latest says nothing about the connection now. */
  get changes(): number {
    return this.#changes;
  }

  /** True while the lease may be taken over: a standby sees this master's presence missing. */
  get exposed(): boolean {
    return this.#exposed;
  }

  /** The connection dropped since the last renewal that found it connected and the lease safe. */
  get droppedSinceHeld(): boolean {
    return this.#droppedSinceHeld;
  }

  changed(up: boolean, nowMs: number): void {
    if (up === this.up) return;
    this.#changes++;
    this.#upSinceMs = up ? nowMs : null;
    this.#downSinceMs = up ? null : nowMs;
    if (!up) {
      this.#explained = false;
      this.#droppedSinceHeld = true;
    }
  }

  /** Takes in how a renewal sent at `sentChanges` came back; returns a change worth logging. */
  renewed(outcome: RenewOutcome, sentChanges: number): 'exposed' | 'safe' | undefined {
    if (sentChanges !== this.#changes || outcome === 'lost') return undefined;
    this.#explained = true;
    // Unreachable: ridden out as an outage, but a lease found exposed stays so until a renewal says otherwise.
    if (outcome === 'failed') return undefined;
    if (outcome === 'held' && this.up) this.#droppedSinceHeld = false;
    const was = this.#exposed;
    this.#exposed = outcome === 'exposed';
    if (was === this.#exposed) return undefined;
    return this.#exposed ? 'exposed' : 'safe';
  }

  /** Whether a leader may act now: not while a standby may take its lease over. */
  mayAct(nowMs: number): boolean {
    if (this.#exposed) return false;
    return this.#explained || this.#downSinceMs === null || nowMs - this.#downSinceMs <= this.#t.explainMs;
  }

  /** Whether a standby may count a holder's missing presence as a dead leader. */
  mayTakeOver(nowMs: number): boolean {
    return this.#upSinceMs !== null && nowMs - this.#upSinceMs >= this.#t.settleMs;
  }
}
