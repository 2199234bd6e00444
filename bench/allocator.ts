// One allocation run at 1,000 to 50,000 agents x 100 and 1,000 frameworks: berth's DrfAllocator
// next to the first simple allocator (NaiveDrfAllocator, the previous build) on the same
// snapshot, in the same process, so the ratio holds on a shared machine. Pure CPU: no runtime,
// no network; the snapshot is built before timing starts. The 1,000-framework cells make a curve
// of run time against agents (the Mesos paper emulated 50,000).
import { performance } from 'node:perf_hooks';
import { DrfAllocator, NaiveDrfAllocator, type Allocator, type AllocationSnapshot, type RoleConfig } from '../master/allocator/index.js';
import { agentSlot, frameworkSlot, res } from '../master/allocator/snapshot-builder.js';
import { percentile, type BenchReport, type Target } from './report.js';
import { mulberry32 } from './random.js';

/** Mesos 1.7's HierarchicalAllocator benchmark at 10,000 agents x 1,000 frameworks. */
const MESOS_1_7_MS = 1060;
const TARGET_MS = 100;
/** The cells the targets are read from. */
const TARGET_CELLS = [10_000, 50_000];

interface Cell {
  agents: number;
  frameworks: number;
}

const CELLS: Cell[] = [
  { agents: 1_000, frameworks: 100 },
  { agents: 1_000, frameworks: 1_000 },
  { agents: 5_000, frameworks: 1_000 },
  { agents: 10_000, frameworks: 100 },
  { agents: 10_000, frameworks: 1_000 },
  { agents: 20_000, frameworks: 1_000 },
  { agents: 50_000, frameworks: 1_000 },
];

/**
 * A mixed cluster: 32-cpu agents, about half partly used, 5% with a reservation, 1% draining;
 * 10 teams with weights and sub-roles, one below its quota guarantee and one with a limit;
 * frameworks with existing allocations, some with two roles, decline filters and outstanding offers.
 */
export function cluster({ agents: agentCount, frameworks: frameworkCount }: Cell, seed = 42): AllocationSnapshot {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const roleNames: string[] = [];
  const roles = new Map<string, RoleConfig>();
  for (let t = 0; t < 10; t++) {
    roleNames.push(`team${t}`, `team${t}/batch`);
    roles.set(`team${t}`, { weight: 1 + (t % 3) });
  }
  roles.set('team0', { weight: 2, quotaGuarantee: res({ cpus: agentCount * 2, memMb: agentCount * 4096 }) });
  roles.set('team1', { weight: 1, quotaLimit: res({ cpus: agentCount * 1.5 }) });

  const agents = [];
  for (let i = 0; i < agentCount; i++) {
    const used = rnd() < 0.5 ? 0.25 + rnd() * 0.5 : 0;
    const reserved = rnd() < 0.05 ? { [pick(roleNames)]: { cpus: 4, memMb: 16_384 } } : undefined;
    const cpus = 32;
    const memMb = 131_072;
    const freeCpus = Math.round(cpus * (1 - used)) - (reserved ? 4 : 0);
    const freeMem = Math.round(memMb * (1 - used)) - (reserved ? 16_384 : 0);
    agents.push(
      agentSlot(`agent-${i}`, {
        total: { cpus, memMb, diskMb: 1_000_000, ports: '31000-32000' },
        free: { cpus: freeCpus, memMb: freeMem, diskMb: 800_000, ports: used > 0 ? '31100-32000' : '31000-32000' },
        ...(reserved ? { reservedFree: reserved } : {}),
        draining: rnd() < 0.01,
      }),
    );
  }
  const frameworks = [];
  for (let f = 0; f < frameworkCount; f++) {
    const role = pick(roleNames);
    const twoRoles = rnd() < 0.1;
    const other = pick(roleNames);
    const filters =
      rnd() < 0.2
        ? Array.from({ length: 5 }, () => ({ agentId: `agent-${Math.floor(rnd() * agentCount)}`, resources: { cpus: 32, memMb: 131_072, diskMb: 1_000_000, ports: '31000-32000' }, untilMs: 2_000_000 }))
        : [];
    const offeredAgents = rnd() < 0.1 ? Array.from({ length: 3 }, () => `agent-${Math.floor(rnd() * agentCount)}`) : [];
    frameworks.push(
      frameworkSlot(`fw-${f}`, {
        roles: twoRoles && other !== role ? [role, other] : [role],
        allocated: { [role]: { cpus: Math.round(rnd() * agentCount * 0.1), memMb: Math.round(rnd() * agentCount * 400) } },
        suppressed: rnd() < 0.05 ? [role] : [],
        filters,
        offeredAgents,
      }),
    );
  }
  return { nowMs: 1_000_000, agents, frameworks, roles, minOffer: { cpus: 0.01, memMb: 32 } };
}

