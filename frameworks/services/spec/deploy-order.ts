// The order a group deploys in: waves of services whose dependencies are all in earlier waves.
import type { ServiceSpec } from './types.js';

/**
 * Groups service ids into waves: every service's dependencies (within `services`) sit in earlier
 * waves, and each wave keeps file order. Dependencies on ids not in `services` are taken as met.
 * parseServiceFile refuses cycles; were one passed in anyway, its services form a last wave.
 */
export function deployOrder(services: readonly ServiceSpec[]): string[][] {
  const ids = new Set(services.map((s) => s.id));
  const placed = new Set<string>();
  let left = [...services];
  const waves: string[][] = [];
  while (left.length > 0) {
    const ready = left.filter((s) => s.dependencies.every((d) => placed.has(d) || !ids.has(d)));
    if (ready.length === 0) {
      waves.push(left.map((s) => s.id));
      break;
    }
    waves.push(ready.map((s) => s.id));
    for (const s of ready) placed.add(s.id);
    left = left.filter((s) => !placed.has(s.id));
  }
  return waves;
}
