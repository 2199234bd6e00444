// The role hierarchy of one run, kept sorted as offers are made: committing an offer updates the
// framework's share and every ancestor's, and moves each to its new place among its siblings (a
// binary search, then the items between shift by one), so finding the next framework in weighted-DRF order is a short
// walk from the root instead of a sort per agent.
import type { Res } from '../../protocol/index.js';
import { compareEntries, type FrameworkEntry } from './framework-entry.js';
import { compareNodes, RoleNode } from './role-node.js';
import { SCALAR_COUNT, dominantShare, vec } from './scalar-vector.js';
import type { RoleConfig } from './types.js';

const MIN_WEIGHT = 1e-6;

export class RoleTree {
  readonly root = new RoleNode('', null);
  readonly #byName = new Map<string, RoleNode>();
  readonly #inverseTotal: Float64Array;
  /** Sum over top-level roles of what their guarantees still lack: free resources kept for them. */
  readonly headroom = new Float64Array(SCALAR_COUNT);
  /** Scratch for #addUnmet. */
  readonly #lack = new Float64Array(SCALAR_COUNT);
  #hasGuarantees = false;

  constructor(inverseTotal: Float64Array) {
    this.#inverseTotal = inverseTotal;
  }

  get hasGuarantees(): boolean {
    return this.#hasGuarantees;
  }

  /** The role node for a name, creating it and its ancestors. */
  role(name: string): RoleNode {
    const known = this.#byName.get(name);
    if (known) return known;
    const cut = name.lastIndexOf('/');
    const parent = cut > 0 ? this.role(name.slice(0, cut)) : this.root;
    const node = new RoleNode(name, parent);
    parent.children.push(node);
    this.#byName.set(name, node);
    return node;
  }

  find(name: string): RoleNode | undefined {
    return this.#byName.get(name);
  }

  /** The leaf holding a role's own frameworks and allocation. */
  leaf(name: string): RoleNode {
    const role = this.role(name);
    if (!role.self) {
      role.self = new RoleNode(name, null, role);
      role.children.push(role.self);
    }
    return role.self;
  }

  configure(name: string, config: RoleConfig): void {
    const node = this.role(name);
    node.weight = Math.max(config.weight, MIN_WEIGHT);
    if (config.quotaGuarantee) {
      node.guarantee = vec(config.quotaGuarantee);
      this.#hasGuarantees = true;
    }
    if (config.quotaLimit) node.limit = limitVec(config.quotaLimit);
  }

  /** Call once after every role, allocation and entry is in: sums subtrees and sorts everything. */
  seal(): void {
    this.#sealNode(this.root);
    for (const top of this.root.children) this.#addUnmet(top, 1);
  }

  #sealNode(node: RoleNode): void {
    if (node.isLeaf) {
      node.weight = node.role.weight;
      node.activeEntries = node.entries.length;
      for (const e of node.entries) e.share = dominantShare(e.alloc, this.#inverseTotal);
      node.entries.sort(compareEntries);
    } else {
      let childGuarantees: Float64Array | null = null;
      for (const child of node.children) {
        this.#sealNode(child);
        for (let k = 0; k < SCALAR_COUNT; k++) node.alloc[k] += child.alloc[k];
        node.activeEntries += child.activeEntries;
        if (child.effectiveGuarantee) {
          childGuarantees ??= new Float64Array(SCALAR_COUNT);
          for (let k = 0; k < SCALAR_COUNT; k++) childGuarantees[k] += child.effectiveGuarantee[k];
        }
      }
      // A self leaf's guarantee flag reads its role's allocation, summed only now.
      if (node.self) this.#rekey(node.self);
      if (node.guarantee || childGuarantees) {
        const eff = new Float64Array(SCALAR_COUNT);
        for (let k = 0; k < SCALAR_COUNT; k++) eff[k] = Math.max(node.guarantee?.[k] ?? 0, childGuarantees?.[k] ?? 0);
        node.effectiveGuarantee = eff;
      }
    }
    this.#rekey(node);
    node.children.sort(compareNodes);
  }

