// Preemption: after a run, a role still below its quota guarantee, with frameworks that want
// offers, and not enough free resources left to reach it, gets preemptible tasks of roles above
// their fair share named for killing -- the role furthest above its fair share first, its newest
// task first -- until what the kills free (with tasks already being killed) covers the shortfall.
// A victim role is never pushed below its own guarantee, and a role never preempts its own
// ancestors or sub-roles (that would not change what the subtree holds).
import type { AllocationRun } from './allocation-run.js';
import type { RoleNode } from './role-node.js';
import { SCALAR_COUNT, SCALAR_NAMES, addRes, anyPositive, dominantShare, vec } from './scalar-vector.js';
import type { PreemptionDecision, RunningTaskSlot } from './types.js';

interface Victim {
  task: RunningTaskSlot;
  amount: Float64Array;
}

interface VictimRole {
  node: RoleNode;
  fair: number;
  /** Newest first. */
  tasks: Victim[];
}

export function choosePreemptions(run: AllocationRun): PreemptionDecision[] {
  const tasks = run.snapshot.tasks;
  if (!tasks || tasks.length === 0 || !run.tree.hasGuarantees) return [];
  const starving = starvingRoles(run);
  if (starving.length === 0) return [];

  const inverseTotal = vec();
  for (let k = 0; k < SCALAR_COUNT; k++) inverseTotal[k] = run.total[k] > 0 ? 1 / run.total[k] : 0;
  const fair = fairShares(run);
  // Working copies: what each role holds as victims are picked.
  const held = new Map<RoleNode, Float64Array>();
  for (const node of run.tree.roles()) held.set(node, Float64Array.from(node.alloc));

  // Free resources left and tasks already on their way out count before anything is killed.
  const spare = Float64Array.from(run.freePool, (x) => Math.max(0, x));
  const candidates = new Map<RoleNode, VictimRole>();
  for (const task of tasks) {
    if (task.killing) {
      addRes(spare, task.resources);
      continue;
    }
    if (!task.preemptible) continue;
    const node = run.tree.find(task.role);
    if (!node) continue;
    let group = candidates.get(node);
    if (!group) candidates.set(node, (group = { node, fair: fair.get(node) ?? 0, tasks: [] }));
    group.tasks.push({ task, amount: vec(task.resources) });
  }
  for (const group of candidates.values()) {
    group.tasks.sort((a, b) => b.task.startedAtMs - a.task.startedAtMs || (a.task.taskId < b.task.taskId ? -1 : 1));
  }

  const out: PreemptionDecision[] = [];
  for (const role of starving) {
    const need = vec();
    const lack = role.guarantee as Float64Array;
    for (let k = 0; k < SCALAR_COUNT; k++) {
      const missing = Math.max(0, lack[k] - role.alloc[k]);
      const fromSpare = Math.min(missing, spare[k]);
      spare[k] -= fromSpare;
      need[k] = missing - fromSpare;
    }
    while (anyPositive(need)) {
      const pick = nextVictim(candidates, held, inverseTotal, role, need);
      if (!pick) break;
      const { group, index } = pick;
      const [victim] = group.tasks.splice(index, 1) as [Victim];
      for (let node: RoleNode | null = group.node; node && node.name !== ''; node = node.parent) {
        const h = held.get(node);
        if (h) for (let k = 0; k < SCALAR_COUNT; k++) h[k] -= victim.amount[k];
      }
      for (let k = 0; k < SCALAR_COUNT; k++) need[k] = Math.max(0, need[k] - victim.amount[k]);
      const share = dominantShare(held.get(group.node) as Float64Array, inverseTotal);
      out.push({
        taskId: victim.task.taskId,
        frameworkId: victim.task.frameworkId,
        agentId: victim.task.agentId,
        role: victim.task.role,
        resources: victim.task.resources,
        forRole: role.name,
        reason:
          `preempted so role "${role.name}" can reach its quota guarantee (${lacking(role)}); ` +
          `role "${group.node.name}" was above its fair share (${fmt(share + dominantShare(victim.amount, inverseTotal))} > ${fmt(group.fair)})`,
      });
    }
  }
  return out;
}

/** Roles with a guarantee they do not reach whose subtree has a framework that wants offers. */
function starvingRoles(run: AllocationRun): RoleNode[] {
  const out: RoleNode[] = [];
  const walk = (node: RoleNode): void => {
    for (const child of node.children) {
      if (child.isLeaf) continue;
      const g = child.guarantee;
      if (g && child.activeEntries > 0 && SCALAR_NAMES.some((_, k) => child.alloc[k] + 1e-9 < g[k])) out.push(child);
      walk(child);
    }
  };
  walk(run.tree.root);
  return out;
}

/**
 * Fair share of each role: its weight's fraction among active siblings (with a self leaf
 * standing in for a parent's own frameworks), times its parent's fair share.
 */
function fairShares(run: AllocationRun): Map<RoleNode, number> {
  const fair = new Map<RoleNode, number>();
  const active = (n: RoleNode): boolean => n.activeEntries > 0 || anyPositive(n.alloc);
  const walk = (node: RoleNode, share: number): void => {
    let weights = 0;
    for (const child of node.children) if (active(child)) weights += child.weight;
    for (const child of node.children) {
      const mine = active(child) && weights > 0 ? (share * child.weight) / weights : 0;
      fair.set(child, mine);
      if (!child.isLeaf) walk(child, mine);
    }
  };
  walk(run.tree.root, 1);
  return fair;
}

function nextVictim(
  candidates: Map<RoleNode, VictimRole>,
  held: Map<RoleNode, Float64Array>,
  inverseTotal: Float64Array,
  forRole: RoleNode,
  need: Float64Array,
): { group: VictimRole; index: number } | undefined {
  let best: { group: VictimRole; index: number; over: number } | undefined;
  for (const group of candidates.values()) {
    if (related(group.node, forRole)) continue;
    const h = held.get(group.node) as Float64Array;
    const over = dominantShare(h, inverseTotal) - group.fair;
    if (over <= 1e-9 || (best && over <= best.over)) continue;
    const index = group.tasks.findIndex((v) => helps(v.amount, need) && keepsGuarantees(group.node, held, v.amount));
    if (index >= 0) best = { group, index, over };
  }
  return best;
}

function related(a: RoleNode, b: RoleNode): boolean {
  const isAncestor = (x: RoleNode, y: RoleNode): boolean => {
    for (let n: RoleNode | null = y; n; n = n.parent) if (n === x) return true;
    return false;
  };
  return isAncestor(a, b) || isAncestor(b, a);
}

function helps(amount: Float64Array, need: Float64Array): boolean {
  for (let k = 0; k < SCALAR_COUNT; k++) if (amount[k] > 0 && need[k] > 0) return true;
  return false;
}

function keepsGuarantees(node: RoleNode, held: Map<RoleNode, Float64Array>, amount: Float64Array): boolean {
  for (let n: RoleNode | null = node; n && n.name !== ''; n = n.parent) {
    const g = n.guarantee;
    const h = held.get(n);
    if (!g || !h) continue;
    for (let k = 0; k < SCALAR_COUNT; k++) if (g[k] > 0 && h[k] - amount[k] + 1e-9 < g[k]) return false;
  }
  return true;
}

function lacking(role: RoleNode): string {
  const g = role.guarantee as Float64Array;
  const parts: string[] = [];
  SCALAR_NAMES.forEach((name, k) => {
    if (role.alloc[k] + 1e-9 < g[k]) parts.push(`${name} ${role.alloc[k]} of ${g[k]}`);
  });
  return parts.join(', ');
}

const fmt = (x: number): string => x.toFixed(3);
