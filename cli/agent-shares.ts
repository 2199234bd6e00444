// How `berth dev` divides resources between agents that share one host. Scalars are either split
// (detected resources) or given to every agent (an explicit --resources SPEC), but ports are
// always split into disjoint blocks: two agents on one host offering the same port would launch
// tasks that fail to bind it, and one agent's health check could reach the other's task.
import { resources, type Range, type Res } from '../protocol/index.js';

export type ShareMode = 'split' | 'each';

/**
 * The resources of each of `count` agents: with 'split' the machine's scalars are divided between
 * them, with 'each' every agent gets them whole. Either way agent i gets block i of the ports, the
 * blocks contiguous in port order and differing in size by at most one.
 * Returns a problem instead when there are fewer ports than agents.
 */
export function shareAmongAgents(machine: Res, count: number, mode: ShareMode): { shares: Res[] } | { problem: string } {
  const ports = resources.listPorts(machine);
  if (ports.length < count) {
    return { problem: `ports ${resources.formatPorts(machine.ports) || '(none)'} hold ${ports.length} ports, fewer than the ${count} agents; each agent on this host needs ports of its own` };
  }
  const shares: Res[] = [];
  let next = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.floor(ports.length / count) + (i < ports.length % count ? 1 : 0);
    const mine = ports.slice(next, next + size);
    next += size;
    const scalars = mode === 'each' ? machine : {
      cpus: Math.max(0.1, Math.floor((machine.cpus / count) * 10) / 10),
      memMb: Math.max(64, Math.floor(machine.memMb / count)),
      diskMb: Math.floor(machine.diskMb / count),
      gpus: 0,
    };
    shares.push(resources.normalize({ cpus: scalars.cpus, memMb: scalars.memMb, diskMb: scalars.diskMb, gpus: scalars.gpus, ports: toRanges(mine) }));
  }
  return { shares };
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
