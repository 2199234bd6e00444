// Placement: which agents get new instances of a service, given their free resources, the
// service's constraints and the instances it already has. Used against offers by the scheduler and
// against the cluster's free resources for a plan's preview. Pure and deterministic.
import type { PortSpec, ServiceSpec } from '../spec/index.js';
import { checkConstraint, fieldValue, PlacedCounts, type PlacedInstance, type Refusal } from './constraints.js';
import type { AgentView, FreeResources, Instance, PortRange } from './model.js';

/** One placed instance: its agent and the host port for each of the spec's port names. */
export interface InstancePlacement {
  agentId: string;
  ports: Record<string, number>;
}

export interface PlacementResult {
  placements: InstancePlacement[];
  /** Instances that could not be placed, with why (one entry per distinct reason). */
  pending: { count: number; reason: string }[];
}

type Fit = { ok: true; ports: Record<string, number> } | { ok: false; resource: string; need: number | string; have: number };

/** Takes the spec's ports from free ranges (sorted): fixed numbers first, then the lowest free ones. */
function takePorts(ranges: readonly PortRange[], ports: readonly PortSpec[]): Record<string, number> | undefined {
  const used = new Set<number>();
  const out: Record<string, number> = {};
  const isFree = (n: number) => !used.has(n) && ranges.some((r) => r.begin <= n && n <= r.end);
  for (const p of ports) {
    if (p.number === undefined) continue;
    if (!isFree(p.number)) return undefined;
    used.add(p.number);
    out[p.name] = p.number;
  }
  for (const p of ports) {
    if (p.number !== undefined) continue;
    let found: number | undefined;
    for (const r of ranges) {
      for (let n = r.begin; n <= r.end && found === undefined; n++) if (!used.has(n)) found = n;
      if (found !== undefined) break;
    }
    if (found === undefined) return undefined;
    used.add(found);
    out[p.name] = found;
  }
  return out;
}

const portCount = (ranges: readonly PortRange[]) => ranges.reduce((n, r) => n + Math.max(0, r.end - r.begin + 1), 0);

function fits(free: FreeResources, spec: ServiceSpec): Fit {
  const r = spec.resources;
  if (free.cpus + 1e-9 < r.cpus) return { ok: false, resource: 'cpus', need: r.cpus, have: free.cpus };
  if (free.memMb + 1e-9 < r.memMb) return { ok: false, resource: 'memMb', need: r.memMb, have: free.memMb };
  if (free.diskMb + 1e-9 < r.diskMb) return { ok: false, resource: 'diskMb', need: r.diskMb, have: free.diskMb };
  const ports = takePorts(free.ports, r.ports);
  if (!ports) {
    const fixed = r.ports.filter((p) => p.number !== undefined).map((p) => p.number).join(', ');
    return { ok: false, resource: 'ports', need: fixed ? `port ${fixed}` : r.ports.length, have: portCount(free.ports) };
  }
  return { ok: true, ports };
}

function without(free: FreeResources, spec: ServiceSpec, ports: Record<string, number>): FreeResources {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  let ranges = free.ports;
  for (const n of Object.values(ports)) {
    ranges = ranges.flatMap((r) => (n < r.begin || n > r.end ? [r] : [
      ...(n > r.begin ? [{ begin: r.begin, end: n - 1 }] : []),
      ...(n < r.end ? [{ begin: n + 1, end: r.end }] : []),
    ]));
  }
  return {
    cpus: round(free.cpus - spec.resources.cpus),
    memMb: round(free.memMb - spec.resources.memMb),
    diskMb: round(free.diskMb - spec.resources.diskMb),
    ports: ranges,
  };
}

const UNITS: Record<string, string> = { cpus: 'cpus', memMb: 'MB of memory', diskMb: 'MB of disk', ports: 'ports' };

/** Sums why each agent was refused into one sentence, most common reason first. */
function explain(refusals: (Refusal | Fit | 'draining' | 'under pressure' | 'unreachable')[]): string {
  if (refusals.length === 0) return 'no agents';
  const parts = new Map<string, { n: number; one: string; many: string }>();
  const lacks = new Map<string, { need: number | string; largest: number; agents: number }>();
  const count = (key: string, one: string, many: string) => {
    const p = parts.get(key) ?? { n: 0, one, many };
    parts.set(key, { ...p, n: p.n + 1 });
  };
  for (const r of refusals) {
    if (typeof r === 'string') count(r, `1 agent is ${r}`, `agents are ${r}`);
    else if ('key' in r) count(`${r.key}\u0000${r.one}`, `${r.key}: 1 agent ${r.one}`, `${r.key}: agents ${r.many}`);
    else if (!r.ok) {
      const l = lacks.get(r.resource) ?? { need: r.need, largest: 0, agents: 0 };
      lacks.set(r.resource, { need: r.need, largest: Math.max(l.largest, r.have), agents: l.agents + 1 });
    }
  }
  const out = [...parts.values()].sort((a, b) => b.n - a.n).map((p) => (p.n === 1 ? p.one : p.many.replace('agents', `${p.n} agents`)));
  for (const [resource, l] of lacks) {
    const who = l.agents === refusals.length ? 'no agent has' : `none of the other ${l.agents} agent${l.agents === 1 ? '' : 's'} has`;
    out.push(typeof l.need === 'string' ? `${who} ${l.need} free` : `${who} ${l.need} ${UNITS[resource]} free (largest: ${l.largest})`);
  }
  return out.join('; ');
}

