// The one interface through which the master keeps state. MemoryStore and RedisStore implement it
// and pass the same contract suite (test/integration/store-contract.ts).
import type { AuditEvent, ClusterState, StateChange } from './records.js';

export interface LeaderInfo {
  masterId: string;
  /** Where agents and frameworks reach that master (ws://host:port). */
  url: string;
  epoch: number;
  /** Seen by a standby's campaign: this leader's presence connection is gone (a takeover is under way). */
  absent?: boolean;
}

export interface CampaignResult {
  /** True when the caller now holds the lease. */
  elected: boolean;
  /** The current leader (the caller when elected), or null when nobody holds the lease. */
  leader: LeaderInfo | null;
  /** True when the caller was elected over a holder whose presence connection had closed. */
  tookOver?: boolean;
}

/** Who may campaign, and whether it may take over a lease whose holder's presence is gone. */
export interface Candidate {
  masterId: string;
  url: string;
  /** Record the candidate's presence in the lease it wins (when its connection is up). */
  presence?: boolean;
  /**
   * Count a lease as vacant when its holder's recorded presence has had no subscriber for this
   * long, on the same Redis run that recorded it; without it, only the lease's end frees it.
   */
  presenceGraceMs?: number;
}

/**
 * What a renewal found: `lost`, the caller does not hold the lease (it must stop acting at once);
 * `held`, extended, and no standby can take it over before it ends (the caller's presence is
 * recorded and connected, or the lease records none from this Redis run); `exposed`, extended, but
 * the lease names the caller's presence on this Redis run and it is not connected, so a standby
 * may take the lease over once the grace has passed.
 */
export type Renewal = 'held' | 'exposed' | 'lost';

/**
 * A master's presence in the store: a connection that closes when its process dies. While a
 * leader's presence is down, a standby may take its lease over before the lease ends, so the
 * leader must not act until its presence is back and a renewal shows the lease is still its own.
 */
export interface Presence {
  /** True while the connection is open (and, in Redis, subscribed to the master's channel). */
  readonly up: boolean;
  /** Called on every change of up. */
  onChange(listener: (up: boolean) => void): void;
  close(): Promise<void>;
}

export interface ClusterStore {
  /**
   * Tries to take the leader lease for leaseMs. Each successful election increments the epoch,
   * which fences every write of earlier leaders. With presence, the lease records the candidate's
   * presence (when it is up), and a lease held by another master whose presence has been gone for
   * the candidate's presenceGraceMs counts as vacant.
   */
  campaign(candidate: Candidate, leaseMs: number): Promise<CampaignResult>;
  /**
   * Extends the lease of its holder. With presence, the caller's presence is recorded again when
   * it is connected, so a lease from before a Redis restart names it on the new run.
   */
  renew(masterId: string, epoch: number, leaseMs: number, presence?: boolean): Promise<Renewal>;
  /** Gives the lease up if the caller holds it. */
  resign(masterId: string, epoch: number): Promise<void>;
  leader(): Promise<LeaderInfo | null>;
  /**
   * Opens masterId's presence, for stores shared by several processes; undefined when the store
   * offers none (a MemoryStore, Redis behind Sentinel), and then only the lease decides.
   */
  openPresence?(masterId: string): Presence | undefined;

  /** The whole registry, as a new leader loads it. */
  load(): Promise<ClusterState>;
  /**
   * Names the latest write (any apply changes it), as `load()` reports it in `version`: a state
   * loaded before an election is still current when the two agree after it, since the election
   * fences every earlier leader's writes.
   */
  stateVersion?(): Promise<string>;
  /**
   * Applies the changes atomically and appends them to the event log, if and only if epoch is the
   * current epoch. Rejects with a BerthError of code FENCED otherwise, having written nothing.
   */
  apply(epoch: number, changes: readonly StateChange[]): Promise<void>;
  /** The newest entries of the event log, oldest first (for operators and tests). */
  history(count: number): Promise<{ id: string; epoch: number; change: StateChange }[]>;

  /**
   * Appends one operator change to the audit log, which keeps only the newest events (a limit set
   * when the store is opened). Not fenced by the epoch: the log records attempts, failed ones too.
   */
  appendAudit(event: AuditEvent): Promise<void>;
  /** The newest count audit events, oldest first. */
  audit(count: number): Promise<AuditEvent[]>;

  close(): Promise<void>;
}