interface Timing {
  p50: number;
  p99: number;
  runs: number;
  offers: number;
}

function time(allocator: Allocator, snapshot: AllocationSnapshot, warmup: number, runs: number): Timing {
  let offers = 0;
  for (let i = 0; i < warmup; i++) offers = allocator.allocate(snapshot).offers.length;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    offers = allocator.allocate(snapshot).offers.length;
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), runs, offers };
}

export async function run(): Promise<BenchReport> {
  const rows: (string | number)[][] = [];
  const results: Record<string, unknown> = {};
  const targets: Target[] = [];
  const measured: { agents: number; berth: Timing }[] = [];
  for (const cell of CELLS) {
    const snapshot = cluster(cell);
    const big = cell.agents * cell.frameworks >= 10_000_000;
    const huge = cell.agents * cell.frameworks >= 40_000_000;
    const berth = time(new DrfAllocator(), snapshot, 5, big ? 30 : 100);
    const baseline = time(new NaiveDrfAllocator(), snapshot, 1, huge ? 3 : big ? 5 : 20);
    const speedup = baseline.p50 / berth.p50;
    const key = `${cell.agents}x${cell.frameworks}`;
    rows.push([`${cell.agents} x ${cell.frameworks}`, berth.p50, berth.p99, berth.runs, berth.offers, baseline.p50, baseline.p99, baseline.offers, `${speedup.toFixed(1)}x`]);
    results[key] = { agents: cell.agents, frameworks: cell.frameworks, berth, baseline, speedup };
    if (cell.frameworks === 1_000) measured.push({ agents: cell.agents, berth });
    if (TARGET_CELLS.includes(cell.agents) && cell.frameworks === 1_000) {
      targets.push({ name: `run at ${cell.agents} agents x 1000 frameworks, p50`, value: round2(berth.p50), unit: 'ms', op: '<=', target: TARGET_MS });
      targets.push({ name: `run at ${cell.agents} agents x 1000 frameworks, p99`, value: round2(berth.p99), unit: 'ms', op: '<=', target: TARGET_MS });
    }
  }
  results['mesos-1.7-ms'] = MESOS_1_7_MS;
  const curve = growth(measured);
  results['curve-1000-frameworks'] = curve;
  return {
    bench: 'allocator',
    title: 'one allocation run (ms), DrfAllocator vs the previous NaiveDrfAllocator on the same snapshot',
    columns: ['agents x frameworks', 'p50 ms', 'p99 ms', 'runs', 'offers', 'naive p50', 'naive p99', 'naive offers', 'speed-up'],
    rows,
    results,
    targets,
    notes: [
      `Mesos 1.7 took about ${MESOS_1_7_MS} ms for one run at 10000 x 1000; target ${TARGET_MS} ms.`,
      'offers differ from the baseline: it ignores sub-role order, quota headroom and limits on ancestors.',
      `run time against agents at 1000 frameworks (p50): ${curve.map((p) => `${p.agents}: ${p.p50Ms} ms (${p.usPerAgent} us/agent, ${p.vsFirst}x)`).join(', ')}`,
    ],
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

interface CurvePoint {
  agents: number;
  p50Ms: number;
  usPerAgent: number;
  /** This cell's p50 over the smallest cell's. */
  vsFirst: number;
}

/** The 1,000-framework cells by agents: how one run grows with the cluster (linear growth keeps us/agent flat). */
function growth(measured: readonly { agents: number; berth: Timing }[]): CurvePoint[] {
  const cells = [...measured].sort((a, b) => a.agents - b.agents);
  const first = cells[0]?.berth.p50 ?? NaN;
  return cells.map((c) => ({ agents: c.agents, p50Ms: round2(c.berth.p50), usPerAgent: round2((c.berth.p50 * 1000) / c.agents), vsFirst: round2(c.berth.p50 / first) }));
}