/**
 * Places `count` new instances of `spec` on `agents`, one at a time: each goes to the best agent
 * that is usable (not draining, under pressure or unreachable), satisfies every constraint given
 * the service's `existing` live instances and the ones placed so far, and has the resources free
 * (ports are taken from its free ranges; a port with a number must be free as such). "Best" is the
 * agent with the fewest instances of the service (spread, the default), or the one with the least
 * cpus (then memory) left that still fits (binpack); ties go to the lower agent id.
 * Whatever cannot be placed is returned as pending with a reason naming the rule or resource.
 */
export function place(spec: ServiceSpec, count: number, agents: readonly AgentView[], existing: readonly Instance[]): PlacementResult {
  const byId = new Map(agents.map((a) => [a.id, a]));
  const placed: PlacedInstance[] = existing
    .filter((i) => i.serviceId === spec.id)
    .map((i) => ({ agentId: i.agentId, hostname: byId.get(i.agentId)?.hostname ?? i.hostname, attributes: byId.get(i.agentId)?.attributes ?? {} }));
  const free = new Map(agents.map((a) => [a.id, { ...a.free, ports: [...a.free.ports].sort((x, y) => x.begin - y.begin) }]));
  const counts = new PlacedCounts(spec.constraints.map((c) => c.field), placed);
  // GROUP_BY spreads over the values of agents that can take instances, not of those being emptied.
  const usable = agents.filter((a) => !a.unreachable && !a.draining && !a.underPressure);
  const knownCache = new Map<string, Set<string>>();
  const known = (field: string): ReadonlySet<string> => {
    let values = knownCache.get(field);
    if (!values) {
      values = new Set(usable.map((a) => fieldValue(a, field)).filter((v): v is string => v !== undefined));
      knownCache.set(field, values);
    }
    return values;
  };
  const score = (a: AgentView): number[] => {
    const f = free.get(a.id)!;
    return spec.placement === 'binpack' ? [f.cpus, f.memMb] : [counts.onAgent(a.id), -f.cpus, -f.memMb];
  };
  const better = (x: AgentView, y: AgentView): boolean => {
    const sx = score(x);
    const sy = score(y);
    for (let k = 0; k < sx.length; k++) if (sx[k] !== sy[k]) return sx[k]! < sy[k]!;
    return x.id < y.id;
  };
  const placements: InstancePlacement[] = [];
  for (let n = 0; n < count; n++) {
    const refusals: Parameters<typeof explain>[0] = [];
    let best: { agent: AgentView; ports: Record<string, number> } | undefined;
    for (const agent of agents) {
      if (agent.unreachable) { refusals.push('unreachable'); continue; }
      if (agent.draining) { refusals.push('draining'); continue; }
      if (agent.underPressure) { refusals.push('under pressure'); continue; }
      let refused: Refusal | undefined;
      for (const c of spec.constraints) if ((refused = checkConstraint(c, agent, counts, known))) break;
      if (refused) { refusals.push(refused); continue; }
      const fit = fits(free.get(agent.id)!, spec);
      if (!fit.ok) { refusals.push(fit); continue; }
      if (!best || better(agent, best.agent)) best = { agent, ports: fit.ports };
    }
    if (!best) return { placements, pending: [{ count: count - n, reason: explain(refusals) }] };
    free.set(best.agent.id, without(free.get(best.agent.id)!, spec, best.ports));
    counts.add({ agentId: best.agent.id, hostname: best.agent.hostname, attributes: best.agent.attributes });
    placements.push({ agentId: best.agent.id, ports: best.ports });
  }
  return { placements, pending: [] };
}

/**
 * The agents with what `placements` of `spec` take subtracted from their free resources, so that
 * previews for several services (or several launches) never book the same resources twice.
 */
export function reserve(agents: readonly AgentView[], spec: ServiceSpec, placements: readonly InstancePlacement[]): AgentView[] {
  const free = new Map(agents.map((a) => [a.id, a.free]));
  for (const p of placements) {
    const f = free.get(p.agentId);
    if (f) free.set(p.agentId, without(f, spec, p.ports));
  }
  return agents.map((a) => ({ ...a, free: free.get(a.id)! }));
}
