// One allocation run over a snapshot: builds the role tree and per-framework state once, then
// walks the agents in snapshot order; on each, the first framework in weighted-DRF order that
// may take what the agent has free gets it all as one offer (Mesos' coarse-grained offers).
import { resources, type Res } from '../../protocol/index.js';
import { FrameworkEntry, FrameworkState } from './framework-entry.js';
import type { RoleNode } from './role-node.js';
import { RoleTree } from './role-tree.js';
import { CPUS, MEM, SCALAR_COUNT, addRes, anyPositive, load, round3, toRes, vec } from './scalar-vector.js';
import type { AgentSlot, AllocationSnapshot, GangHold, OfferDecision } from './types.js';

/** Whether (and why not) a role can be offered something on the current agent. */
export const RoleStatus = { OK: 0, EMPTY: 1, LIMIT: 2, HEADROOM: 3, MIN_OFFER: 4 } as const;
export type RoleStatus = (typeof RoleStatus)[keyof typeof RoleStatus];

/** Why a framework that its role could serve is skipped on the current agent. */
export const EntryBlock = { NONE: 0, ALREADY_OFFERED: 1, FILTERED: 2, OFFER_LIMIT: 3 } as const;
export type EntryBlock = (typeof EntryBlock)[keyof typeof EntryBlock];

/** Hooks for explanations; null in ordinary runs, so they cost one branch per agent. */
export interface RunTracer {
  draining(agentIndex: number): void;
  beforeAgent(agentIndex: number): void;
  afterAgent(agentIndex: number, firstOfferIndex: number): void;
}

const NO_RESERVATIONS: ReadonlyMap<string, Res> = new Map();

export class AllocationRun {
  readonly snapshot: AllocationSnapshot;
  readonly agents: readonly AgentSlot[];
  readonly tree: RoleTree;
  readonly frameworks: FrameworkState[] = [];
  readonly frameworkById = new Map<string, FrameworkState>();
  readonly total = vec();
  /** Unreserved free resources of non-draining agents not yet offered or held in this run. */
  readonly freePool = vec();
  readonly offers: OfferDecision[] = [];
  readonly holds: GangHold[] = [];
  readonly holdsByAgent = new Map<number, GangHold>();
  /** The first gang offer made on an agent, for explanations. */
  readonly gangOfferByAgent = new Map<number, OfferDecision>();
  tracer: RunTracer | null = null;

  // What the gang pass took from an agent, until the main pass reads it.
  readonly #unreservedOverlay = new Map<number, Res>();
  readonly #reservedOverlay = new Map<number, Map<string, Res>>();

  // The agent the main pass is on, and the scratch the role and entry checks fill in.
  #agent = -1;
  readonly #unreserved = vec();
  #unreservedPorts: Res['ports'] = [];
  #reserved: ReadonlyMap<string, Res> = NO_RESERVATIONS;
  /** roleStatus() output: what the role would be offered, split into its two sources. */
  readonly amount = vec();
  amountPorts: Res['ports'] = [];
  readonly #reservedPart = vec();
  readonly #unreservedPart = vec();
  /** roleStatus() output for explanations: the scalar that a LIMIT or HEADROOM cut short. */
  shortScalar = CPUS;
  readonly #room = vec();
  readonly #own = vec();
  readonly #roleReserved = vec();
  readonly #minCpus: number;
  readonly #minMemMb: number;

  constructor(snapshot: AllocationSnapshot) {
    this.snapshot = snapshot;
    this.agents = snapshot.agents;
    this.#minCpus = snapshot.minOffer.cpus;
    this.#minMemMb = snapshot.minOffer.memMb;
    if (snapshot.sums) {
      load(this.total, snapshot.sums.total);
      load(this.freePool, snapshot.sums.free);
    } else {
      for (let i = 0; i < this.agents.length; i++) {
        const agent = this.agents[i] as AgentSlot;
        addRes(this.total, agent.total);
        if (!agent.draining) addRes(this.freePool, agent.free);
      }
    }
    const inverseTotal = vec();
    for (let k = 0; k < SCALAR_COUNT; k++) inverseTotal[k] = this.total[k] > 0 ? 1 / this.total[k] : 0;
    this.tree = new RoleTree(inverseTotal);
    for (const [name, config] of snapshot.roles) this.tree.configure(name, config);
    for (const slot of snapshot.frameworks) {
      const fw = new FrameworkState(slot, snapshot.nowMs);
      this.frameworks.push(fw);
      this.frameworkById.set(slot.id, fw);
      for (const [role, held] of slot.allocated) addRes(this.tree.leaf(role).alloc, held);
      for (const role of slot.roles) {
        if (slot.suppressedRoles.has(role) || fw.entryFor(role)) continue;
        const leaf = this.tree.leaf(role);
        const entry = new FrameworkEntry(fw, leaf);
        const held = slot.allocated.get(role);
        if (held) load(entry.alloc, held);
        fw.entries.push(entry);
        leaf.entries.push(entry);
      }
    }
    this.tree.seal();
    // A framework that starts the run at its offer limit takes no part in the scan (it keeps its
    // entries, so an explanation can still say why).
    for (const fw of this.frameworks) if (fw.offerRoom <= 0) this.#retire(fw);
  }

