// The allocator's pure interface: the master hands it a snapshot and gets decisions back as
// values. No I/O, no timers, no sockets, no clock of its own (time comes in the snapshot).
import type { Res } from '../../protocol/index.js';

export interface RoleConfig {
  /** Relative share; a role with weight 3 gets three times the dominant share of weight 1. */
  weight: number;
  /** Resources the role is guaranteed (served first while below it). */
  quotaGuarantee?: Res | undefined;
  /** Resources the role may never exceed (allocated plus offered). */
  quotaLimit?: Res | undefined;
}

export interface AgentSlot {
  id: string;
  hostname: string;
  attributes: Readonly<Record<string, string>>;
  /** Everything the agent has, reserved or not. */
  total: Res;
  /** Unreserved resources neither used by tasks nor held in outstanding offers. */
  free: Res;
  /** Free reserved resources by role (offered only to frameworks of that role). */
  reservedFree: ReadonlyMap<string, Res>;
  /** Draining agents get no new offers. */
  draining: boolean;
}

/** A refusal filter: no offer of a subset of `resources` on `agentId` until `untilMs`. */
export interface RefusalFilter {
  agentId: string;
  resources: Res;
  untilMs: number;
}

export interface FrameworkSlot {
  id: string;
  roles: readonly string[];
  /** Roles this framework has suppressed (no offers for them until REVIVE). */
  suppressedRoles: ReadonlySet<string>;
  /** Resources held per role: used by tasks plus outstanding offers. */
  allocated: ReadonlyMap<string, Res>;
  filters: readonly RefusalFilter[];
  /** Agents on which this framework already has an outstanding offer (one per framework-agent pair). */
  offeredAgents: ReadonlySet<string>;
}

export interface AllocationSnapshot {
  nowMs: number;
  agents: readonly AgentSlot[];
  frameworks: readonly FrameworkSlot[];
  /** Roles with explicit config; unknown roles get weight 1 and no quota. */
  roles: ReadonlyMap<string, RoleConfig>;
  /** An offer smaller than this (in cpus or in mem) is not made. */
  minOffer: { cpus: number; memMb: number };
}

export interface OfferDecision {
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Res;
}

export interface AllocationResult {
  offers: OfferDecision[];
}

export interface Allocator {
  allocate(snapshot: AllocationSnapshot): AllocationResult;
}
