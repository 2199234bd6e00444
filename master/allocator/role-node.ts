// A node of the role tree. Roles are hierarchical by name ("eng/ml" is a child of "eng"). A role
// that has frameworks of its own gets a "self" leaf among its children that holds them, like the
// virtual "." leaf of Mesos' hierarchical sorter, so a parent's own frameworks compete with its
// sub-roles under the parent's weight.
import type { FrameworkEntry } from './framework-entry.js';
import { SCALAR_COUNT } from './scalar-vector.js';

export class RoleNode {
  /** The role's full name ("" for the root). A self leaf carries its owner's name. */
  readonly name: string;
  readonly parent: RoleNode | null;
  /** For a self leaf: the role it belongs to; for a role node: itself. */
  readonly role: RoleNode;
  readonly isLeaf: boolean;
  weight = 1;
  /** The role's own guarantee (scalars it does not name are 0); null when it has none. */
  guarantee: Float64Array | null = null;
  /** max(own guarantee, sum of the children's): what the subtree is owed. */
  effectiveGuarantee: Float64Array | null = null;
  /** Per scalar; Infinity where the role has no limit. Null when it has none. */
  limit: Float64Array | null = null;
  /** Held by the subtree (for a self leaf: by the role's own frameworks). */
  readonly alloc = new Float64Array(SCALAR_COUNT);
  /** Sorted children (role nodes and at most one self leaf). */
  readonly children: RoleNode[] = [];
  /** Sorted framework entries (self leaves only). */
  readonly entries: FrameworkEntry[] = [];
  /** The self leaf of a role node, once a framework needs it. */
  self: RoleNode | null = null;
  /** Entries in the subtree: the scan skips subtrees without any. */
  activeEntries = 0;
  /** Sort keys: below guarantee first, then dominant share / weight. */
  belowGuarantee = false;
  key = 0;
  /** Index of the agent this role was last offered on (one offer per role per agent). */
  lastServedAgent = -1;

  constructor(name: string, parent: RoleNode | null, selfOf?: RoleNode) {
    this.name = name;
    this.parent = selfOf ?? parent;
    this.role = selfOf ?? this;
    this.isLeaf = selfOf !== undefined;
  }
}

/** Sibling order: below quota guarantee first, then weighted dominant share, then name. */
export function compareNodes(a: RoleNode, b: RoleNode): number {
  if (a.belowGuarantee !== b.belowGuarantee) return a.belowGuarantee ? -1 : 1;
  // Signs, not a difference: a double result is a heap number, garbage on every comparison.
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.isLeaf !== b.isLeaf) return a.isLeaf ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
