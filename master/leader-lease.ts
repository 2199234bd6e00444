// Leadership for one master: campaign for the store's lease, renew it on a monotonic clock, and
// stop acting the moment the lease may have lapsed, before anyone else can have been elected.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { FailpointName, type Failpoints } from './failpoints.js';
import type { ClusterStore, LeaderInfo } from './store/cluster-store.js';

export type Leadership = 'starting' | 'leading' | 'standby' | 'stopped';

export interface LeaderLeaseOptions {
  masterId: string;
  url: string;
  leaseMs: number;
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
   * True only while this master leads and its lease cannot have expired. The deadline is counted
   * from before the renewal request was sent, so it is never later than the store's expiry.
   */
  holds(): boolean {
    if (this.#state !== 'leading') return false;
    if (performance.now() > this.#deadline) {
      this.#lose('lease deadline passed');
      return false;
    }
    return true;
  }

  async start(): Promise<void> {
    await this.#campaign();
  }

  async stop(): Promise<void> {
    const wasLeading = this.#state === 'leading';
    this.#state = 'stopped';
    clearTimeout(this.#timer);
    if (wasLeading) await this.#store.resign(this.#o.masterId, this.#epoch).catch(() => undefined);
  }

  /** Ends leadership at once (for example when a write was fenced). */
  stepDown(reason: string): void {
    this.#lose(reason);
  }

  async #campaign(): Promise<void> {
    if (this.#state === 'stopped') return;
    const sentAt = performance.now();
    const result = await this.#store.campaign({ masterId: this.#o.masterId, url: this.#o.url }, this.#o.leaseMs).catch((err: unknown) => {
      this.#o.log.warn({ err }, 'campaign failed; retrying');
      return undefined;
    });
    // stop() may have run while the campaign was in flight.
    if ((this.#state as Leadership) === 'stopped') return;
    this.#leader = result?.leader ?? null;
    if (result?.elected && result.leader) {
      this.#epoch = result.leader.epoch;
      this.#deadline = sentAt + this.#o.leaseMs;
      await this.#o.elected(this.#epoch);
      this.#state = 'leading';
      this.#schedule(() => this.#renew());
      return;
    }
    if (this.#state !== 'standby') this.#o.log.info({ leader: this.#leader }, 'standing by');
    this.#state = 'standby';
    // A standby asks often (one cheap call), so a dead leader is replaced soon after its lease ends.
    this.#schedule(() => this.#campaign(), this.#o.leaseMs / 10);
  }

  async #renew(): Promise<void> {
    if (!this.holds()) return;
    const failpoint = this.#o.failpoints?.hit(FailpointName.LEASE_BEFORE_RENEW);
    if (failpoint) await failpoint;
    if (!this.holds()) return;
    const sentAt = performance.now();
    const ok = await this.#store.renew(this.#o.masterId, this.#epoch, this.#o.leaseMs).catch((err: unknown) => {
      this.#o.log.warn({ err }, 'lease renewal failed');
      return undefined;
    });
    if (this.#state !== 'leading') return;
    if (ok === false) return this.#lose('lease lost to another master');
    if (ok) {
      this.#deadline = sentAt + this.#o.leaseMs;
      this.renewFailingSinceMs = null;
    } else this.renewFailingSinceMs ??= Date.now();
    // A failed renewal is tried again soon, not a third of a lease later: a short store outage
    // is ridden out as long as one renewal gets through before the deadline.
    if (this.holds()) this.#schedule(() => this.#renew(), ok ? this.#o.leaseMs / 3 : Math.min(this.#o.leaseMs / 3, Math.max(100, this.#o.leaseMs / 20)));
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
