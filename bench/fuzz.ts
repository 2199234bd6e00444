// fuzz: at least 1,000,000 malformed, oversized and mutated inputs through every edge where outside
// input enters berth (bench/fuzz-targets.ts): protocol frames, service and batch spec files, HTTP
// action bodies, stream queries. Reports per target the inputs tried, crashes (an exception the
// code's contract does not allow), hangs (one input over --hang-ms), the slowest input, and the
// process's peak RSS and its heap growth after a forced GC (unbounded memory would show there).
// The baseline, in the same run: the seeds alone (valid inputs), time per input.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseFlags } from './flags.js';
import { fuzzTargets, type FuzzTarget } from './fuzz-targets.js';
import { mulberry32 } from './random.js';
import { machine, type BenchReport } from './report.js';

const FLAGS = {
  inputs: { kind: 'int', min: 1, max: 100_000_000, default: 1_000_000, help: 'mutated inputs in all, shared among the targets by weight' },
  seed: { kind: 'int', min: 0, max: 2 ** 31, default: 1, help: 'PRNG seed (the same seed gives the same inputs)' },
  'hang-ms': { kind: 'int', min: 1, max: 60_000, default: 1_000, help: 'one input taking longer than this counts as a hang' },
  'keep-slowest': { kind: 'string', help: 'write the slowest input of each target into this folder, to look at' },
} as const;

const MAX_INPUT_BYTES = 1024 * 1024;

/** Interesting bytes to splice in: boundaries, quotes, YAML and JSON syntax, varint edges. */
const TOKENS = ['\0', '\xff', '"', "'", '\\', '{', '}', '[', ']', ':', ',', '-', '&a', '*a', '!!binary', '<<', '\n', '  ', '1e308', '-0', 'NaN', '\u202e', '%', '${PORT0}', '\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01'].map((s) => Buffer.from(s, 'latin1'));

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;

/** One mutation of a seed: flips, inserts, deletes, truncation, splices, repeats, random junk. */
export function mutate(r: Rand, seed: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  const b = Buffer.from(seed);
  const at = (): number => Math.floor(r() * (b.length + 1));
  switch (Math.floor(r() * 9)) {
    case 0: {
      const out = Buffer.from(b);
      for (let i = 0, n = 1 + Math.floor(r() * 8); i < n && out.length > 0; i++) out[Math.floor(r() * out.length)]! ^= 1 << Math.floor(r() * 8);
      return out;
    }
    case 1: {
      const i = at();
      return Buffer.concat([b.subarray(0, i), pick(r, TOKENS), b.subarray(i)]);
    }
    case 2: {
      const i = at();
      return Buffer.concat([b.subarray(0, i), b.subarray(Math.min(b.length, i + 1 + Math.floor(r() * 16)))]);
    }
    case 3:
      return b.subarray(0, at());
    case 4: {
      const other = pick(r, others);
      return Buffer.concat([b.subarray(0, at()), other.subarray(Math.floor(r() * (other.length + 1)))]);
    }
    case 5: {
      // A part repeated many times: deep nesting, long strings, large counts, oversize frames.
      const i = at();
      const j = Math.min(b.length, i + 1 + Math.floor(r() * 8));
      const times = pick(r, [2, 10, 1_000, 100_000]);
      const part = b.subarray(i, j);
      const grown = Buffer.concat([b.subarray(0, i), Buffer.alloc(Math.min(part.length * times, MAX_INPUT_BYTES), part.length > 0 ? part : Buffer.from('[')), b.subarray(j)]);
      return grown.subarray(0, MAX_INPUT_BYTES);
    }
    case 6: {
      const out = Buffer.alloc(Math.floor(r() * 512));
      for (let i = 0; i < out.length; i++) out[i] = Math.floor(r() * 256);
      return out;
    }
    case 7: {
      const i = at();
      return Buffer.concat([b.subarray(0, i), Buffer.from(String(pick(r, [-1, 0, 2 ** 31, 2 ** 53, 1e21, -1e-9]))), b.subarray(i)]);
    }
    default:
      return mutate(r, mutate(r, seed, others), others);
  }
}

interface Row {
  target: string;
  inputs: number;
  crashes: number;
  hangs: number;
  slowestMs: number;
  usPerInput: number;
  seedUsPerInput: number;
  firstCrash?: string;
  slowest?: Uint8Array;
}

function time(run: () => void): number {
  const t0 = performance.now();
  run();
  return performance.now() - t0;
}

