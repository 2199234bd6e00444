// Explanations: rides along one allocation run and, on every agent, notes why the subject (a
// framework or a role) got nothing there -- checked with the same role and framework checks the
// run uses, before the agent's offers are made -- then groups the notes into reasons.
import { resources } from '../../protocol/index.js';
import { EntryBlock, RoleStatus, type AllocationRun, type RunTracer } from './allocation-run.js';
import type { FrameworkEntry } from './framework-entry.js';
import type { GangOutcome } from './gang-placer.js';
import type { RoleNode } from './role-node.js';
import { SCALAR_NAMES, anyPositive, vec } from './scalar-vector.js';
import { ReasonKind, type AgentSlot, type ExplainSubject, type Explanation, type ExplanationReason, type OfferDecision } from './types.js';

const EXAMPLES = 3;

/** One thing that may be offered: a role leaf with the subject's entries in it. */
interface Unit {
  leaf: RoleNode;
  entries: FrameworkEntry[];
}

type Note = Omit<ExplanationReason, 'agents' | 'exampleAgentIds' | 'message'>;

export class ExplainTracer implements RunTracer {
  readonly #run: AllocationRun;
  readonly #subject: ExplainSubject;
  readonly #units: Unit[] = [];
  /** Per unit, for the current agent: the reason it cannot take the agent, or null if it could. */
  #pending: (Note | null)[] = [];
  readonly #reasons = new Map<string, ExplanationReason>();
  #offers = 0;

  constructor(run: AllocationRun, subject: ExplainSubject) {
    this.#run = run;
    this.#subject = subject;
    if ('frameworkId' in subject) {
      const fw = run.frameworkById.get(subject.frameworkId);
      if (!fw) this.#note({ kind: ReasonKind.UNKNOWN_FRAMEWORK }, undefined);
      else {
        for (const role of fw.slot.roles) if (fw.slot.suppressedRoles.has(role)) this.#note({ kind: ReasonKind.SUPPRESSED, role }, undefined);
        for (const entry of fw.entries) this.#units.push({ leaf: entry.leaf, entries: [entry] });
      }
    } else {
      const subscribed = run.frameworks.filter((fw) => fw.slot.roles.includes(subject.role));
      const leaf = run.tree.find(subject.role)?.self;
      if (subscribed.length === 0) this.#note({ kind: ReasonKind.NO_FRAMEWORKS, role: subject.role }, undefined);
      else if (!leaf || leaf.entries.length === 0) this.#note({ kind: ReasonKind.SUPPRESSED, role: subject.role }, undefined);
      else this.#units.push({ leaf, entries: leaf.entries });
    }
  }

  gangs(outcomes: readonly GangOutcome[]): void {
    for (const o of outcomes) {
      const mine = 'frameworkId' in this.#subject ? o.frameworkId === this.#subject.frameworkId : o.role === this.#subject.role;
      if (!mine) continue;
      const base = { role: o.role, gangId: o.gangId, resource: o.resource };
      switch (o.kind) {
        case 'offered':
          for (const id of o.agentIds) this.#note({ kind: ReasonKind.OFFERED, role: o.role }, id);
          this.#offers += o.agentIds.length;
          break;
        case 'holding':
          for (const id of o.agentIds) this.#note({ kind: ReasonKind.GANG_HOLDING, ...base }, id);
          this.#note({ kind: ReasonKind.GANG_DOES_NOT_FIT, ...base, shape: o.shape, mostFree: o.mostFree } as Note, undefined);
          break;
        case 'does-not-fit':
          this.#note({ kind: ReasonKind.GANG_DOES_NOT_FIT, ...base, shape: o.shape, mostFree: o.mostFree } as Note, undefined);
          break;
        case 'never-fits':
          this.#note({ kind: ReasonKind.GANG_NEVER_FITS, ...base }, undefined);
          break;
        case 'quota-limit':
          this.#note({ kind: ReasonKind.QUOTA_LIMIT, ...base }, undefined);
          break;
        case 'quota-headroom':
          this.#note({ kind: ReasonKind.QUOTA_HEADROOM, ...base }, undefined);
          break;
        case 'suppressed':
          this.#note({ kind: ReasonKind.SUPPRESSED, role: o.role, gangId: o.gangId }, undefined);
          break;
        case 'not-subscribed':
          this.#note({ kind: ReasonKind.NO_FRAMEWORKS, role: o.role, gangId: o.gangId }, undefined);
          break;
      }
    }
  }

