// Field paths as problems print them: `services[1].resources.cpus`, `container.env["1X"]`.

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Joins segments into a dotted path; numbers become `[i]`, odd keys `["k"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (PLAIN_KEY.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Splits a JSON pointer (`/services/1/id`) into segments, numbering where the data is an array. */
export function pointerSegments(pointer: string, root: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const i = Number(key);
      segments.push(i);
      node = node[i];
    } else {
      segments.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}

/** Joins a prefix path and a tail path (`services[0]` + `resources.cpus`). */
export function joinPath(prefix: string, tail: string): string {
  if (prefix === '') return tail;
  if (tail === '') return prefix;
  return tail.startsWith('[') ? prefix + tail : `${prefix}.${tail}`;
}
