// Small helpers for what the CLI prints: tables, JSON and YAML, problems, times.
import { stringify } from 'yaml';

/** An aligned text table. */
export function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '  (none)';
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}`;
  return [line(header), ...rows.map(line)].join('\n');
}

/** http://host:port or ws://host:port -> ws://host:port. */
export function wsBase(url: string): string {
  return url.replace(/^http(s?):/, 'ws$1:').replace(/\/$/, '');
}

/** An answer as JSON (indented) or YAML, ending with a newline. */
export function formatValue(format: 'json' | 'yaml', value: unknown): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
}

/** A problem as the CLI prints it: `path: rule (message)`. */
export function formatProblem(p: { path: string; rule: string; message: string }): string {
  return `${p.path || '(file)'}: ${p.rule} (${p.message})`;
}

/** How long ago (or, for a time ahead, in how long) `ms` is from `nowMs`: "5s", "3m12s", "2h". */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? `${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86_400)}d`;
}

/** A wall-clock time, to the second, in UTC: 2026-12-01 12:00:05. */
export function clock(ms: number | null | undefined): string {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19).replace('T', ' ') : '';
}

/** "1 instance" or "3 instances". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export type AnswerFormat = 'table' | 'json' | 'yaml';

/** Prints an answer: as the text `text` makes for 'table', else the value as JSON or YAML. Returns 0. */
export function printAnswer(format: AnswerFormat, value: unknown, text: () => string): number {
  const s = format === 'table' ? text() : formatValue(format, value);
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  return 0;
}

/** Where progress lines go: stdout with tables, stderr when stdout holds JSON or YAML. */
export function progressWriter(format: AnswerFormat): (line: string) => void {
  return (line) => {
    (format === 'table' ? process.stdout : process.stderr).write(`${line}\n`);
  };
}
