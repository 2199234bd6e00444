// Carries a plan's launch steps onto the offers the scheduler holds: each step's instances are
// placed with the planner's own `place()` against the offers' agents (with their drain and
// pressure flags), launches of one pass book resources for the next, and every placed instance
// gets its write-ahead record. Pure: the scheduler persists the records, then accepts.
import { randomBytes } from 'node:crypto';
import { isStopping, isTerminal, place, reserve, type AgentView, type Instance, type PortRange } from './deploy/index.js';
import type { ServicesLaunch, ServicesOffer } from './sdk-adapter.js';
import type { ServiceSpec } from './spec/index.js';
import type { InstanceRecord } from './store/index.js';

export interface LaunchWant {
  spec: ServiceSpec;
  version: number;
  count: number;
}

export interface OfferLaunch {
  agentId: string;
  offerIds: string[];
  tasks: ServicesLaunch[];
}

export interface LaunchPlan {
  launches: OfferLaunch[];
  records: InstanceRecord[];
  /** Instances asked for that the offers could not take now. */
  unplaced: number;
}

/** A task id for a new instance of a service: its id made id-safe, its version and a random part. */
export function newTaskId(serviceId: string, version: number): string {
  const slug = serviceId.replace(/^\/+/, '').replace(/\//g, '_').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 150) || 'service';
  return `${slug}.v${version}.${randomBytes(4).toString('hex')}`;
}

function offerAgents(offers: readonly ServicesOffer[], role: string, flags: (agentId: string) => Pick<AgentView, 'draining' | 'underPressure' | 'unreachable'>): AgentView[] {
  const byAgent = new Map<string, AgentView>();
  for (const o of offers) {
    if (o.role !== role) continue;
    const a = byAgent.get(o.agentId);
    if (!a) {
      byAgent.set(o.agentId, { id: o.agentId, hostname: o.hostname, attributes: o.attributes, free: { cpus: o.cpus, memMb: o.memMb, diskMb: o.diskMb, ports: [...o.ports] }, ...flags(o.agentId) });
      continue;
    }
    const ports: PortRange[] = [...a.free.ports, ...o.ports];
    a.free = { cpus: a.free.cpus + o.cpus, memMb: a.free.memMb + o.memMb, diskMb: a.free.diskMb + o.diskMb, ports };
  }
  return [...byAgent.values()];
}

/**
 * Places `wants` (in the planner's order) on `offers`. `existing` are the observed instances: a
 * service's live ones that are not being killed count for its constraints and spreading.
 */
export function planLaunches(
  wants: readonly LaunchWant[],
  offers: readonly ServicesOffer[],
  existing: readonly Instance[],
  flags: (agentId: string) => Pick<AgentView, 'draining' | 'underPressure' | 'unreachable'>,
  nowMs: number,
): LaunchPlan {
  const byRole = new Map<string, AgentView[]>();
  const live = existing.filter((i) => !isTerminal(i.state) && !isStopping(i));
  const out = new Map<string, OfferLaunch>();
  const records: InstanceRecord[] = [];
  let unplaced = 0;
  for (const w of wants) {
    const role = w.spec.role;
    const agents = byRole.get(role) ?? offerAgents(offers, role, flags);
    const placed = place(w.spec, w.count, agents, live);
    byRole.set(role, reserve(agents, w.spec, placed.placements));
    unplaced += w.count - placed.placements.length;
    for (const p of placed.placements) {
      const agent = agents.find((a) => a.id === p.agentId)!;
      const taskId = newTaskId(w.spec.id, w.version);
      const record: InstanceRecord = { taskId, serviceId: w.spec.id, version: w.version, agentId: p.agentId, hostname: agent.hostname, ports: p.ports, launchedAtMs: nowMs };
      records.push(record);
      live.push({ id: taskId, serviceId: w.spec.id, version: w.version, agentId: p.agentId, hostname: agent.hostname, state: 'staging', healthy: undefined, ready: undefined, startedAtMs: nowMs, ports: p.ports });
      const key = `${p.agentId} ${role}`;
      const group = out.get(key) ?? { agentId: p.agentId, offerIds: offers.filter((o) => o.agentId === p.agentId && o.role === role).map((o) => o.id), tasks: [] };
      group.tasks.push({ taskId, spec: w.spec, version: w.version, agentId: p.agentId, ports: p.ports });
      out.set(key, group);
    }
  }
  return { launches: [...out.values()], records, unplaced };
}
