// Leadership for one master: campaign for the store's lease, renew it on a monotonic clock, and
// stop acting the moment the lease may have lapsed, before anyone else can have been elected.
// With a store that tracks presence (docs/operations.md, "Failover"), a standby also takes over
// as soon as the leader's presence connection closes, and a leader whose own presence connection
// dropped does not act until it is back and a renewal shows the lease is still its own.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { FailpointName, type Failpoints } from './failpoints.js';
import type { ClusterStore, LeaderInfo, Presence } from './store/cluster-store.js';

export type Leadership = 'starting' | 'leading' | 'standby' | 'stopped';

/** How often a standby asks for the lease when a dead leader can be seen by its presence. */
const PRESENCE_CHECK_MS = 100;
/** How long start() waits for the presence connection before campaigning without it. */
const PRESENCE_WAIT_MS = 2_000;

export interface LeaderLeaseOptions {
  masterId: string;
  url: string;
  leaseMs: number;
  /** Use the store's presence when it offers one (default true). */
  presence?: boolean;
  log: Logger;
  /** Called when elected, with the new epoch; leadership starts once it resolves. */
  elected(epoch: number): Promise<void>;
  /** Called once when leadership ends for any reason but stop(). */
  lost(reason: string): void;
  failpoints?: Failpoints;
}

export class LeaderLease {
  #store: ClusterStore;
  #o: LeaderLeaseOptions;
  #state: Leadership = 'starting';
  #epoch = 0;
  #leader: LeaderInfo | null = null;
  #deadline = 0;
  #timer: NodeJS.Timeout | undefined;
  #presence: Presence | undefined;
  /** The lease names this master's presence: a standby may take it over while that is down. */
  #leaseHasPresence = false;
  /** Leading, but the presence connection dropped since the last renewal that counts. */
  #suspended = false;
  /** Counts presence changes, so a renewal sent before a drop never ends a suspension. */
  #presenceChanges = 0;

  constructor(store: ClusterStore, options: LeaderLeaseOptions) {
    this.#store = store;
    this.#o = options;
  }

