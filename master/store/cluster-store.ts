// The one interface through which the master keeps state. MemoryStore and RedisStore implement it
// and pass the same contract suite (test/integration/store-contract.ts).
import type { AuditEvent, ClusterState, StateChange } from './records.js';

export interface LeaderInfo {
  masterId: string;
  /** Where agents and frameworks reach that master (ws://host:port). */
  url: string;
  epoch: number;
}

export interface CampaignResult {
  /** True when the caller now holds the lease. */
  elected: boolean;
  /** The current leader (the caller when elected), or null when nobody holds the lease. */
  leader: LeaderInfo | null;
}

export interface ClusterStore {
  /**
   * Tries to take the leader lease for leaseMs. Each successful election increments the epoch,
   * which fences every write of earlier leaders.
   */
  campaign(candidate: { masterId: string; url: string }, leaseMs: number): Promise<CampaignResult>;
  /** Extends the lease; false when the caller no longer holds it (it must stop acting at once). */
  renew(masterId: string, epoch: number, leaseMs: number): Promise<boolean>;
  /** Gives the lease up if the caller holds it. */
  resign(masterId: string, epoch: number): Promise<void>;
  leader(): Promise<LeaderInfo | null>;

  /** The whole registry, as a new leader loads it. */
  load(): Promise<ClusterState>;
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
