// Per-run state of one framework, and its entry in each role it takes offers for (a framework
// with two roles is sorted separately inside each, by what it holds in that role, as in Mesos).
import type { FrameworkSlot, RefusalFilter } from './types.js';
import type { RoleNode } from './role-node.js';
import { SCALAR_COUNT } from './scalar-vector.js';

export class FrameworkState {
  readonly slot: FrameworkSlot;
  /** Active filters by agent id; null when the framework has none (the common case). */
  readonly filtersByAgent: ReadonlyMap<string, readonly RefusalFilter[]> | null;
  /** Index of the agent this framework last got an offer on in the main pass (one per pair). */
  lastOfferedAgent = -1;
  /** Agents it got a gang offer on in this run; null until it gets one. */
  gangAgents: Set<number> | null = null;
  readonly entries: FrameworkEntry[] = [];
  /** Offers it may still be sent in this run (Infinity: no limit). */
  offerRoom: number;

  constructor(slot: FrameworkSlot, nowMs: number) {
    this.slot = slot;
    this.offerRoom = slot.offerRoom ?? Infinity;
    if (slot.filtersByAgent) {
      this.filtersByAgent = slot.filtersByAgent.size > 0 ? slot.filtersByAgent : null;
      return;
    }
    let byAgent: Map<string, RefusalFilter[]> | null = null;
    for (const f of slot.filters) {
      if (f.untilMs <= nowMs) continue;
      byAgent ??= new Map();
      const list = byAgent.get(f.agentId);
      if (list) list.push(f);
      else byAgent.set(f.agentId, [f]);
    }
    this.filtersByAgent = byAgent;
  }

  /** Whether an offer on this agent would be a second one for the (framework, agent) pair. */
  offeredOn(agentIndex: number, agentId: string): boolean {
    return this.lastOfferedAgent === agentIndex || this.slot.offeredAgents.has(agentId) || (this.gangAgents?.has(agentIndex) ?? false);
  }

  entryFor(role: string): FrameworkEntry | undefined {
    return this.entries.find((e) => e.leaf.name === role);
  }
}

export class FrameworkEntry {
  readonly framework: FrameworkState;
  readonly leaf: RoleNode;
  /** What the framework holds in this role. */
  readonly alloc = new Float64Array(SCALAR_COUNT);
  share = 0;

  constructor(framework: FrameworkState, leaf: RoleNode) {
    this.framework = framework;
    this.leaf = leaf;
  }

  get id(): string {
    return this.framework.slot.id;
  }
}

/** DRF order inside a role: smallest dominant share first, then framework id. */
export function compareEntries(a: FrameworkEntry, b: FrameworkEntry): number {
  if (a.share !== b.share) return a.share < b.share ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
