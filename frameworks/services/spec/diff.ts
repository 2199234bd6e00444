// What changes between the running spec of a service and a new one, as a JSON Patch (RFC 6902)
// computed after defaults are filled, so spelling out a default changes nothing.
import jsonpatch, { type Operation } from 'fast-json-patch';
import { fillDefaults } from './defaults.js';
import type { ServiceInput, ServiceSpec } from './types.js';

export type { Operation as PatchOperation } from 'fast-json-patch';

/**
 * The JSON Patch that turns `running` into `next`, both with their defaults filled (either may
 * already be a filled ServiceSpec). An empty list means the two specs mean the same.
 */
export function diffServiceSpec(running: ServiceInput, next: ServiceInput): Operation[] {
  return jsonpatch.compare(fillDefaults(running), fillDefaults(next));
}

/** How a set of services changes: by id, in the order of `next` (removals in `running`'s). */
export interface ServiceSetDiff {
  added: ServiceSpec[];
  removed: string[];
  changed: { id: string; patch: Operation[] }[];
  unchanged: string[];
}

/** Compares the services running now with the services of a new file, service by service. */
export function diffServiceSets(running: readonly ServiceInput[], next: readonly ServiceInput[]): ServiceSetDiff {
  const before = new Map(running.map((s) => [s.id, s]));
  const diff: ServiceSetDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const s of next) {
    const old = before.get(s.id);
    if (!old) {
      diff.added.push(fillDefaults(s));
      continue;
    }
    const patch = diffServiceSpec(old, s);
    if (patch.length === 0) diff.unchanged.push(s.id);
    else diff.changed.push({ id: s.id, patch });
  }
  const ids = new Set(next.map((s) => s.id));
  diff.removed = running.filter((s) => !ids.has(s.id)).map((s) => s.id);
  return diff;
}