  get state(): Leadership {
    return this.#state;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** When lease renewals began failing (epoch ms), or null while the last one got through. */
  renewFailingSinceMs: number | null = null;

  /** The leader as last seen (this master when leading). */
  get leader(): LeaderInfo | null {
    return this.#leader;
  }

  /**
   * True only while this master leads and its lease cannot have expired or been taken over. The
   * deadline is counted from before the renewal request was sent, so it is never later than the
   * store's expiry; while the presence connection is down the answer is false without stepping down.
   */
  holds(): boolean {
    if (this.#state !== 'leading') return false;
    if (performance.now() > this.#deadline) {
      this.#lose('lease deadline passed');
      return false;
    }
    return !this.#suspended;
  }

  async start(): Promise<void> {
    this.#presence = this.#o.presence === false ? undefined : this.#store.openPresence?.(this.#o.masterId);
    if (this.#presence) {
      this.#presence.onChange((up) => this.#presenceChanged(up));
      await whenUp(this.#presence, PRESENCE_WAIT_MS);
    }
    await this.#campaign();
  }

  async stop(): Promise<void> {
    const wasLeading = this.#state === 'leading';
    this.#state = 'stopped';
    clearTimeout(this.#timer);
    if (wasLeading) await this.#store.resign(this.#o.masterId, this.#epoch).catch(() => undefined);
    await this.#presence?.close();
  }

  /** Ends leadership at once (for example when a write was fenced). */
  stepDown(reason: string): void {
    this.#lose(reason);
  }

  async #campaign(): Promise<void> {
    if (this.#state === 'stopped') return;
    const sentAt = performance.now();
    const presence = this.#presence?.up ?? false;
    const before = this.#leader;
    const result = await this.#store.campaign({ masterId: this.#o.masterId, url: this.#o.url, presence }, this.#o.leaseMs).catch((err: unknown) => {
      this.#o.log.warn({ err }, 'campaign failed; retrying');
      return undefined;
    });
    // stop() may have run while the campaign was in flight.
    if ((this.#state as Leadership) === 'stopped') return;
    this.#leader = result?.leader ?? null;
    if (result?.elected && result.leader) {
      if (result.tookOver) this.#o.log.warn({ previous: before, epoch: result.leader.epoch }, "took the lease over: the leader's presence connection closed");
      this.#epoch = result.leader.epoch;
      this.#deadline = sentAt + this.#o.leaseMs;
      this.#leaseHasPresence = presence;
      // 'starting' while the registry loads: the master refuses clients, naming itself.
      this.#state = 'starting';
      await this.#o.elected(this.#epoch);
      if ((this.#state as Leadership) === 'stopped') return;
      this.#state = 'leading';
      this.#schedule(() => this.#renew());
      return;
    }
    if (this.#state !== 'standby') this.#o.log.info({ leader: this.#leader }, 'standing by');
    this.#state = 'standby';
    // A standby asks often (one cheap call), so a dead leader is replaced soon after its lease
    // ends, or soon after its presence connection closed when the store can tell.
    this.#schedule(() => this.#campaign(), this.#presence ? Math.min(this.#o.leaseMs / 10, PRESENCE_CHECK_MS) : this.#o.leaseMs / 10);
  }

  async #renew(): Promise<void> {
    if (this.#state !== 'leading') return;
    if (performance.now() > this.#deadline) return this.#lose('lease deadline passed');
    // Suspended: the presence coming back renews at once; the timer set at the drop ends it at the deadline.
    if (this.#suspended && !this.#presence?.up) return;
    const failpoint = this.#o.failpoints?.hit(FailpointName.LEASE_BEFORE_RENEW);
    if (failpoint) {
      await failpoint;
      if (this.#state !== 'leading') return;
      if (performance.now() > this.#deadline) return this.#lose('lease deadline passed');
    }
    const sentAt = performance.now();
    const changes = this.#presenceChanges;
    const ok = await this.#store.renew(this.#o.masterId, this.#epoch, this.#o.leaseMs).catch((err: unknown) => {
      this.#o.log.warn({ err }, 'lease renewal failed');
      return undefined;
    });
    if (this.#state !== 'leading') return;
    if (ok === false) return this.#lose(this.#suspended ? 'lease taken over while the presence connection was down' : 'lease lost to another master');
    if (ok) {
      this.#deadline = sentAt + this.#o.leaseMs;
      this.renewFailingSinceMs = null;
      // Sent after the presence was back and with no drop since: nobody took the lease over.
      if (this.#suspended && this.#presence?.up && changes === this.#presenceChanges) {
        this.#suspended = false;
        this.#o.log.info({ epoch: this.#epoch }, 'presence connection back; leading again');
      }
    } else this.renewFailingSinceMs ??= Date.now();
    if (this.#state !== 'leading') return;
    // A failed renewal is tried again soon, not a third of a lease later: a short store outage
    // is ridden out as long as one renewal gets through before the deadline.
    this.#schedule(() => this.#renew(), ok && !this.#suspended ? this.#o.leaseMs / 3 : Math.min(this.#o.leaseMs / 3, Math.max(100, this.#o.leaseMs / 20)));
  }

  #presenceChanged(up: boolean): void {
    this.#presenceChanges++;
    if (this.#state !== 'leading' || !this.#leaseHasPresence) return;
    if (up) {
      this.#schedule(() => this.#renew(), 0);
      return;
    }
    if (!this.#suspended) this.#o.log.warn({ epoch: this.#epoch }, 'presence connection lost; not acting until it is back');
    this.#suspended = true;
    this.#schedule(() => this.#renew(), this.#deadline - performance.now() + 1);
  }

  #schedule(fn: () => Promise<void>, everyMs = this.#o.leaseMs / 3): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void fn().catch((err: unknown) => this.#o.log.error({ err }, 'lease loop failed')), Math.max(50, everyMs));
    this.#timer.unref();
  }

  #lose(reason: string): void {
    if (this.#state !== 'leading') return;
    this.#state = 'stopped';
    clearTimeout(this.#timer);
    this.#o.log.error({ reason, epoch: this.#epoch }, 'stepping down');
    this.#o.lost(reason);
  }
}

/** Resolves once presence is up, or after ms without it. */
function whenUp(presence: Presence, ms: number): Promise<void> {
  if (presence.up) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    presence.onChange((up) => {
      if (!up) return;
      clearTimeout(timer);
      resolve();
    });
  });
}
