// Small helpers for what the CLI prints.

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
