// The allocator's pure interface: the master hands it a snapshot and gets decisions back as
// values. No I/O, no timers, no sockets, no clock of its own (time comes in the snapshot).
// Fields marked "optional" were added after the first version; leaving them out keeps the old
// behaviour (no gangs, no preemption, filters for every role, default gang hold).
import type { Res } from '../../protocol/index.js';

export interface RoleConfig {
  /** Relative share among sibling roles; weight 3 gets three times the dominant share of weight 1. */
  weight: number;
  /**
   * Resources the role (with its sub-roles) is guaranteed: served first while below it, and free
   * resources are held back (headroom) so it can reach it. Only the scalars it names count.
   */
  quotaGuarantee?: Res | undefined;
  /** Resources the role (with its sub-roles) may never exceed: allocated plus offered. */
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
  /**
   * Free reserved resources by role (offered only to frameworks of exactly that role), static
   * reservations from the agent's start and dynamic ones made by RESERVE.
   */
  reservedFree: ReadonlyMap<string, Res>;
  /** Draining agents get no new offers. */
  draining: boolean;
}

/** A refusal filter: no offer of a subset of `resources` on `agentId` until `untilMs`. */
export interface RefusalFilter {
  agentId: string;
  resources: Res;
  untilMs: number;
  /** Optional: the role the refused offer was for; without it the filter applies to every role. */
  role?: string | undefined;
}

/**
 * An all-or-nothing bundle: offered only when every shape fits at once (each shape on one agent).
 * A shape's `ports` count how many ports it needs (their ranges' total size), not which ones.
 */
export interface GangRequest {
  id: string;
  role: string;
  tasks: readonly Res[];
  /** When the framework asked (ms): the gang's hold windows are counted from here. */
  sinceMs: number;
}

export interface FrameworkSlot {
  id: string;
  roles: readonly string[];
  /** Roles this framework has suppressed (no offers for them until REVIVE). */
  suppressedRoles: ReadonlySet<string>;
  /** Resources held per role: used by tasks plus outstanding offers. */
  allocated: ReadonlyMap<string, Res>;
  filters: readonly RefusalFilter[];
  /**
   * Optional: the same filters by agent id, every one still active at the snapshot's nowMs; a
   * caller that keeps them between runs passes them, so a run need not index them again.
   */
  filtersByAgent?: ReadonlyMap<string, readonly RefusalFilter[]> | undefined;
  /** Agents on which this framework already has an outstanding offer (one per framework-agent pair). */
  offeredAgents: ReadonlySet<string>;
  /** Optional: pending gang requests, served before ordinary offers (see docs/allocator.md). */
  gangs?: readonly GangRequest[] | undefined;
  /**
   * Optional: how many more offers the framework may be sent (its offer limit less the offers it
   * holds); absent: no limit. The main pass passes over it once a run has used them up.
   */
  offerRoom?: number | undefined;
}

/** A task the master knows to be running (or staging); only needed for preemption. */
export interface RunningTaskSlot {
  taskId: string;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Res;
  /** Only preemptible tasks are ever named for preemption. */
  preemptible: boolean;
  /** Newest tasks are preempted first. */
  startedAtMs: number;
  /** Already being killed: its resources count as on their way back, it is not named again. */
  killing?: boolean | undefined;
}

export interface AllocationSnapshot {
  nowMs: number;
  agents: readonly AgentSlot[];
  frameworks: readonly FrameworkSlot[];
  /** Roles with explicit config; unknown roles get weight 1 and no quota. */
  roles: ReadonlyMap<string, RoleConfig>;
  /** An offer smaller than this in cpus and in mem is not made (Mesos' min allocatable resources). */
  minOffer: { cpus: number; memMb: number };
  /** Optional: running tasks, so preemption can name victims. Without it nothing is preempted. */
  tasks?: readonly RunningTaskSlot[] | undefined;
  /** Optional: length of a gang's hold window (default 30 s); 0 disables holding. */
  gangHoldMs?: number | undefined;
  /**
   * Optional: the indices (into `agents`, ascending) of the agents that may get new offers in
   * this run; the others are as the last run left them and would get none. Shares still count
   * every agent. Only set when no role has a quota and no gang waits (master/allocation-cycle.ts);
   * an allocator may ignore it and visit every agent.
   */
  candidates?: readonly number[] | undefined;
  /**
   * Optional: the agents' totals summed, and the unreserved free resources of those not
   * draining, scalars only; a caller that keeps them between runs passes them, so a run need not
   * add up every agent (without them the run sums `agents`).
   */
  sums?: { total: Res; free: Res } | undefined;
}

export interface OfferDecision {
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Res;
  /** The part of `resources` taken from the role's reservation on the agent (absent when none). */
  reserved?: Res | undefined;
  /** Set when the offer is one part of a gang bundle; the bundle's offers all carry the same id. */
  gangId?: string | undefined;
}

