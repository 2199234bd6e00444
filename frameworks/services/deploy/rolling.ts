// The capacity rules of one planner call: which instances to kill now and how many to launch, so
// that available instances never drop below ceil(n × minimumHealthCapacity) through a kill of
// ours and live ones never exceed floor(n × (1 + maximumOverCapacity)). Scaling, upgrades,
// self-healing and migration are all this one reconciliation of "what should run" with "what runs".
import type { ServiceSpec } from '../spec/index.js';
import { pickKills } from './kill-order.js';
import { isStopping, isTerminal, type AgentView, type Instance } from './model.js';

/** The service's observed instances, sorted by what must happen to them. */
export interface Classified {
  /** Target configuration, on a usable agent, not being killed: what should stay. */
  keep: Instance[];
  /** Target configuration on an agent to move off (draining, under pressure, unreachable). */
  movers: Instance[];
  /** Another configuration (an older or superseded version), not being killed. */
  old: Instance[];
  /** Being killed already. */
  killing: Instance[];
  /** Non-terminal instances on reachable agents: what holds resources, killing ones included. */
  live: number;
}

/** Whether the instance's agent is one to move off (unknown agents are given the benefit of the doubt). */
export function isOnBadAgent(i: Instance, agents: ReadonlyMap<string, AgentView>): boolean {
  const a = agents.get(i.agentId);
  return i.state === 'unreachable' || (a !== undefined && (a.draining || a.underPressure || a.unreachable));
}

/** Sorts a service's instances; `isCurrent` says whether an instance has the target configuration. */
export function classify(instances: readonly Instance[], agents: ReadonlyMap<string, AgentView>, isCurrent: (i: Instance) => boolean): Classified {
  const c: Classified = { keep: [], movers: [], old: [], killing: [], live: 0 };
  for (const i of instances) {
    if (isTerminal(i.state)) continue;
    const unreachable = i.state === 'unreachable' || agents.get(i.agentId)?.unreachable === true;
    if (!unreachable) c.live += 1;
    if (isStopping(i)) c.killing.push(i);
    else if (!isCurrent(i)) c.old.push(i);
    else if (isOnBadAgent(i, agents)) c.movers.push(i);
    else c.keep.push(i);
  }
  return c;
}

/** The floor of available instances and the ceiling of live ones for `n` instances. */
export function capacityBounds(n: number, s: ServiceSpec['upgradeStrategy']): { minAvailable: number; maxLive: number } {
  const minAvailable = Math.ceil(n * s.minimumHealthCapacity - 1e-9);
  let maxLive = Math.floor(n * (1 + s.maximumOverCapacity) + 1e-9);
  // As Marathon does: when the strategy leaves no room to move (say 1 and 0), allow one extra
  // instance for a while, or the upgrade could never start.
  if (maxLive <= minAvailable) maxLive = minAvailable + 1;
  return { minAvailable, maxLive };
}

export interface KillGroup {
  instances: Instance[];
  reason: string;
}

export interface RollingDecision {
  kills: KillGroup[];
  launch: number;
  minAvailable: number;
  maxLive: number;
  /** Available instances of any version before this call's kills. */
  available: number;
  /** Available instances that should stay (target configuration, usable agent). */
  updated: number;
}

/**
 * Decides this call's kills and launches for a service that should run `n` instances of `spec`.
 * Kills are, in order: instances of another configuration that serve nothing; unreachable
 * instances of the target once enough replacements are available; instances beyond `n`
 * (scale-down, any number); movers whose replacements are available; then available instances of
 * another configuration, as many as the floor allows. Launches fill `n` up to the ceiling.
 */
export function decideRolling(
  c: Classified,
  spec: ServiceSpec,
  agents: ReadonlyMap<string, AgentView>,
  isAvailable: (i: Instance) => boolean,
): RollingDecision {
  const n = spec.instances;
  const { minAvailable, maxLive } = capacityBounds(n, spec.upgradeStrategy);
  const all = [...c.keep, ...c.movers, ...c.old];
  const available = all.filter(isAvailable).length;
  let availableLeft = available;
  const kills: KillGroup[] = [];
  const killed = new Set<string>();
  const kill = (instances: Instance[], reason: string) => {
    if (instances.length === 0) return;
    for (const i of instances) {
      killed.add(i.id);
      if (isAvailable(i)) availableLeft -= 1;
    }
    kills.push({ instances, reason });
  };

  const oldIdle = c.old.filter((i) => !isAvailable(i));
  kill(oldIdle, 'replaced by a new version (not serving)');

  let keep = c.keep;
  if (keep.length > n) {
    const excess = pickKills(keep, keep.length - n, [...c.movers, ...c.old], spec, agents, isAvailable);
    kill(excess, `scaling down to ${n}`);
    keep = keep.filter((i) => !killed.has(i.id));
  }
  const updated = keep.filter(isAvailable).length;

  // A mover goes once the instances that stay, with the other movers still available, make up n:
  // its replacement has started elsewhere and is healthy and ready.
  let moversAvailable = c.movers.filter(isAvailable).length;
  const moverKills: Instance[] = [];
  const moverOrder = [...c.movers].sort((a, b) => Number(isAvailable(a)) - Number(isAvailable(b)));
  for (const m of moverOrder) {
    const avail = isAvailable(m);
    const others = moversAvailable - (avail ? 1 : 0);
    if (updated + others < n) continue;
    if (avail && availableLeft - 1 < minAvailable) continue;
    moverKills.push(m);
    if (avail) {
      moversAvailable -= 1;
      availableLeft -= 1;
    }
  }
  for (const m of moverKills) killed.add(m.id);
  if (moverKills.length > 0) kills.push({ instances: moverKills, reason: 'moved off its agent (replacement healthy)' });

  const oldServing = c.old.filter((i) => isAvailable(i));
  const budget = Math.max(0, availableLeft - minAvailable);
  if (budget > 0 && oldServing.length > 0) {
    const victims = pickKills(oldServing, Math.min(budget, oldServing.length), keep, spec, agents, isAvailable);
    kill(victims, 'replaced by a new version');
  }

  const launch = Math.max(0, Math.min(n - keep.length, maxLive - c.live));
  return { kills, launch, minAvailable, maxLive, available, updated };
}