  /** Adds what an offer (or a bundle) gives an entry, and re-sorts the entry and its ancestors. */
  commit(entry: FrameworkEntry, amount: Float64Array): void {
    const leaf = entry.leaf;
    const at = this.#indexOf(leaf.entries, entry, compareEntries);
    for (let k = 0; k < SCALAR_COUNT; k++) entry.alloc[k] += amount[k];
    entry.share = dominantShare(entry.alloc, this.#inverseTotal);
    move(leaf.entries, at, entry, compareEntries);

    let top = leaf.role;
    while (top.parent !== this.root && top.parent) top = top.parent;
    this.#addUnmet(top, -1);
    // Allocations first (a leaf's guarantee flag reads its role's), then keys bottom-up; the sort
    // keys are fields, so siblings can still be found by binary search until each is re-keyed.
    for (let node: RoleNode | null = leaf; node && node !== this.root; node = node.parent) {
      for (let k = 0; k < SCALAR_COUNT; k++) node.alloc[k] += amount[k];
    }
    for (let node: RoleNode | null = leaf; node && node !== this.root; node = node.parent) {
      const parent = node.parent as RoleNode;
      const index = this.#indexOf(parent.children, node, compareNodes);
      this.#rekey(node);
      move(parent.children, index, node, compareNodes);
    }
    this.#addUnmet(top, 1);
  }

  /** Room left under the role's and its ancestors' limits, per scalar (Infinity where unlimited). */
  roomUnderLimits(role: RoleNode, into: Float64Array): void {
    into.fill(Infinity);
    for (let node: RoleNode | null = role; node && node !== this.root; node = node.parent) {
      if (!node.limit) continue;
      for (let k = 0; k < SCALAR_COUNT; k++) into[k] = Math.min(into[k], Math.max(0, node.limit[k] - node.alloc[k]));
    }
  }

  /** The role with the tightest limit on scalar k along the path (for explanations). */
  limitingRole(role: RoleNode, k: number): RoleNode | undefined {
    let best: RoleNode | undefined;
    for (let node: RoleNode | null = role; node && node !== this.root; node = node.parent) {
      if (node.limit && (best === undefined || node.limit[k] - node.alloc[k] < (best.limit as Float64Array)[k] - best.alloc[k])) best = node;
    }
    return best;
  }

  /** What the top-level ancestor of a role still lacks of its guarantee (its share of headroom). */
  ownHeadroom(role: RoleNode, into: Float64Array): void {
    let top = role;
    while (top.parent && top.parent !== this.root) top = top.parent;
    unmet(top, into);
  }

  /** Every role node, parents before children. */
  *roles(): Generator<RoleNode> {
    const stack = [...this.root.children];
    while (stack.length > 0) {
      const node = stack.pop() as RoleNode;
      if (node.isLeaf) continue;
      yield node;
      stack.push(...node.children);
    }
  }

  /** Self leaves in the current weighted-DRF order. */
  leavesInOrder(): RoleNode[] {
    const out: RoleNode[] = [];
    const walk = (node: RoleNode): void => {
      for (const child of node.children) {
        if (child.isLeaf) out.push(child);
        else walk(child);
      }
    };
    walk(this.root);
    return out;
  }

  #rekey(node: RoleNode): void {
    node.key = dominantShare(node.alloc, this.#inverseTotal) / node.weight;
    if (node.isLeaf) {
      node.belowGuarantee = below(node.role);
      return;
    }
    let flag = below(node);
    for (let i = 0; !flag && i < node.children.length; i++) flag = (node.children[i] as RoleNode).belowGuarantee;
    node.belowGuarantee = flag;
  }

  #addUnmet(top: RoleNode, sign: 1 | -1): void {
    if (!top.effectiveGuarantee) return;
    const lack = this.#lack;
    unmet(top, lack);
    for (let k = 0; k < SCALAR_COUNT; k++) this.headroom[k] += sign * lack[k];
  }

  #indexOf<T>(list: T[], item: T, compare: (a: T, b: T) => number): number {
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compare(list[mid] as T, item);
      if (c === 0) return list[mid] === item ? mid : list.indexOf(item);
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return list.indexOf(item);
  }
}

/** Whether a role's subtree holds less than its own guarantee on some scalar the guarantee names. */
function below(role: RoleNode): boolean {
  const g = role.guarantee;
  if (!g) return false;
  for (let k = 0; k < SCALAR_COUNT; k++) if (role.alloc[k] + 1e-9 < g[k]) return true;
  return false;
}

/** Positive part of effective guarantee minus allocation. */
export function unmet(role: RoleNode, into: Float64Array): void {
  const g = role.effectiveGuarantee;
  for (let k = 0; k < SCALAR_COUNT; k++) into[k] = g ? Math.max(0, g[k] - role.alloc[k]) : 0;
}

/**
 * Moves the item at `from` (whose key changed) to its sorted place: a binary search among the
 * others, then the items between shift by one. Not splice: it allocates two arrays per call, which
 * at 50,000 agents was a third of a run's garbage.
 */
function move<T>(list: T[], from: number, item: T, compare: (a: T, b: T) => number): void {
  // Insertion points in the list without the item run from 0 to length - 1.
  let lo = 0;
  let hi = list.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(list[mid < from ? mid : mid + 1] as T, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  for (let i = from; i < lo; i++) list[i] = list[i + 1] as T;
  for (let i = from; i > lo; i--) list[i] = list[i - 1] as T;
  list[lo] = item;
}

function limitVec(r: Res): Float64Array {
  // A limit names the scalars it bounds; an unnamed (zero) scalar stays unlimited, since a limit
  // of "cpus: 10" is not meant to forbid memory.
  const v = vec(r);
  for (let k = 0; k < SCALAR_COUNT; k++) if (v[k] === 0) v[k] = Infinity;
  return v;
}
