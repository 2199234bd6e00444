// What every bench returns, and the two ways it is shown: an aligned table for people and, with
// --json FILE, the JSON that docs/architecture.md (Benchmarks) describes.
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';

export interface Target {
  name: string;
  value: number;
  unit: string;
  op: '<=' | '<' | '>=' | '>';
  target: number;
  met?: boolean;
}

export interface BenchReport {
  bench: string;
  /** One line above the table, e.g. what is measured and against which baseline. */
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Machine-readable rows for the JSON. */
  results: Record<string, unknown>;
  targets: Target[];
  notes?: string[];
}

export function machine(): string {
  const list = cpus();
  const model = list[0]?.model.trim() ?? 'unknown cpu';
  return `${list.length} cores, ${model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`;
}

export function isMet(t: Target): boolean {
  switch (t.op) {
    case '<=':
      return t.value <= t.target;
    case '<':
      return t.value < t.target;
    case '>=':
      return t.value >= t.target;
    case '>':
      return t.value > t.target;
  }
}

/** p in [0, 100] of already sorted values (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function formatTable(columns: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [columns, ...rows].map((row) => row.map((c) => (typeof c === 'number' ? fmtNumber(c) : c)));
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(cells[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function fmtNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export function printReport(report: BenchReport): void {
  console.log(`${report.bench}: ${report.title}`);
  console.log(`machine: ${machine()}`);
  console.log('');
  console.log(formatTable(report.columns, report.rows));
  for (const note of report.notes ?? []) console.log(`note: ${note}`);
  if (report.targets.length > 0) {
    console.log('');
    for (const t of report.targets) {
      console.log(`target ${isMet(t) ? 'MET ' : 'MISSED'}  ${t.name}: ${fmtNumber(t.value)} ${t.unit} ${t.op} ${t.target} ${t.unit}`);
    }
  }
}

export async function writeJson(file: string, report: BenchReport): Promise<void> {
  const json = {
    bench: report.bench,
    machine: machine(),
    at: new Date().toISOString(),
    results: report.results,
    targets: report.targets.map((t) => ({ ...t, met: isMet(t) })),
  };
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
}
