// Leadership for one master: campaign for the store's lease, renew it on a monotonic clock, and
// stop acting the moment the lease may have lapsed, before anyone else can have been elected.
// With a store that tracks presence (docs/operations.md, "Failover"), a standby also takes over
// soon after the leader's presence connection closed while Redis stayed up, and a leader whose own
// presence connection dropped rides it out unless a renewal says a standby may take over
// (./presence-watch.ts).
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { FailpointName, type Failpoints } from './failpoints.js';
import { PresenceWatch, type PresenceTimings } from './presence-watch.js';
import type { StoreWrites } from './store-writes.js';
import type { ClusterStore, LeaderInfo, Presence, Renewal } from './store/cluster-store.js';

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
  /** For tests: other presence timings than PRESENCE_TIMINGS. */
  presenceTimings?: PresenceTimings;
  log: Logger;
  /** Called when elected, with the new epoch; leadership starts once it resolves. */
  elected(epoch: number): Promise<void>;
  /** Called once when leadership ends for any reason but stop(). */
  lost(reason: string): void;
  /** Called when a standby starts taking over (see takingOver), and when it stops without being elected. */
  takingOver?(on: boolean): void;
  failpoints?: Failpoints;
  /** Told each renewal's outcome (shared with the state batches in a master). */
  writes?: StoreWrites;
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
  #watch: PresenceWatch | undefined;
  /** What takingOver() last told of, as a standby. */
  #toldTakingOver = false;
  /** Settles at the next campaign answer or change of state (see changed()). */
  #next = signal();

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
   * True while leadership is changing hands towards this master: it was elected and is loading,
   * or it stands by, may take over (./presence-watch.ts) and the leader's presence connection is
   * gone, so it takes over within the presence grace unless that leader comes back.
   */
  get takingOver(): boolean {
    if (this.#state === 'starting') return this.#leader?.masterId === this.#o.masterId;
    return this.#state === 'standby' && this.#leader?.absent === true && (this.#watch?.mayTakeOver(performance.now()) ?? false);
  }

  /** Resolves at the next campaign answer or change of state, or after ms. */
  changed(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([this.#next.promise, late]).finally(() => clearTimeout(timer));
  }

  #changed(): void {
    const was = this.#next;
    this.#next = signal();
    was.resolve();
  }

  /**
   * True only while this master leads and its lease cannot have expired or been taken over. The
   * deadline is counted from before the renewal request was sent, so it is never later than the
   * store's expiry; while a standby may take the lease over (./presence-watch.ts) the answer is
   * false without stepping down.
   */
  holds(): boolean {
    if (this.#state !== 'leading') return false;
    const now = performance.now();
    if (now > this.#deadline) {
      this.#lose('lease deadline passed');
      return false;
    }
    return this.#watch?.mayAct(now) ?? true;
  }

  async start(): Promise<void> {
    this.#presence = this.#o.presence === false ? undefined : this.#store.openPresence?.(this.#o.masterId);
    if (this.#presence) {
      const watch = (this.#watch = new PresenceWatch(this.#o.presenceTimings));
      watch.changed(this.#presence.up, performance.now());
      this.#presence.onChange((up) => this.#presenceChanged(up));
      await whenUp(this.#presence, PRESENCE_WAIT_MS);
    }
    await this.#campaign();
  }

  async stop(): Promise<void> {
    const wasLeading = this.#state === 'leading';
    this.#state = 'stopped';
    this.#changed();
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
    const watch = this.#watch;
    const changes = watch?.changes;
    // Only a standby whose own connection has been up for longer than a reconnect takes may read a
    // missing subscriber as a dead leader: when every connection dropped, the leader is reconnecting too.
    const grace = watch?.mayTakeOver(sentAt) ? { presenceGraceMs: watch.timings.graceMs } : {};
    const candidate = { masterId: this.#o.masterId, url: this.#o.url, presence: watch?.up ?? false, ...grace };
    const before = this.#leader;
    const result = await this.#store.campaign(candidate, this.#o.leaseMs).catch((err: unknown) => {
      this.#o.log.warn({ err }, 'campaign failed; retrying');
      return undefined;
    });
    // stop() may have run while the campaign was in flight.
    if ((this.#state as Leadership) === 'stopped') return;
    this.#leader = result?.leader ?? null;
    this.#changed();
    if (result?.elected && result.leader) {
      if (result.tookOver) this.#o.log.warn({ previous: before, epoch: result.leader.epoch }, "took the lease over: the leader's presence connection closed");
      this.#epoch = result.leader.epoch;
      this.#deadline = sentAt + this.#o.leaseMs;
      this.#toldTakingOver = false;
      // 'starting' while the registry loads: the master holds clients' Hellos until it leads (master.ts).
      this.#state = 'starting';
      await this.#o.elected(this.#epoch);
      if ((this.#state as Leadership) === 'stopped') return;
      this.#state = 'leading';
      this.#changed();
      // A presence change since the campaign: a renewal says at once where the lease stands.
      this.#schedule(() => this.#renew(), watch?.changes === changes ? this.#o.leaseMs / 3 : 0);
      return;
    }
    if (this.#state !== 'standby') this.#o.log.info({ leader: this.#leader }, 'standing by');
    this.#state = 'standby';
    const on = this.takingOver;
    if (on !== this.#toldTakingOver) {
      this.#toldTakingOver = on;
      this.#o.takingOver?.(on);
    }
    // A standby asks often (one cheap call), so a dead leader is replaced soon after its lease
    // ends, or soon after its presence connection closed when the store can tell.
    this.#schedule(() => this.#campaign(), watch ? Math.min(this.#o.leaseMs / 10, PRESENCE_CHECK_MS) : this.#o.leaseMs / 10);
  }

  async #renew(): Promise<void> {
    if (this.#state !== 'leading') return;
    if (performance.now() > this.#deadline) return this.#lose('lease deadline passed');
    const failpoint = this.#o.failpoints?.hit(FailpointName.LEASE_BEFORE_RENEW);
    if (failpoint) {
      await failpoint;
      if (this.#state !== 'leading') return;
      if (performance.now() > this.#deadline) return this.#lose('lease deadline passed');
    }
    const watch = this.#watch;
    const sentAt = performance.now();
    const changes = watch?.changes ?? 0;
    const renewal: Renewal | undefined = await this.#store.renew(this.#o.masterId, this.#epoch, this.#o.leaseMs, watch !== undefined).catch((err: unknown) => {
      this.#o.log.warn({ err }, 'lease renewal failed');
      return undefined;
    });
    if (this.#state !== 'leading') return;
    if (renewal === 'lost') return this.#lose(watch?.droppedSinceHeld ? 'lease taken over while the presence connection was down' : 'lease lost to another master');
    if (renewal) {
      this.#deadline = sentAt + this.#o.leaseMs;
      this.renewFailingSinceMs = null;
      this.#o.writes?.succeeded();
    } else {
      this.renewFailingSinceMs ??= Date.now();
      this.#o.writes?.failed();
    }
    const change = watch?.renewed(renewal ?? 'failed', changes);
    if (change === 'exposed') this.#o.log.warn({ epoch: this.#epoch }, 'presence connection lost while Redis is up; not acting until it is back');
    if (change === 'safe') this.#o.log.info({ epoch: this.#epoch }, 'presence connection back; leading again');
    // A failed renewal is tried again soon, not a third of a lease later: a short store outage
    // is ridden out as long as one renewal gets through before the deadline.
    const settled = renewal === 'held' && (watch?.up ?? true);
    this.#schedule(() => this.#renew(), settled ? this.#o.leaseMs / 3 : Math.min(this.#o.leaseMs / 3, Math.max(100, this.#o.leaseMs / 20)));
  }

  #presenceChanged(up: boolean): void {
    this.#watch?.changed(up, performance.now());
    if (this.#state !== 'leading') return;
    if (!up) this.#o.log.warn({ epoch: this.#epoch }, 'presence connection lost; renewing to see whether Redis stayed up');
    // Either way a renewal tells at once where the lease stands: held (Redis restarted, or the
    // connection is back), open to a takeover (it dropped while Redis stayed up), or unreachable.
    this.#schedule(() => this.#renew(), 0);
  }

  #schedule(fn: () => Promise<void>, everyMs = this.#o.leaseMs / 3): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void fn().catch((err: unknown) => this.#o.log.error({ err }, 'lease loop failed')), everyMs === 0 ? 0 : Math.max(50, everyMs));
    this.#timer.unref();
  }

  #lose(reason: string): void {
    if (this.#state !== 'leading') return;
    this.#state = 'stopped';
    this.#changed();
    clearTimeout(this.#timer);
    this.#o.log.error({ reason, epoch: this.#epoch }, 'stepping down');
    this.#o.lost(reason);
  }
}

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
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
