// Refusal filters: resources a framework declined (or left unused in an ACCEPT) are not offered
// to it again for refuseSeconds.
import type { RefusalFilter } from './allocator/types.js';
import type { FrameworkEntry } from './registry.js';

export function refuse(fw: FrameworkEntry, filter: Omit<RefusalFilter, 'untilMs'>, refuseSeconds: number, wake: () => void): void {
  fw.filters.push({ ...filter, untilMs: Date.now() + refuseSeconds * 1000 });
  // Wake the allocator when the filter lapses, so the resources are offered again promptly.
  const t = setTimeout(wake, refuseSeconds * 1000 + 1);
  t.unref();
}