  unreservedOf(agentIndex: number): Res {
    return this.#unreservedOverlay.get(agentIndex) ?? (this.agents[agentIndex] as AgentSlot).free;
  }

  reservedOf(agentIndex: number): ReadonlyMap<string, Res> {
    return this.#reservedOverlay.get(agentIndex) ?? (this.agents[agentIndex] as AgentSlot).reservedFree;
  }

  // -------------------------------------------------------------------------------------------
  // The main pass

  runAgents(): void {
    const root = this.tree.root;
    const tracer = this.tracer;
    const candidates = this.snapshot.candidates;
    const count = candidates ? candidates.length : this.agents.length;
    for (let c = 0; c < count; c++) {
      const i = candidates ? (candidates[c] as number) : c;
      const agent = this.agents[i] as AgentSlot;
      if (agent.draining) {
        tracer?.draining(i);
        continue;
      }
      this.loadAgent(i);
      const firstOffer = this.offers.length;
      tracer?.beforeAgent(i);
      if (root.activeEntries > 0) {
        // Unreserved resources go down the tree; a role's reservation rides along with them.
        while (anyPositive(this.#unreserved) && this.#scan(root)) {
          // each successful scan makes one offer; repeat while something unreserved is left
        }
        // Reservations of roles that did not come up above (their frameworks were behind others
        // or there was nothing unreserved left).
        if (this.#reserved.size > 0) {
          for (const name of this.#reserved.keys()) {
            const leaf = this.tree.find(name)?.self;
            if (leaf && leaf.entries.length > 0 && leaf.lastServedAgent !== i) this.#tryLeaf(leaf);
          }
        }
      }
      tracer?.afterAgent(i, firstOffer);
    }
  }

  /** Makes agent i the current one (the main pass and the tracer's checks read it). */
  loadAgent(i: number): void {
    this.#agent = i;
    const free = this.unreservedOf(i);
    load(this.#unreserved, free);
    this.#unreservedPorts = free.ports;
    this.#reserved = this.reservedOf(i);
  }

  #scan(node: RoleNode): boolean {
    const children = node.children;
    for (let c = 0; c < children.length; c++) {
      const child = children[c] as RoleNode;
      if (child.activeEntries === 0) continue;
      if (child.isLeaf) {
        if (child.lastServedAgent !== this.#agent && this.#tryLeaf(child)) return true;
      } else if (this.#scan(child)) return true;
    }
    return false;
  }

  #tryLeaf(leaf: RoleNode): boolean {
    if (this.roleStatus(leaf) !== RoleStatus.OK) return false;
    const entries = leaf.entries;
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e] as FrameworkEntry;
      if (this.entryBlock(entry) === EntryBlock.NONE) {
        this.#offer(entry);
        return true;
      }
    }
    return false;
  }

