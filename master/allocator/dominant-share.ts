// A holder's dominant share: the largest fraction it holds of any scalar resource of the cluster
// (DRF's measure; gpus count only where the cluster has some).
import type { Res } from '../../protocol/index.js';

export function dominantShare(held: Res, total: Res): number {
  let share = 0;
  if (total.cpus > 0) share = Math.max(share, held.cpus / total.cpus);
  if (total.memMb > 0) share = Math.max(share, held.memMb / total.memMb);
  if (total.diskMb > 0) share = Math.max(share, held.diskMb / total.diskMb);
  if (total.gpus > 0) share = Math.max(share, held.gpus / total.gpus);
  return share;
}
