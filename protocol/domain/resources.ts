// Resources off the wire: every scalar present, ports merged (protocol/resources.ts `Res`), and
// problems under the wire names (cpus, mem_mb, disk_mb, gpus, ports[i]).
import { ErrorCode } from '../errors.js';
import type { Resources } from '../messages.js';
import * as resources from '../resources.js';
import type { Res } from '../resources.js';
import { FieldReader, type Decoded } from './decoded.js';

const WIRE_NAMES = { cpus: 'cpus', memMb: 'mem_mb', diskMb: 'disk_mb', gpus: 'gpus' } as const;

/**
 * Reads resources at `field`; scalars must be finite and >= 0, ports within 1-65535 with begin <= end.
 * Ports are merged and sorted, unless `keepOrder`: a task's ranges keep the order the framework
 * gave, since $PORT0, $PORT1... and a health check's port_index follow it (the arithmetic in
 * protocol/resources.ts does not care about order).
 */
export function readResources(r: FieldReader, wire: unknown, field: string, keepOrder = false): Res {
  const read = r.with(ErrorCode.INVALID_RESOURCES);
  const m = read.message(wire, field);
  if (!m) return resources.empty();
  const scalars = { cpus: 0, memMb: 0, diskMb: 0, gpus: 0 };
  for (const key of resources.SCALARS) scalars[key] = read.num(m[key], `${field}.${WIRE_NAMES[key]}`, { min: 0 });
  const ports = read.list(m.ports, `${field}.ports`, (p, at) => {
    const range = read.message(p, at);
    if (!range) {
      if (p === null || p === undefined) read.add(at, 'must be a range, got nothing');
      return undefined;
    }
    const begin = read.num(range?.begin, `${at}.begin`, { integer: true });
    const end = read.num(range?.end, `${at}.end`, { integer: true });
    if (begin < 1 || end > 65535) read.add(at, `must lie within 1-65535, got ${begin}-${end}`);
    else if (end < begin) read.add(at, `must have begin <= end, got ${begin}-${end}`);
    else return { begin, end };
    return undefined;
  });
  const valid = ports.filter((p) => p !== undefined);
  const res = resources.normalize({ ...scalars, ports: valid });
  return keepOrder ? { ...res, ports: valid } : res;
}

/** Resources with every field present; problems name the field under `field`. */
export function decodeResources(wire: Resources | null | undefined, field = 'resources'): Decoded<Res> {
  const r = new FieldReader([], ErrorCode.INVALID_RESOURCES);
  return { value: readResources(r, wire, field), problems: r.problems };
}

export function toWireResources(res: Res): Resources {
  return { cpus: res.cpus, memMb: res.memMb, diskMb: res.diskMb, gpus: res.gpus, ports: res.ports.map((p) => ({ begin: p.begin ?? 0, end: p.end ?? 0 })) };
}
