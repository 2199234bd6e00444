// Each role's dominant share over time, kept in the browser from the stream's updates (the master
// keeps no history), and the SVG path that draws it. Pure.

export interface Sample {
  atMs: number;
  share: number;
}

/** A bounded series per role: one sample per `minGapMs` at most, the oldest dropped past `limit`. */
export class ShareHistory {
  #series = new Map<string, Sample[]>();
  constructor(readonly limit = 240, readonly minGapMs = 1_000) {}

  add(atMs: number, shares: ReadonlyMap<string, number>): void {
    for (const [role, share] of shares) {
      const series = this.#series.get(role) ?? [];
      const last = series.at(-1);
      if (last && atMs - last.atMs < this.minGapMs) last.share = share;
      else series.push({ atMs, share });
      if (series.length > this.limit) series.splice(0, series.length - this.limit);
      this.#series.set(role, series);
    }
  }

  series(role: string): readonly Sample[] {
    return this.#series.get(role) ?? [];
  }
}

/** An SVG path over [fromMs, toMs] x [0, maxShare] in a width x height box (y grows down). */
export function sharePath(samples: readonly Sample[], box: { width: number; height: number; fromMs: number; toMs: number; maxShare: number }): string {
  if (samples.length === 0) return '';
  const span = Math.max(1, box.toMs - box.fromMs);
  const max = box.maxShare > 0 ? box.maxShare : 1;
  const x = (t: number): number => Math.round(((t - box.fromMs) / span) * box.width * 10) / 10;
  const y = (s: number): number => Math.round((box.height - (Math.min(s, max) / max) * box.height) * 10) / 10;
  const points = samples.map((s) => `${x(s.atMs)},${y(s.share)}`);
  if (points.length === 1) points.push(`${box.width},${y(samples[0]!.share)}`);
  return `M${points.join(' L')}`;
}

/** The time the chart spans: from its first sample to now, at least `minMs`, at most `maxMs`. */
export function chartSpan(samples: readonly Sample[], nowMs: number, minMs = 30_000, maxMs = 240_000): { fromMs: number; toMs: number } {
  const first = samples[0]?.atMs ?? nowMs;
  return { fromMs: nowMs - Math.min(maxMs, Math.max(minMs, nowMs - first)), toMs: nowMs };
}
