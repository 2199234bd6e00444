// The scale bench's entry points and flags: `npm run bench -- scale [--cells 1000x20000,5000x100000]
// [--stores memory,redis-everysec,redis-always] [--harness compact|full] [--before DIST]
// [--lease D] [--cpu-prof DIR] [--timeout-s N]`, and the named variants scale-full, scale-profile, scale-redis.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseFlags, UsageError } from './flags.js';
import type { BenchReport } from './report.js';
import { FULL, QUICK, run as runMatrix, type ScaleOptions } from './scale.js';
import { HarnessKind, StoreKind, type ScaleCell } from './scale-cell.js';

const FLAGS = {
  cells: { kind: 'string', help: 'AGENTSxTASKS cells after the baseline, comma-separated (default: the full agent at 100 and 1,000 agents, then the compact pool at 1,000, 5,000 and 10,000)' },
  stores: { kind: 'string', default: 'memory', help: 'stores each cell runs on: memory, redis-everysec, redis-always, comma-separated' },
  harness: { kind: 'string', default: 'compact', help: 'what plays the agents in --cells: compact (bench/hollow-pool.ts) or full (the Agent class)' },
  before: { kind: 'string', help: "another build's dist/ folder: each cell runs on its master too, with this harness, just before this build's" },
  lease: { kind: 'string', help: "every master's --lease (like 60s): on a machine so loaded that a starved master steps down; nothing measured depends on it" },
  'cpu-prof': { kind: 'string', help: 'run the master under --cpu-prof, profiles into this folder' },
  'timeout-s': { kind: 'int', min: 10, default: 240, help: 'longest launch of one cell' },
} as const;

function parseCells(raw: string, problems: string[]): { agents: number; tasks: number }[] {
  return raw.split(',').flatMap((part) => {
    const m = /^(\d+)x(\d+)$/.exec(part.trim());
    const agents = Number(m?.[1]);
    const tasks = Number(m?.[2]);
    if (!m || agents < 1 || tasks < 1) {
      problems.push(`--cells: each cell is AGENTSxTASKS with both at least 1 (like 5000x100000), got ${JSON.stringify(part)}`);
      return [];
    }
    return [{ agents, tasks }];
  });
}

function oneOf<T extends string>(flag: string, raw: string, values: Record<string, T>, problems: string[]): T[] {
  const allowed = Object.values(values);
  return raw.split(',').flatMap((v) => {
    if ((allowed as string[]).includes(v.trim())) return [v.trim() as T];
    problems.push(`--${flag} must be one of ${allowed.join(', ')} (comma-separated), got ${JSON.stringify(v)}`);
    return [];
  });
}

/** Every cell on every store, each right after the same cell on the --before build when given. */
export function matrix(cells: readonly ScaleCell[], stores: readonly StoreKind[], before: string | undefined, extra: Pick<ScaleCell, 'cpuProfDir' | 'lease'> = {}): ScaleCell[] {
  return cells.flatMap((cell) => stores.flatMap((store) => {
    const mine: ScaleCell = { ...cell, store, ...extra };
    // The full agent is measured on its own; a before/after pair is about the master.
    return before && cell.harness !== HarnessKind.FULL ? [{ ...mine, build: before }, mine] : [mine];
  }));
}

export async function run(args: readonly string[]): Promise<BenchReport> {
  const f = parseFlags('scale', args, FLAGS);
  const problems: string[] = [];
  const stores = oneOf('stores', f.stores, StoreKind, problems);
  const [harness] = oneOf('harness', f.harness, HarnessKind, problems);
  const cells = f.cells === undefined ? QUICK.cells : parseCells(f.cells, problems).map((c) => ({ ...c, harness: harness ?? HarnessKind.COMPACT }));
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const before = f.before === undefined ? undefined : resolve(f.before);
  if (f['cpu-prof']) await mkdir(f['cpu-prof'], { recursive: true });
  const extra = { ...(f['cpu-prof'] ? { cpuProfDir: f['cpu-prof'] } : {}), ...(f.lease ? { lease: f.lease } : {}) };
  return runMatrix({ baseline: { ...QUICK.baseline, ...(f.lease ? { lease: f.lease } : {}) }, cells: matrix(cells, stores, before, extra), cellTimeoutMs: f['timeout-s'] * 1000 });
}

/** The whole matrix at 100,000 tasks per cell (several minutes longer than the default). */
export function runFull(): Promise<BenchReport> {
  return runMatrix(FULL);
}

/** Only the 5,000-agent cell, with the master under --cpu-prof; the profile lands in /tmp. */
export async function runProfile(): Promise<BenchReport> {
  const dir = '/tmp/berth-scale-prof';
  await mkdir(dir, { recursive: true });
  return runMatrix({ cells: [{ agents: 5_000, tasks: 100_000, cpuProfDir: dir }] });
}

/** The memory store next to Redis at appendfsync everysec and always, at 1,000 and 5,000 agents. */
export function runRedis(): Promise<BenchReport> {
  const options: ScaleOptions = {
    ...QUICK,
    cells: matrix([{ agents: 1_000, tasks: 20_000 }, { agents: 5_000, tasks: 100_000 }], Object.values(StoreKind), undefined),
  };
  return runMatrix(options);
}
