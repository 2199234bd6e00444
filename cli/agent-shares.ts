// How `berth dev` divides resources between agents that share one host. A scalar that the
// --resources SPEC names goes whole to every agent; one it does not name (detected) is split. Ports
// are always split into disjoint blocks: two agents on one host offering the same port would
// launch tasks that fail to bind it, and one agent's health check could reach the other's task.
import { parseResourceSpec } from '../agent/resources-detect.js';
import { resources, type Range, type Res } from '../protocol/index.js';

type Scalar = resources.Scalar;

const SPLIT: Record<Scalar, (total: number, count: number) => number> = {
  cpus: (total, count) => Math.max(0.1, Math.floor((total / count) * 10) / 10),
  memMb: (total, count) => Math.max(64, Math.floor(total / count)),
  diskMb: (total, count) => Math.floor(total / count),
  gpus: (total, count) => Math.floor(total / count),
};

/**
 * The resources of each of `count` agents: the scalars in `given` whole, the others divided
 * between them; agent i gets block i of the ports, the blocks contiguous in port order and
 * differing in size by at most one. Returns a problem instead when there are fewer ports than agents.
 */
export function shareAmongAgents(machine: Res, count: number, given: ReadonlySet<Scalar> = new Set()): { shares: Res[] } | { problem: string } {
  const ports = resources.listPorts(machine);
  if (ports.length < count) {
    return { problem: `ports ${resources.formatPorts(machine.ports) || '(none)'} hold ${ports.length} ports, fewer than the ${count} agents; each agent on this host needs ports of its own` };
  }
  const scalar = (key: Scalar): number => (given.has(key) ? machine[key] : SPLIT[key](machine[key], count));
  const shares: Res[] = [];
  let next = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.floor(ports.length / count) + (i < ports.length % count ? 1 : 0);
    const mine = ports.slice(next, next + size);
    next += size;
    shares.push(resources.normalize({ cpus: scalar('cpus'), memMb: scalar('memMb'), diskMb: scalar('diskMb'), gpus: scalar('gpus'), ports: toRanges(mine) }));
  }
  return { shares };
}
/** The scalars a --resources SPEC names; none when it does not parse (that problem is reported where it is parsed). */
export function scalarsNamedBy(spec: string | undefined): Set<Scalar> {
  if (!spec) return new Set();
  try {
    const overrides = parseResourceSpec(spec);
    return new Set(resources.SCALARS.filter((key) => overrides[key] !== undefined));
  } catch {
    return new Set();
  }
}

/** Sorted ports to ranges; a gap in the list starts a new range, so no port is added. */
function toRanges(ports: readonly number[]): Range[] {
  const out: { begin: number; end: number }[] = [];
  for (const p of ports) {
    const last = out[out.length - 1];
    if (last && p === last.end + 1) last.end = p;
    else out.push({ begin: p, end: p });
  }
  return out;
}
