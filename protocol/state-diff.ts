// The JSON Patch between two versions of a state document, made small where states are big: a
// top-level array of records with an `id` (agents, tasks...) is compared record by record, so a
// task that ends is one `remove` instead of a shift of every later index. Anything else is
// compared by fast-json-patch. Applying the patch to `prev` always gives a value equal to `next`.
import jsonpatch, { type Operation } from 'fast-json-patch';

export type { Operation as PatchOperation } from 'fast-json-patch';

type Doc = Record<string, unknown>;
type Keyed = { id: string } & Record<string, unknown>;

const pointer = (key: string): string => `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

function isPlainObject(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isKeyedArray(v: unknown): v is Keyed[] {
  return Array.isArray(v) && v.every((e) => isPlainObject(e) && typeof e.id === 'string');
}

function prefixed(ops: Operation[], prefix: string): Operation[] {
  return ops.map((op) => {
    const moved = op as Operation & { from?: string };
    return { ...op, path: `${prefix}${op.path}`, ...(moved.from !== undefined ? { from: `${prefix}${moved.from}` } : {}) } as Operation;
  });
}

/**
 * Records removed by index (highest first), kept records patched in place, new records appended.
 * Falls back to one `replace` of the whole array when the kept records changed order, new ones
 * are not all at the end, or ids repeat.
 */
function diffKeyed(prev: Keyed[], next: Keyed[], path: string): Operation[] {
  const nextById = new Map(next.map((e) => [e.id, e]));
  const prevIds = new Set(prev.map((e) => e.id));
  if (nextById.size !== next.length || prevIds.size !== prev.length) return [{ op: 'replace', path, value: next }];
  const kept = prev.filter((e) => nextById.has(e.id));
  for (let i = 0; i < kept.length; i++) {
    if (next[i]?.id !== kept[i]?.id) return [{ op: 'replace', path, value: next }];
  }
  const ops: Operation[] = [];
  for (let i = prev.length - 1; i >= 0; i--) {
    if (!nextById.has(prev[i]!.id)) ops.push({ op: 'remove', path: `${path}/${i}` });
  }
  kept.forEach((before, i) => {
    const after = next[i]!;
    if (before !== after) ops.push(...prefixed(jsonpatch.compare(before, after), `${path}/${i}`));
  });
  for (let i = kept.length; i < next.length; i++) ops.push({ op: 'add', path: `${path}/-`, value: next[i] });
  return ops;
}

/** The patch that turns `prev` into `next` (both plain JSON objects). */
export function diffState(prev: Doc, next: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const key of Object.keys(prev)) {
    if (!(key in next)) ops.push({ op: 'remove', path: pointer(key) });
  }
  for (const [key, value] of Object.entries(next)) {
    const path = pointer(key);
    if (!(key in prev)) {
      ops.push({ op: 'add', path, value });
      continue;
    }
    const before = prev[key];
    if (before === value) continue;
    if (isKeyedArray(before) && isKeyedArray(value)) ops.push(...diffKeyed(before, value, path));
    else if (typeof before === 'object' && before !== null && typeof value === 'object' && value !== null && Array.isArray(before) === Array.isArray(value)) {
      ops.push(...prefixed(jsonpatch.compare(before as object, value as object), path));
    } else ops.push({ op: 'replace', path, value });
  }
  return ops;
}

/** Applies a patch from the stream to a document in place (the stream never replaces the root) and returns it. */
export function applyStatePatch<T extends object>(doc: T, patch: readonly Operation[]): T {
  return jsonpatch.applyPatch(doc, patch as Operation[], false, true).newDocument;
}
