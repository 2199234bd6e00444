// Which instances go first when some must be killed: the ones that serve nothing (not available)
// first, then those on the most crowded agent or constraint value (so what stays is spread out),
// then the newest.
import type { ServiceSpec } from '../spec/index.js';
import { fieldValue } from './constraints.js';
import type { AgentView, Instance } from './model.js';

/** The field instances are spread over: the first UNIQUE, GROUP_BY or MAX_PER field, else the agent. */
function spreadKey(spec: ServiceSpec, agents: ReadonlyMap<string, AgentView>): (i: Instance) => string {
  const c = spec.constraints.find((k) => k.operator === 'UNIQUE' || k.operator === 'GROUP_BY' || k.operator === 'MAX_PER');
  if (!c) return (i) => `agent:${i.agentId}`;
  return (i) => {
    const a = agents.get(i.agentId);
    return `${c.field}:${(a ? fieldValue(a, c.field) : c.field === 'hostname' ? i.hostname : undefined) ?? ''}`;
  };
}

/**
 * Picks `count` of `candidates` to kill. `others` are the service's instances that stay whatever
 * happens (they count towards how crowded a value is); `isAvailable` says which serve traffic.
 */
export function pickKills(
  candidates: readonly Instance[],
  count: number,
  others: readonly Instance[],
  spec: ServiceSpec,
  agents: ReadonlyMap<string, AgentView>,
  isAvailable: (i: Instance) => boolean,
): Instance[] {
  if (count >= candidates.length) return [...candidates];
  const key = spreadKey(spec, agents);
  const crowd = new Map<string, number>();
  for (const i of [...candidates, ...others]) crowd.set(key(i), (crowd.get(key(i)) ?? 0) + 1);
  const left = [...candidates];
  const out: Instance[] = [];
  while (out.length < count && left.length > 0) {
    left.sort((a, b) =>
      Number(isAvailable(a)) - Number(isAvailable(b)) ||
      (crowd.get(key(b)) ?? 0) - (crowd.get(key(a)) ?? 0) ||
      b.startedAtMs - a.startedAtMs ||
      (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    );
    const victim = left.shift()!;
    crowd.set(key(victim), (crowd.get(key(victim)) ?? 1) - 1);
    out.push(victim);
  }
  return out;
}
