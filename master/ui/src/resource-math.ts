// The arithmetic behind the resource bars and share charts: used / offered / free of a total,
// cluster totals, per-role use and dominant shares. Pure, so it is unit-tested alone.
import type { AgentView, FrameworkView, MasterState, Res, RoleView } from './types.js';

export const SCALARS = ['cpus', 'memMb', 'diskMb', 'gpus'] as const;
export type Scalar = (typeof SCALARS)[number];

export interface Segments {
  total: number;
  used: number;
  offered: number;
  free: number;
  /** Fractions of the total (0..1, adding up to at most 1), for drawing. */
  usedFrac: number;
  offeredFrac: number;
  freeFrac: number;
}

const clamp01 = (n: number): number => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0);
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Splits a total into used, offered and free; over-commitment is drawn as full, never past the end. */
export function segments(total: number, used: number, offered: number): Segments {
  const t = Math.max(0, total);
  const u = Math.max(0, used);
  const o = Math.max(0, offered);
  const free = round3(Math.max(0, t - u - o));
  if (t === 0) return { total: 0, used: u, offered: o, free: 0, usedFrac: 0, offeredFrac: 0, freeFrac: 0 };
  const usedFrac = clamp01(u / t);
  const offeredFrac = Math.min(clamp01(o / t), 1 - usedFrac);
  return { total: t, used: u, offered: o, free, usedFrac, offeredFrac, freeFrac: Math.max(0, 1 - usedFrac - offeredFrac) };
}

export function emptyRes(): Res {
  return { cpus: 0, memMb: 0, diskMb: 0, gpus: 0, ports: [] };
}

export function addRes(a: Res, b: Partial<Res> | undefined): Res {
  const out = { ...a };
  for (const s of SCALARS) out[s] = round3(a[s] + (b?.[s] ?? 0));
  return out;
}

/** Total, used and offered over the connected agents (what the allocator can give). */
export function clusterTotals(agents: readonly AgentView[]): { total: Res; used: Res; offered: Res } {
  let total = emptyRes();
  let used = emptyRes();
  let offered = emptyRes();
  for (const a of agents) {
    if (!a.connected) continue;
    total = addRes(total, a.total);
    used = addRes(used, a.used);
    offered = addRes(offered, a.offered);
  }
  return { total, used, offered };
}

/** What each role's tasks hold, summed over the frameworks (`allocated` is by role). */
export function usedByRole(frameworks: readonly FrameworkView[]): Map<string, Res> {
  const out = new Map<string, Res>();
  for (const f of frameworks) {
    for (const [role, r] of Object.entries(f.allocated)) out.set(role, addRes(out.get(role) ?? emptyRes(), r));
  }
  return out;
}

/** The largest share of any resource the cluster has (DRF's dominant share), with that resource. */
export function dominantShare(held: Res | undefined, total: Res): { share: number; resource: Scalar | '' } {
  let best: { share: number; resource: Scalar | '' } = { share: 0, resource: '' };
  if (!held) return best;
  for (const s of SCALARS) {
    if (total[s] <= 0) continue;
    const share = held[s] / total[s];
    if (share > best.share) best = { share, resource: s };
  }
  return best;
}

export interface RoleRow {
  name: string;
  weight: number;
  used: Res;
  dominant: { share: number; resource: Scalar | '' };
  /** The share of its weight among the roles in use (weighted DRF's fair share). */
  fairShare: number;
  /** The dominant share of its quota guarantee and limit, when set. */
  guaranteeShare: number | null;
  limitShare: number | null;
  quotaGuarantee: Res | undefined;
  quotaLimit: Res | undefined;
}

/** One row per role that has a configuration or holds resources, sorted by name. */
export function roleRows(state: Pick<MasterState, 'agents' | 'frameworks'>, roles: readonly RoleView[]): RoleRow[] {
  const { total } = clusterTotals(state.agents);
  const used = usedByRole(state.frameworks);
  const config = new Map(roles.map((r) => [r.name, r]));
  const names = [...new Set([...config.keys(), ...used.keys(), ...state.frameworks.flatMap((f) => f.roles)])].sort();
  const weightOf = (name: string): number => config.get(name)?.weight ?? 1;
  const weights = names.reduce((s, n) => s + weightOf(n), 0);
  return names.map((name) => {
    const c = config.get(name);
    const share = (r: Res | undefined): number | null => (r ? dominantShare(r, total).share : null);
    return {
      name,
      weight: weightOf(name),
      used: used.get(name) ?? emptyRes(),
      dominant: dominantShare(used.get(name), total),
      fairShare: weights > 0 ? weightOf(name) / weights : 0,
      guaranteeShare: share(c?.quotaGuarantee),
      limitShare: share(c?.quotaLimit),
      quotaGuarantee: c?.quotaGuarantee,
      quotaLimit: c?.quotaLimit,
    };
  });
}

/** Numbers for people: "1.5", "512 MB", "2 GB". */
export function formatAmount(scalar: Scalar, n: number): string {
  if (scalar === 'memMb' || scalar === 'diskMb') return n >= 1024 ? `${round1(n / 1024)} GB` : `${round1(n)} MB`;
  return String(round1(n));
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

export const SCALAR_LABEL: Record<Scalar, string> = { cpus: 'CPU', memMb: 'memory', diskMb: 'disk', gpus: 'GPU' };
