// The allocator's hot path works on the four scalars as a small Float64Array (cpus, memMb, diskMb,
// gpus) instead of Res objects, so a run allocates almost nothing per agent; ports travel apart.
import type { Res } from '../../protocol/index.js';

export const CPUS = 0;
export const MEM = 1;
export const DISK = 2;
export const GPUS = 3;
export const SCALAR_COUNT = 4;
export const SCALAR_NAMES = ['cpus', 'memMb', 'diskMb', 'gpus'] as const;
export type ScalarName = (typeof SCALAR_NAMES)[number];

/** Scalars are kept at three decimals, like protocol/resources (Mesos' fixed point). */
export const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export function vec(r?: Res): Float64Array {
  const v = new Float64Array(SCALAR_COUNT);
  if (r) load(v, r);
  return v;
}

export function load(into: Float64Array, r: Res): void {
  into[CPUS] = r.cpus;
  into[MEM] = r.memMb;
  into[DISK] = r.diskMb;
  into[GPUS] = r.gpus;
}

export function addInto(into: Float64Array, v: Float64Array): void {
  for (let k = 0; k < SCALAR_COUNT; k++) into[k] = into[k] + v[k];
}

export function addRes(into: Float64Array, r: Res): void {
  into[CPUS] = into[CPUS] + r.cpus;
  into[MEM] = into[MEM] + r.memMb;
  into[DISK] = into[DISK] + r.diskMb;
  into[GPUS] = into[GPUS] + r.gpus;
}

export function anyPositive(v: Float64Array): boolean {
  return v[CPUS] > 0 || v[MEM] > 0 || v[DISK] > 0 || v[GPUS] > 0;
}

/** Whether a holds at least b on every scalar (with a little slack for float sums). */
export function covers(a: Float64Array, b: Float64Array): boolean {
  for (let k = 0; k < SCALAR_COUNT; k++) if (a[k] + 1e-9 < b[k]) return false;
  return true;
}

/** Largest a_k / total_k: the dominant share (0 for resources the cluster has none of). */
export function dominantShare(a: Float64Array, inverseTotal: Float64Array): number {
  let share = 0;
  for (let k = 0; k < SCALAR_COUNT; k++) {
    const s = a[k] * inverseTotal[k];
    if (s > share) share = s;
  }
  return share;
}

export function toRes(v: Float64Array, ports: Res['ports'] = []): Res {
  return { cpus: round3(v[CPUS]), memMb: round3(v[MEM]), diskMb: round3(v[DISK]), gpus: round3(v[GPUS]), ports };
}