/** A task the master should kill so a role below its quota guarantee can be served. */
export interface PreemptionDecision {
  taskId: string;
  frameworkId: string;
  agentId: string;
  /** The victim task's role. */
  role: string;
  resources: Res;
  /** The starving role the resources are freed for. */
  forRole: string;
  /** Human-readable; the master passes it on in the kill's status message. */
  reason: string;
}

/** Free resources kept out of this run's offers for a gang that does not fit yet. */
export interface GangHold {
  gangId: string;
  frameworkId: string;
  role: string;
  agentId: string;
  resources: Res;
  /** The part of `resources` taken from the role's reservation on the agent (absent when none). */
  reserved?: Res | undefined;
}

export interface AllocationResult {
  offers: OfferDecision[];
  /** Optional in the interface; DrfAllocator always sets it. */
  preemptions?: PreemptionDecision[] | undefined;
  /** Optional in the interface; DrfAllocator always sets it. */
  gangHolds?: GangHold[] | undefined;
}

export interface Allocator {
  allocate(snapshot: AllocationSnapshot): AllocationResult;
}

// ---------------------------------------------------------------------------------------------
// Explanations: why a framework or a role got nothing (or less) in a run.

export type ExplainSubject = { frameworkId: string } | { role: string };

export const ReasonKind = {
  /** The framework id is not in the snapshot. */
  UNKNOWN_FRAMEWORK: 'unknown-framework',
  /** No subscribed framework has the role. */
  NO_FRAMEWORKS: 'no-frameworks',
  /** The framework suppressed the role (until it revives). */
  SUPPRESSED: 'suppressed',
  /** It got offers (counted in `agents`). */
  OFFERED: 'offered',
  AGENT_DRAINING: 'agent-draining',
  /** The agent has nothing free for this role at all. */
  NO_FREE_RESOURCES: 'no-free-resources',
  /** The agent's free resources are all reserved for other roles. */
  RESERVED_FOR_OTHER_ROLE: 'reserved-for-other-role',
  /** What is left is below the minimum offer size. */
  BELOW_MIN_OFFER: 'below-min-offer',
  /** The framework already holds an outstanding offer on the agent. */
  ALREADY_OFFERED: 'already-offered',
  /** The framework holds as many offers as its offer limit (FrameworkInfo.max_offers) allows. */
  OFFER_LIMIT: 'offer-limit',
  /** A DECLINE filter covers what the agent has. */
  FILTERED: 'filtered',
  /** The role (or an ancestor) is at its quota limit. */
  QUOTA_LIMIT: 'quota-limit',
  /** Free resources are held back for roles below their quota guarantee. */
  QUOTA_HEADROOM: 'quota-headroom',
  /** The agent's free resources are held for another framework's gang. */
  GANG_HOLD: 'gang-hold',
  /** Another framework or role came first in weighted-DRF order and took the agent. */
  LOWER_IN_DRF_ORDER: 'lower-in-drf-order',
  /** A gang request does not fit in the free resources now (names the short resource). */
  GANG_DOES_NOT_FIT: 'gang-does-not-fit',
  /** A gang request could not fit even on an empty cluster. */
  GANG_NEVER_FITS: 'gang-never-fits',
  /** The gang is holding resources while it waits for the rest. */
  GANG_HOLDING: 'gang-holding',
} as const;
export type ReasonKind = (typeof ReasonKind)[keyof typeof ReasonKind];

export interface ExplanationReason {
  kind: ReasonKind;
  /** The role the reason is about (a framework may have several). */
  role?: string | undefined;
  /** How many agents this reason applied to (0 for reasons that are not per agent). */
  agents: number;
  /** Up to three of those agents. */
  exampleAgentIds: string[];
  /** FILTERED: the earliest time one of the filters ends. */
  untilMs?: number | undefined;
  /** LOWER_IN_DRF_ORDER: who came first; GANG_HOLD: whose gang holds. */
  otherFrameworkId?: string | undefined;
  otherRole?: string | undefined;
  /** QUOTA_LIMIT / QUOTA_HEADROOM / GANG_DOES_NOT_FIT / BELOW_MIN_OFFER: the resource that is short. */
  resource?: 'cpus' | 'memMb' | 'diskMb' | 'gpus' | 'ports' | undefined;
  gangId?: string | undefined;
  message: string;
}

export interface Explanation {
  subject: ExplainSubject;
  /** Offers the subject gets in this run. */
  offers: number;
  /** Most agents first. */
  reasons: ExplanationReason[];
  /** One line for people, e.g. for `berth explain`. */
  summary: string;
}

export interface ExplainingAllocator extends Allocator {
  /** Runs the same allocation as allocate() and says why the subject got what it got. */
  explain(snapshot: AllocationSnapshot, subject: ExplainSubject): Explanation;
}