function fuzzOne(target: FuzzTarget, count: number, r: Rand, hangMs: number): Row {
  let crashes = 0;
  let hangs = 0;
  let slowest = 0;
  let firstCrash: string | undefined;
  let slowestInput: Uint8Array | undefined;
  let seedMs = 0;
  const seedRounds = 20;
  for (let i = 0; i < seedRounds; i++) for (const s of target.seeds) seedMs += time(() => target.run(s));
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const input = mutate(r, pick(r, target.seeds), target.seeds);
    const started = performance.now();
    try {
      target.run(input);
    } catch (err) {
      crashes++;
      firstCrash ??= `${(err as Error)?.stack ?? String(err)}`.split('\n').slice(0, 3).join(' | ') + ` (input: ${JSON.stringify(Buffer.from(input).subarray(0, 80).toString('latin1'))})`;
    }
    const took = performance.now() - started;
    if (took > hangMs) hangs++;
    if (took > slowest) {
      slowest = took;
      slowestInput = input;
    }
  }
  const elapsed = performance.now() - t0;
  return {
    target: target.name, inputs: count, crashes, hangs, slowestMs: slowest,
    usPerInput: (elapsed * 1000) / count, seedUsPerInput: (seedMs * 1000) / (seedRounds * target.seeds.length),
    ...(firstCrash ? { firstCrash } : {}),
    ...(slowestInput ? { slowest: slowestInput } : {}),
  };
}

export async function run(args: readonly string[]): Promise<BenchReport> {
  const f = parseFlags('fuzz', args, FLAGS);
  // Run from dist/bench: the examples are two folders up.
  const targets = await fuzzTargets(fileURLToPath(new URL('../../', import.meta.url)));
  const r = mulberry32(f.seed);
  const totalWeight = targets.reduce((s, t) => s + t.weight, 0);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  const rows: Row[] = [];
  for (const target of targets) {
    const count = Math.max(1, Math.round((f.inputs * target.weight) / totalWeight));
    process.stderr.write(`fuzz: ${target.name}: ${count.toLocaleString('en-US')} inputs\n`);
    rows.push(fuzzOne(target, count, r, f['hang-ms']));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const keep = f['keep-slowest'];
  if (keep !== undefined) {
    await mkdir(keep, { recursive: true });
    for (const [i, x] of rows.entries()) if (x.slowest) await writeFile(join(keep, `${i}-slowest.bin`), x.slowest);
  }
  for (const x of rows) delete x.slowest;
  gc?.();
  const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const inputs = rows.reduce((s, x) => s + x.inputs, 0);
  const crashes = rows.reduce((s, x) => s + x.crashes, 0);
  const hangs = rows.reduce((s, x) => s + x.hangs, 0);
  const peakRssMb = peakRss / 2 ** 20;
  return {
    bench: 'fuzz',
    title: `fuzz: ${inputs.toLocaleString('en-US')} mutated inputs (seed ${f.seed}) through berth's input edges; baseline: the valid seeds, time per input (${machine()})`,
    columns: ['target', 'inputs', 'crashes', 'hangs', 'slowest ms', 'us/input', 'us/seed (valid)'],
    rows: rows.map((x) => [x.target, x.inputs, x.crashes, x.hangs, x.slowestMs.toFixed(1), x.usPerInput.toFixed(1), x.seedUsPerInput.toFixed(1)]),
    results: { rows, inputs, crashes, hangs, peakRssMb, heapGrowthMb, gcExposed: Boolean(gc) },
    targets: [
      { name: 'inputs tried', value: inputs, unit: '', op: '>=', target: 1_000_000 },
      { name: 'crashes', value: crashes, unit: '', op: '<=', target: 0 },
      { name: `hangs (an input over ${f['hang-ms']} ms)`, value: hangs, unit: '', op: '<=', target: 0 },
      { name: 'peak RSS', value: Math.round(peakRssMb), unit: 'MiB', op: '<=', target: 1024 },
    ],
    notes: [
      `peak RSS ${peakRssMb.toFixed(0)} MiB; heap after GC ${heapGrowthMb >= 0 ? '+' : ''}${heapGrowthMb.toFixed(1)} MiB against before${gc ? '' : ' (run node with --expose-gc for a forced GC)'}`,
      ...rows.filter((x) => x.firstCrash).map((x) => `first crash in ${x.target}: ${x.firstCrash}`),
    ],
  };
}
