// Resource arithmetic: scalars kept at three decimals (like Mesos' fixed point), ports as sorted,
// merged, inclusive ranges. Every function is pure and returns new objects.
import type { Range, Resources } from './messages.js';

/** A resources value with every field present. */
export interface Res {
  cpus: number;
  memMb: number;
  diskMb: number;
  gpus: number;
  ports: Range[];
}

export const SCALARS = ['cpus', 'memMb', 'diskMb', 'gpus'] as const;
export type Scalar = (typeof SCALARS)[number];

const round = (n: number): number => Math.round(n * 1000) / 1000;

export function empty(): Res {
  return { cpus: 0, memMb: 0, diskMb: 0, gpus: 0, ports: [] };
}

/** Fills defaults and merges port ranges; use on anything that came off the wire. */
export function normalize(r: Resources | null | undefined): Res {
  return {
    cpus: round(r?.cpus ?? 0),
    memMb: round(r?.memMb ?? 0),
    diskMb: round(r?.diskMb ?? 0),
    gpus: round(r?.gpus ?? 0),
    ports: mergeRanges((r?.ports ?? []).map((p) => ({ begin: p.begin ?? 0, end: p.end ?? 0 }))),
  };
}

export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = ranges
    .map((r) => ({ begin: r.begin ?? 0, end: r.end ?? 0 }))
    .filter((r) => r.end >= r.begin)
    .sort((a, b) => a.begin - b.begin);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.begin <= (last.end ?? 0) + 1) last.end = Math.max(last.end ?? 0, r.end);
    else out.push({ ...r });
  }
  return out;
}

function subtractRanges(from: readonly Range[], take: readonly Range[]): Range[] {
  let out = from.map((r) => ({ begin: r.begin ?? 0, end: r.end ?? 0 }));
  for (const t of take) {
    const tb = t.begin ?? 0;
    const te = t.end ?? 0;
    const next: { begin: number; end: number }[] = [];
    for (const r of out) {
      if (te < r.begin || tb > r.end) next.push(r);
      else {
        if (tb > r.begin) next.push({ begin: r.begin, end: tb - 1 });
        if (te < r.end) next.push({ begin: te + 1, end: r.end });
      }
    }
    out = next;
  }
  return out;
}

function rangesContain(outer: readonly Range[], inner: readonly Range[]): boolean {
  return inner.every((i) =>
    outer.some((o) => (o.begin ?? 0) <= (i.begin ?? 0) && (i.end ?? 0) <= (o.end ?? 0)),
  );
}

export function add(a: Res, b: Res): Res {
  return {
    cpus: round(a.cpus + b.cpus),
    memMb: round(a.memMb + b.memMb),
    diskMb: round(a.diskMb + b.diskMb),
    gpus: round(a.gpus + b.gpus),
    ports: mergeRanges([...a.ports, ...b.ports]),
  };
}

/** a - b; callers check contains(a, b) first when a negative result would be a bug. */
/** a + sign × b on the scalars only, ports left empty: for sums across agents, whose ports overlap. */
export function addScalars(a: Res, b: Res, sign: 1 | -1 = 1): Res {
  return { cpus: round(a.cpus + sign * b.cpus), memMb: round(a.memMb + sign * b.memMb), diskMb: round(a.diskMb + sign * b.diskMb), gpus: round(a.gpus + sign * b.gpus), ports: [] };
}

export function subtract(a: Res, b: Res): Res {
  return {
    cpus: round(a.cpus - b.cpus),
    memMb: round(a.memMb - b.memMb),
    diskMb: round(a.diskMb - b.diskMb),
    gpus: round(a.gpus - b.gpus),
    ports: subtractRanges(a.ports, b.ports),
  };
}

/** Whether a holds at least everything in b. */
export function contains(a: Res, b: Res): boolean {
  return (
    a.cpus >= b.cpus &&
    a.memMb >= b.memMb &&
    a.diskMb >= b.diskMb &&
    a.gpus >= b.gpus &&
    rangesContain(a.ports, b.ports)
  );
}

export function isEmpty(r: Res): boolean {
  return r.cpus <= 0 && r.memMb <= 0 && r.diskMb <= 0 && r.gpus <= 0 && r.ports.length === 0;
}

export function portCount(r: Res): number {
  return r.ports.reduce((n, p) => n + (p.end ?? 0) - (p.begin ?? 0) + 1, 0);
}

/** The first n ports of r, as single-port ranges, or undefined when r has fewer. */
export function takePorts(r: Res, n: number): Range[] | undefined {
  const out: Range[] = [];
  for (const p of r.ports) {
    for (let port = p.begin ?? 0; port <= (p.end ?? 0) && out.length < n; port++) {
      out.push({ begin: port, end: port });
    }
  }
  return out.length === n ? out : undefined;
}

/** Every port of r, in order. */
export function listPorts(r: Res): number[] {
  const out: number[] = [];
  for (const p of r.ports) for (let port = p.begin ?? 0; port <= (p.end ?? 0); port++) out.push(port);
  return out;
}

/**
 * Problems with resources that came from outside, each naming the field and the rule.
 * Empty when the resources are valid.
 */
export function validate(r: Resources | null | undefined, field: string): string[] {
  const problems: string[] = [];
  if (!r) return problems;
  for (const key of SCALARS) {
    const v = r[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) problems.push(`${field}.${key} must be a finite number, got ${String(v)}`);
    else if (v < 0) problems.push(`${field}.${key} must not be negative, got ${v}`);
  }
  (r.ports ?? []).forEach((p, i) => {
    const b = p.begin ?? 0;
    const e = p.end ?? 0;
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 1 || e > 65535) {
      problems.push(`${field}.ports[${i}] must lie within 1-65535, got ${b}-${e}`);
    } else if (e < b) problems.push(`${field}.ports[${i}] must have begin <= end, got ${b}-${e}`);
  });
  return problems;
}

/** Parses "31000-32000,8080" into ranges; throws an Error naming the bad part. */
export function parsePorts(spec: string): Range[] {
  if (spec.trim() === '') return [];
  return mergeRanges(
    spec.split(',').map((part) => {
      const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
      if (!m) throw new Error(`ports "${part}" must be PORT or BEGIN-END`);
      const begin = Number(m[1]);
      const end = m[2] === undefined ? begin : Number(m[2]);
      if (begin < 1 || end > 65535 || end < begin) throw new Error(`ports "${part}" must lie within 1-65535 with begin <= end`);
      return { begin, end };
    }),
  );
}

export function formatPorts(ranges: readonly Range[]): string {
  return ranges.map((r) => (r.begin === r.end ? `${r.begin}` : `${r.begin}-${r.end}`)).join(',');
}

/** A short human form: "cpus:1.5 mem:512MB disk:0MB ports:31000-31009". */
export function format(r: Res): string {
  const parts = [`cpus:${r.cpus}`, `mem:${r.memMb}MB`];
  if (r.diskMb) parts.push(`disk:${r.diskMb}MB`);
  if (r.gpus) parts.push(`gpus:${r.gpus}`);
  if (r.ports.length) parts.push(`ports:${formatPorts(r.ports)}`);
  return parts.join(' ');
}