  /**
   * What the leaf's role may be offered on the current agent: its reservation there plus the
   * unreserved free resources, cut to the room under its quota limits and, unless it is owed
   * them, to what the quota headroom of other roles leaves. Fills `amount`.
   */
  roleStatus(leaf: RoleNode): RoleStatus {
    const role = leaf.role;
    const held = this.#reserved.size > 0 ? this.#reserved.get(role.name) : undefined;
    const r = this.#roleReserved;
    if (held) load(r, held);
    else r.fill(0);
    const u = this.#unreserved;
    if (!anyPositive(u) && !anyPositive(r)) return RoleStatus.EMPTY;
    const room = this.#room;
    this.tree.roomUnderLimits(role, room);
    const headroom = this.tree.headroom;
    const useHeadroom = this.tree.hasGuarantees && anyPositive(headroom);
    if (useHeadroom) this.tree.ownHeadroom(role, this.#own);
    let limited = -1;
    let heldBack = -1;
    for (let k = 0; k < SCALAR_COUNT; k++) {
      const fromReserved = Math.min(r[k], room[k]);
      const left = room[k] - fromReserved;
      let fromUnreserved = u[k];
      if (fromUnreserved > left) {
        fromUnreserved = left;
        if (limited < 0) limited = k;
      }
      if (useHeadroom) {
        const cap = Math.max(0, round3(this.freePool[k] - (headroom[k] - this.#own[k])));
        if (fromUnreserved > cap) {
          fromUnreserved = cap;
          if (heldBack < 0) heldBack = k;
        }
      }
      this.#reservedPart[k] = fromReserved;
      this.#unreservedPart[k] = fromUnreserved;
      this.amount[k] = round3(fromReserved + fromUnreserved);
    }
    this.amountPorts = anyPositive(this.#unreservedPart) ? this.#unreservedPorts : [];
    // Every task needs cpus and memory: an offer that a limit or the headroom left without any
    // of one of them (while the agent has some) would only tie up the other.
    const starvedBy = this.#starved(u, r);
    if (starvedBy >= 0) {
      this.shortScalar = starvedBy;
      return room[starvedBy] - this.#reservedPart[starvedBy] <= 0 ? RoleStatus.LIMIT : RoleStatus.HEADROOM;
    }
    if (this.#bigEnough(this.amount)) return RoleStatus.OK;
    if (this.#bigEnough2(u, r)) {
      this.shortScalar = limited >= 0 ? limited : heldBack;
      return limited >= 0 ? RoleStatus.LIMIT : RoleStatus.HEADROOM;
    }
    return RoleStatus.MIN_OFFER;
  }

  #starved(u: Float64Array, r: Float64Array): number {
    if (this.amount[CPUS] <= 0 && u[CPUS] + r[CPUS] > 0) return CPUS;
    if (this.amount[MEM] <= 0 && u[MEM] + r[MEM] > 0) return MEM;
    return -1;
  }

  #bigEnough(a: Float64Array): boolean {
    return anyPositive(a) && (a[CPUS] >= this.#minCpus || a[MEM] >= this.#minMemMb);
  }

  #bigEnough2(a: Float64Array, b: Float64Array): boolean {
    return (anyPositive(a) || anyPositive(b)) && (a[CPUS] + b[CPUS] >= this.#minCpus || a[MEM] + b[MEM] >= this.#minMemMb);
  }

  /** Whether the entry's framework may take `amount` on the current agent (after roleStatus). */
  entryBlock(entry: FrameworkEntry): EntryBlock {
    const fw = entry.framework;
    if (fw.offerRoom <= 0) return EntryBlock.OFFER_LIMIT;
    const agentId = (this.agents[this.#agent] as AgentSlot).id;
    if (fw.offeredOn(this.#agent, agentId)) return EntryBlock.ALREADY_OFFERED;
    if (fw.filtersByAgent !== null && this.filterUntil(entry, agentId, toRes(this.amount, this.amountPorts)) !== undefined) {
      return EntryBlock.FILTERED;
    }
    return EntryBlock.NONE;
  }

  /** The end of the latest filter that refuses `offer` to the entry on an agent, if any. */
  filterUntil(entry: FrameworkEntry, agentId: string, offer: Res): number | undefined {
    const filters = entry.framework.filtersByAgent?.get(agentId);
    if (!filters) return undefined;
    let until: number | undefined;
    for (const f of filters) {
      if (f.role !== undefined && f.role !== entry.leaf.name) continue;
      if (resources.contains(f.resources, offer)) until = Math.max(until ?? 0, f.untilMs);
    }
    return until;
  }

  #offer(entry: FrameworkEntry): void {
    const i = this.#agent;
    const agent = this.agents[i] as AgentSlot;
    const decision: OfferDecision = {
      frameworkId: entry.id,
      agentId: agent.id,
      role: entry.leaf.name,
      resources: toRes(this.amount, this.amountPorts),
    };
    if (anyPositive(this.#reservedPart)) decision.reserved = toRes(this.#reservedPart);
    this.offers.push(decision);
    if (anyPositive(this.#unreservedPart)) {
      for (let k = 0; k < SCALAR_COUNT; k++) {
        this.#unreserved[k] = round3(this.#unreserved[k] - this.#unreservedPart[k]);
        this.freePool[k] -= this.#unreservedPart[k];
      }
      this.#unreservedPorts = [];
    }
    entry.framework.lastOfferedAgent = i;
    entry.leaf.lastServedAgent = i;
    this.tree.commit(entry, this.amount);
    if (--entry.framework.offerRoom <= 0) this.#retire(entry.framework);
  }

  /**
   * A framework that used up its offer limit leaves the scan for the rest of the run: its entries
   * no longer count as active, so subtrees with nobody else are skipped (and with nobody left at
   * all, the rest of the agents are).
   */
  #retire(fw: FrameworkState): void {
    for (const entry of fw.entries) {
      for (let node: RoleNode | null = entry.leaf; node; node = node.parent) node.activeEntries--;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Used by the gang pass

  /** Whether the unreserved part of a bundle leaves enough free for other roles' guarantees. */
  headroomAllows(role: RoleNode, unreserved: Float64Array): boolean {
    if (!this.tree.hasGuarantees) return true;
    this.tree.ownHeadroom(role, this.#own);
    for (let k = 0; k < SCALAR_COUNT; k++) {
      if (unreserved[k] > 0 && unreserved[k] > round3(this.freePool[k] - (this.tree.headroom[k] - this.#own[k]))) return false;
    }
    return true;
  }

  /**
   * Takes a bundle from agent i: reserved resources of the role first, then unreserved ones and
   * `portCount` concrete ports. Returns the resources and the reserved part.
   */
  takeBundle(agentIndex: number, role: string, bundle: Float64Array, portCount: number): { taken: Res; reserved: Res | undefined } {
    const free = this.unreservedOf(agentIndex);
    const reservedMap = this.reservedOf(agentIndex);
    const r = vec(reservedMap.get(role));
    const fromReserved = vec();
    const fromUnreserved = vec();
    for (let k = 0; k < SCALAR_COUNT; k++) {
      fromReserved[k] = Math.min(r[k], bundle[k]);
      fromUnreserved[k] = round3(bundle[k] - fromReserved[k]);
    }
    const ports = portCount > 0 ? (resources.takePorts(free, portCount) ?? []) : [];
    const unreservedTaken = toRes(fromUnreserved, ports);
    this.#unreservedOverlay.set(agentIndex, resources.subtract(free, unreservedTaken));
    for (let k = 0; k < SCALAR_COUNT; k++) this.freePool[k] -= fromUnreserved[k];
    let reserved: Res | undefined;
    if (anyPositive(fromReserved)) {
      reserved = toRes(fromReserved);
      const next = new Map(reservedMap);
      next.set(role, resources.subtract(reservedMap.get(role) as Res, reserved));
      this.#reservedOverlay.set(agentIndex, next);
    }
    return { taken: resources.add(unreservedTaken, reserved ?? resources.empty()), reserved };
  }

  /** Records a gang offer made from takeBundle(). */
  commitGangOffer(entry: FrameworkEntry, agentIndex: number, bundle: Float64Array, portCount: number, gangId: string): void {
    const { taken, reserved } = this.takeBundle(agentIndex, entry.leaf.name, bundle, portCount);
    const decision: OfferDecision = { frameworkId: entry.id, agentId: (this.agents[agentIndex] as AgentSlot).id, role: entry.leaf.name, resources: taken, gangId };
    if (reserved) decision.reserved = reserved;
    this.offers.push(decision);
    if (!this.gangOfferByAgent.has(agentIndex)) this.gangOfferByAgent.set(agentIndex, decision);
    entry.framework.gangAgents ??= new Set();
    entry.framework.gangAgents.add(agentIndex);
    this.tree.commit(entry, vec(taken));
  }

  hold(entry: FrameworkEntry, agentIndex: number, bundle: Float64Array, portCount: number, gangId: string): void {
    const { taken, reserved } = this.takeBundle(agentIndex, entry.leaf.name, bundle, portCount);
    const hold: GangHold = { gangId, frameworkId: entry.id, role: entry.leaf.name, agentId: (this.agents[agentIndex] as AgentSlot).id, resources: taken };
    if (reserved) hold.reserved = reserved;
    this.holds.push(hold);
    this.holdsByAgent.set(agentIndex, hold);
  }

  get minOffer(): { cpus: number; memMb: number } {
    return { cpus: this.#minCpus, memMb: this.#minMemMb };
  }
}