  draining(agentIndex: number): void {
    const id = this.#agentId(agentIndex);
    for (const unit of this.#units) this.#note({ kind: ReasonKind.AGENT_DRAINING, role: unit.leaf.name }, id);
  }

  beforeAgent(agentIndex: number): void {
    this.#pending = this.#units.map((unit) => this.#check(agentIndex, unit));
  }

  afterAgent(agentIndex: number, firstOfferIndex: number): void {
    const id = this.#agentId(agentIndex);
    const made = this.#run.offers.slice(firstOfferIndex);
    const gangOffer = this.#run.gangOfferByAgent.get(agentIndex);
    const all = gangOffer ? [gangOffer, ...made] : made;
    const mine = (o: OfferDecision): boolean =>
      'frameworkId' in this.#subject ? o.frameworkId === this.#subject.frameworkId : o.role === this.#subject.role;
    const got = made.find(mine);
    if (got) {
      this.#offers += made.filter(mine).length;
      this.#note({ kind: ReasonKind.OFFERED, role: got.role }, id);
      return;
    }
    if (gangOffer && mine(gangOffer)) return;
    this.#units.forEach((unit, u) => {
      const pending = this.#pending[u];
      if (pending) return this.#note(pending, id);
      const winner = all.find((o) => o.role === unit.leaf.name) ?? all[0];
      if (winner) {
        this.#note({ kind: ReasonKind.LOWER_IN_DRF_ORDER, role: unit.leaf.name, otherFrameworkId: winner.frameworkId, otherRole: winner.role }, id);
      }
    });
  }

  #check(agentIndex: number, unit: Unit): Note | null {
    const run = this.#run;
    const role = unit.leaf.name;
    const status = run.roleStatus(unit.leaf);
    switch (status) {
      case RoleStatus.EMPTY:
        return this.#whyEmpty(agentIndex, role);
      case RoleStatus.LIMIT: {
        const limiting = run.tree.limitingRole(unit.leaf.role, run.shortScalar);
        return { kind: ReasonKind.QUOTA_LIMIT, role, otherRole: limiting?.name, resource: SCALAR_NAMES[run.shortScalar] };
      }
      case RoleStatus.HEADROOM:
        return { kind: ReasonKind.QUOTA_HEADROOM, role, resource: SCALAR_NAMES[run.shortScalar] };
      case RoleStatus.MIN_OFFER: {
        const hold = run.holdsByAgent.get(agentIndex);
        if (hold) return { kind: ReasonKind.GANG_HOLD, role, otherFrameworkId: hold.frameworkId, gangId: hold.gangId };
        return { kind: ReasonKind.BELOW_MIN_OFFER, role };
      }
    }
    let filteredUntil: number | undefined;
    let atLimit = false;
    for (const entry of unit.entries) {
      const block = run.entryBlock(entry);
      if (block === EntryBlock.NONE) return null;
      if (block === EntryBlock.OFFER_LIMIT) atLimit = true;
      if (block === EntryBlock.FILTERED) {
        const offer = { ...resources.empty(), cpus: run.amount[0], memMb: run.amount[1], diskMb: run.amount[2], gpus: run.amount[3], ports: run.amountPorts };
        const until = run.filterUntil(entry, this.#agentId(agentIndex), offer);
        if (until !== undefined) filteredUntil = Math.min(filteredUntil ?? Infinity, until);
      }
    }
    if (filteredUntil !== undefined) return { kind: ReasonKind.FILTERED, role, untilMs: filteredUntil };
    if (atLimit) return { kind: ReasonKind.OFFER_LIMIT, role };
    return { kind: ReasonKind.ALREADY_OFFERED, role };
  }

  #whyEmpty(agentIndex: number, role: string): Note {
    const run = this.#run;
    const hold = run.holdsByAgent.get(agentIndex);
    if (hold) return { kind: ReasonKind.GANG_HOLD, role, otherFrameworkId: hold.frameworkId, gangId: hold.gangId };
    const gangOffer = run.gangOfferByAgent.get(agentIndex);
    if (gangOffer) return { kind: ReasonKind.LOWER_IN_DRF_ORDER, role, otherFrameworkId: gangOffer.frameworkId, otherRole: gangOffer.role };
    const agent = run.agents[agentIndex] as AgentSlot;
    for (const [other, r] of agent.reservedFree) {
      if (other !== role && anyPositive(vec(r))) return { kind: ReasonKind.RESERVED_FOR_OTHER_ROLE, role, otherRole: other };
    }
    return { kind: ReasonKind.NO_FREE_RESOURCES, role };
  }

  #agentId(agentIndex: number): string {
    return (this.#run.agents[agentIndex] as AgentSlot).id;
  }

  #note(note: Note, agentId: string | undefined): void {
    const key = [note.kind, note.role, note.otherFrameworkId, note.otherRole, note.resource, note.gangId].join('\u0000');
    let reason = this.#reasons.get(key);
    if (!reason) {
      reason = { ...note, agents: 0, exampleAgentIds: [], message: '' };
      for (const k of Object.keys(reason) as (keyof ExplanationReason)[]) if (reason[k] === undefined) delete reason[k];
      this.#reasons.set(key, reason);
    }
    if (note.untilMs !== undefined) reason.untilMs = Math.min(reason.untilMs ?? Infinity, note.untilMs);
    if (agentId !== undefined) {
      reason.agents++;
      if (reason.exampleAgentIds.length < EXAMPLES) reason.exampleAgentIds.push(agentId);
    }
  }

  finish(): Explanation {
    const reasons = [...this.#reasons.values()];
    for (const r of reasons) r.message = describe(r, this.#run);
    const rank = (r: ExplanationReason): number => (r.kind === ReasonKind.OFFERED ? 0 : r.agents === 0 ? 1 : 2);
    reasons.sort((a, b) => rank(a) - rank(b) || b.agents - a.agents || a.message.localeCompare(b.message));
    const who = 'frameworkId' in this.#subject ? `framework "${this.#subject.frameworkId}"` : `role "${this.#subject.role}"`;
    const why = reasons.filter((r) => r.kind !== ReasonKind.OFFERED).slice(0, 3);
    const whyText = why.map((r) => (r.agents > 0 ? `${r.message} (${r.agents} agent${r.agents === 1 ? '' : 's'})` : r.message)).join('; ');
    const summary =
      this.#offers > 0
        ? `${who} gets ${this.#offers} offer${this.#offers === 1 ? '' : 's'}${whyText ? `; elsewhere: ${whyText}` : ''}`
        : `${who} gets no offers: ${whyText || 'nothing is free'}`;
    return { subject: this.#subject, offers: this.#offers, reasons, summary };
  }
}

type Described = ExplanationReason & { shape?: import('../../protocol/index.js').Res; mostFree?: number };

function describe(r: Described, run: AllocationRun): string {
  const role = r.role !== undefined ? `role "${r.role}"` : 'the role';
  const gang = r.gangId !== undefined ? `gang "${r.gangId}"` : 'the gang';
  const resource = r.resource === 'memMb' ? 'mem' : r.resource;
  switch (r.kind) {
    case ReasonKind.UNKNOWN_FRAMEWORK:
      return 'the framework is not subscribed';
    case ReasonKind.NO_FRAMEWORKS:
      return r.gangId !== undefined ? `${gang} asks for ${role}, which the framework is not subscribed with` : `no subscribed framework has ${role}`;
    case ReasonKind.SUPPRESSED:
      return `${role} is suppressed (no offers until REVIVE)`;
    case ReasonKind.OFFERED:
      return `offered in ${role}`;
    case ReasonKind.AGENT_DRAINING:
      return 'agent draining';
    case ReasonKind.NO_FREE_RESOURCES:
      return 'no free resources';
    case ReasonKind.RESERVED_FOR_OTHER_ROLE:
      return `free resources are reserved for role "${r.otherRole}"`;
    case ReasonKind.BELOW_MIN_OFFER:
      return `no agent with enough free: less than the minimum offer (cpus:${run.minOffer.cpus} or mem:${run.minOffer.memMb}MB)`;
    case ReasonKind.ALREADY_OFFERED:
      return 'already holds an outstanding offer there';
    case ReasonKind.OFFER_LIMIT:
      return 'holds as many offers as its offer limit (max_offers) allows';
    case ReasonKind.FILTERED:
      return `filtered after a DECLINE until ${new Date(r.untilMs ?? 0).toISOString()}`;
    case ReasonKind.QUOTA_LIMIT:
      return r.gangId !== undefined
        ? `${gang} would take ${role} over its quota limit${resource ? ` on ${resource}` : ''}`
        : `quota limit of role "${r.otherRole ?? r.role}" reached${resource ? ` on ${resource}` : ''}`;
    case ReasonKind.QUOTA_HEADROOM:
      return `free ${resource ?? 'resources'} held back for roles below their quota guarantee`;
    case ReasonKind.GANG_HOLD:
      return `held for ${gang} of framework "${r.otherFrameworkId}"`;
    case ReasonKind.LOWER_IN_DRF_ORDER:
      return r.otherRole === r.role
        ? `lower in DRF order than framework "${r.otherFrameworkId}"`
        : `lower in weighted-DRF order than role "${r.otherRole}" (framework "${r.otherFrameworkId}")`;
    case ReasonKind.GANG_DOES_NOT_FIT:
      if (resource === undefined) return `${gang} does not fit: no agent has ${r.shape ? resources.format(r.shape) : 'a shape'} free at once`;
      return `${gang} does not fit: no agent with enough ${resource} (a task needs ${shapeAmount(r)}, most free on one agent: ${r.mostFree ?? 0})`;
    case ReasonKind.GANG_NEVER_FITS:
      return `${gang} cannot fit even on the empty cluster${resource ? ` (${resource})` : ''}`;
    case ReasonKind.GANG_HOLDING:
      return `${gang} holds free resources while it waits for the rest`;
  }
}

function shapeAmount(r: Described): number {
  if (!r.shape || !r.resource) return 0;
  return r.resource === 'ports' ? resources.portCount(r.shape) : r.shape[r.resource];
}
