// The first, simple weighted-DRF allocator, kept as the benchmark's baseline: for each agent it
// sorts roles by dominant share / weight and frameworks by DRF afresh, and the first framework that
// may take the agent's free resources gets them all as one offer. Flat roles, no gangs or headroom.
import { resources, type Res } from '../../protocol/index.js';
import { dominantShare } from './dominant-share.js';
import type { AgentSlot, AllocationResult, AllocationSnapshot, Allocator, FrameworkSlot, RefusalFilter } from './types.js';

const { add, contains, isEmpty } = resources;

function filtered(filters: readonly RefusalFilter[], agentId: string, offer: Res, nowMs: number): boolean {
  return filters.some((f) => f.agentId === agentId && f.untilMs > nowMs && contains(f.resources, offer));
}

export class NaiveDrfAllocator implements Allocator {
  allocate(snapshot: AllocationSnapshot): AllocationResult {
    const { nowMs, minOffer } = snapshot;
    const total = snapshot.agents.reduce((sum, a) => add(sum, a.total), resources.empty());
    const roleHeld = new Map<string, Res>();
    const frameworkHeld = new Map<string, Res>();
    const byRole = new Map<string, FrameworkSlot[]>();
    for (const f of snapshot.frameworks) {
      let held = resources.empty();
      for (const [role, r] of f.allocated) {
        held = add(held, r);
        roleHeld.set(role, add(roleHeld.get(role) ?? resources.empty(), r));
      }
      frameworkHeld.set(f.id, held);
      for (const role of f.roles) {
        if (f.suppressedRoles.has(role)) continue;
        const list = byRole.get(role) ?? [];
        list.push(f);
        byRole.set(role, list);
      }
    }
    const weight = (role: string): number => snapshot.roles.get(role)?.weight ?? 1;
    const roleShare = (role: string): number => dominantShare(roleHeld.get(role) ?? resources.empty(), total) / weight(role);
    const frameworkShare = (f: FrameworkSlot): number => dominantShare(frameworkHeld.get(f.id) ?? resources.empty(), total);
    const offered = new Map<string, Set<string>>();

    const result: AllocationResult = { offers: [] };
    for (const agent of snapshot.agents) {
      if (agent.draining) continue;
      const offer = this.#offerFor(agent, [...byRole.keys()].sort((a, b) => roleShare(a) - roleShare(b) || a.localeCompare(b)), (role) =>
        (byRole.get(role) ?? []).slice().sort((a, b) => frameworkShare(a) - frameworkShare(b) || a.id.localeCompare(b.id)),
      (f, role, r) => {
        if (f.offeredAgents.has(agent.id) || offered.get(f.id)?.has(agent.id)) return false;
        if (r.cpus < minOffer.cpus && r.memMb < minOffer.memMb) return false;
        return !filtered(f.filters, agent.id, r, nowMs) && !this.#overLimit(snapshot, role, roleHeld, r);
      });
      if (!offer) continue;
      result.offers.push(offer);
      const set = offered.get(offer.frameworkId) ?? new Set<string>();
      set.add(agent.id);
      offered.set(offer.frameworkId, set);
      roleHeld.set(offer.role, add(roleHeld.get(offer.role) ?? resources.empty(), offer.resources));
      frameworkHeld.set(offer.frameworkId, add(frameworkHeld.get(offer.frameworkId) ?? resources.empty(), offer.resources));
    }
    return result;
  }

  #offerFor(
    agent: AgentSlot,
    roles: string[],
    frameworksOf: (role: string) => FrameworkSlot[],
    may: (f: FrameworkSlot, role: string, r: Res) => boolean,
  ): AllocationResult['offers'][number] | undefined {
    for (const role of roles) {
      const r = add(agent.free, agent.reservedFree.get(role) ?? resources.empty());
      if (isEmpty(r)) continue;
      for (const f of frameworksOf(role)) {
        if (may(f, role, r)) return { frameworkId: f.id, agentId: agent.id, role, resources: r };
      }
    }
    return undefined;
  }

  #overLimit(snapshot: AllocationSnapshot, role: string, roleHeld: Map<string, Res>, r: Res): boolean {
    const limit = snapshot.roles.get(role)?.quotaLimit;
    return limit !== undefined && !contains(limit, add(roleHeld.get(role) ?? resources.empty(), r));
  }
}
