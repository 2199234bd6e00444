// A role's dominant share (DRF): its largest share of any one resource of the cluster. A plan shows
// it before and after a change, so an operator sees what a deployment does to the role's fairness.

/** The scalar resources DRF looks at. */
export interface ScalarResources {
  cpus: number;
  memMb: number;
  diskMb: number;
}

export interface DominantShare {
  /** 0..1 (may exceed 1 when the role holds more than the totals given). */
  share: number;
  /** The resource the share is of; undefined when the role holds nothing. */
  resource: keyof ScalarResources | undefined;
}

const KEYS = ['cpus', 'memMb', 'diskMb'] as const;

/** The dominant share of `held` within `totals`; resources the cluster has none of are skipped. */
export function dominantShare(held: ScalarResources, totals: ScalarResources): DominantShare {
  let best: DominantShare = { share: 0, resource: undefined };
  for (const k of KEYS) {
    if (totals[k] <= 0 || held[k] <= 0) continue;
    const share = held[k] / totals[k];
    if (share > best.share) best = { share, resource: k };
  }
  return best;
}

/**
 * A role's dominant share before and after `delta` (say, a deployment's extra instances:
 * per-instance resources × the change in count; negative to release) is added to what it holds.
 */
export function dominantShareChange(
  held: ScalarResources,
  delta: ScalarResources,
  totals: ScalarResources,
): { before: DominantShare; after: DominantShare } {
  const after = {
    cpus: Math.max(0, held.cpus + delta.cpus),
    memMb: Math.max(0, held.memMb + delta.memMb),
    diskMb: Math.max(0, held.diskMb + delta.diskMb),
  };
  return { before: dominantShare(held, totals), after: dominantShare(after, totals) };
}
