// Builders for allocation snapshots from short literals: the in-memory harness that drives the
// allocator in unit tests and benchmarks (the master builds real snapshots from its registry).
import { resources, type Res } from '../../protocol/index.js';
import type { AgentSlot, AllocationSnapshot, FrameworkSlot, GangRequest, RefusalFilter, RoleConfig, RunningTaskSlot } from './types.js';

/** Scalars by name; `ports` as "31000-31009,8080" or as ranges (so a Res is a ResSpec too). */
export interface ResSpec {
  cpus?: number;
  memMb?: number;
  diskMb?: number;
  gpus?: number;
  ports?: string | Res['ports'];
}

export function res(spec: ResSpec = {}): Res {
  const ports = typeof spec.ports === 'string' ? resources.parsePorts(spec.ports) : (spec.ports ?? []);
  return resources.normalize({ ...spec, ports });
}

export interface AgentSpec {
  total: ResSpec;
  /** Unreserved free; defaults to total minus the reservations. */
  free?: ResSpec;
  reservedFree?: Record<string, ResSpec>;
  draining?: boolean;
  hostname?: string;
  attributes?: Record<string, string>;
}

export function agentSlot(id: string, spec: AgentSpec): AgentSlot {
  const total = res(spec.total);
  const reservedFree = new Map(Object.entries(spec.reservedFree ?? {}).map(([role, r]) => [role, res(r)]));
  let free = spec.free ? res(spec.free) : total;
  if (!spec.free) for (const r of reservedFree.values()) free = resources.subtract(free, r);
  return { id, hostname: spec.hostname ?? id, attributes: spec.attributes ?? {}, total, free, reservedFree, draining: spec.draining ?? false };
}

export interface FrameworkSpec {
  roles: string[];
  allocated?: Record<string, ResSpec>;
  suppressed?: string[];
  filters?: { agentId: string; resources: ResSpec; untilMs: number; role?: string }[];
  offeredAgents?: string[];
  gangs?: { id: string; role: string; tasks: ResSpec[]; sinceMs?: number }[];
  offerRoom?: number;
}

export function frameworkSlot(id: string, spec: FrameworkSpec): FrameworkSlot {
  const filters: RefusalFilter[] = (spec.filters ?? []).map((f) => ({ agentId: f.agentId, resources: res(f.resources), untilMs: f.untilMs, ...(f.role ? { role: f.role } : {}) }));
  const gangs: GangRequest[] = (spec.gangs ?? []).map((g) => ({ id: g.id, role: g.role, tasks: g.tasks.map(res), sinceMs: g.sinceMs ?? 0 }));
  return {
    id,
    roles: spec.roles,
    suppressedRoles: new Set(spec.suppressed ?? []),
    allocated: new Map(Object.entries(spec.allocated ?? {}).map(([role, r]) => [role, res(r)])),
    filters,
    offeredAgents: new Set(spec.offeredAgents ?? []),
    gangs,
    ...(spec.offerRoom !== undefined ? { offerRoom: spec.offerRoom } : {}),
  };
}

export interface RoleSpec {
  weight?: number;
  quotaGuarantee?: ResSpec;
  quotaLimit?: ResSpec;
}

export interface SnapshotSpec {
  agents: Record<string, AgentSpec> | AgentSlot[];
  frameworks: Record<string, FrameworkSpec> | FrameworkSlot[];
  roles?: Record<string, RoleSpec>;
  nowMs?: number;
  minOffer?: { cpus: number; memMb: number };
  tasks?: (Omit<RunningTaskSlot, 'resources' | 'preemptible' | 'startedAtMs'> & { resources: ResSpec; preemptible?: boolean; startedAtMs?: number })[];
  gangHoldMs?: number;
}

export function snapshotOf(spec: SnapshotSpec): AllocationSnapshot {
  const agents = Array.isArray(spec.agents) ? spec.agents : Object.entries(spec.agents).map(([id, a]) => agentSlot(id, a));
  const frameworks = Array.isArray(spec.frameworks) ? spec.frameworks : Object.entries(spec.frameworks).map(([id, f]) => frameworkSlot(id, f));
  const roles = new Map<string, RoleConfig>(
    Object.entries(spec.roles ?? {}).map(([name, r]) => [
      name,
      {
        weight: r.weight ?? 1,
        ...(r.quotaGuarantee ? { quotaGuarantee: res(r.quotaGuarantee) } : {}),
        ...(r.quotaLimit ? { quotaLimit: res(r.quotaLimit) } : {}),
      },
    ]),
  );
  const snapshot: AllocationSnapshot = { nowMs: spec.nowMs ?? 1_000_000, agents, frameworks, roles, minOffer: spec.minOffer ?? { cpus: 0.01, memMb: 32 } };
  if (spec.tasks) {
    snapshot.tasks = spec.tasks.map((t) => ({ ...t, resources: res(t.resources), preemptible: t.preemptible ?? false, startedAtMs: t.startedAtMs ?? 0 }));
  }
  if (spec.gangHoldMs !== undefined) snapshot.gangHoldMs = spec.gangHoldMs;
  return snapshot;
}
