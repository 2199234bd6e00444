// What the services scheduler has observed, kept apart from what it wants: every instance it
// launched (from its write-ahead record, then its status updates and reconciliation answers) and
// every agent (from the cluster poll, corrected by agent notices and offers in between polls).
import { isTerminal, type AgentView, type Instance, type InstanceState } from './deploy/index.js';
import type { ClusterAgentView, ServicesOffer, ServicesStatus } from './sdk-adapter.js';
import type { InstanceRecord } from './store/index.js';

/** One instance as the scheduler follows it. */
export interface TrackedInstance {
  record: InstanceRecord;
  state: InstanceState;
  healthy: boolean | undefined;
  ready: boolean | undefined;
  endedAtMs: number | undefined;
  /** When a kill was last sent; once set, the instance stays `killing` until it ends. */
  killSentAtMs: number | undefined;
  /** When it was taken out of rotation to be killed after the shutdown delay (drain before kill). */
  drainingSinceMs: number | undefined;
  /** A status arrived for it since this process subscribed (reconciliation answered). */
  reported: boolean;
  /**
   * Its health checks failed while it ran (the agent reports that only after the checks'
   * consecutive failures): it is killed, and its end counts as a failure of the service.
   */
  unhealthy: boolean;
}

interface AgentFlags {
  atMs: number;
  draining?: boolean;
  underPressure?: boolean;
  unreachable?: boolean;
}

export class Observed {
  readonly instances = new Map<string, TrackedInstance>();
  #cluster: ClusterAgentView[] = [];
  #clusterAtMs = -Infinity;
  /** Notices newer than the last poll, by agent. */
  #flags = new Map<string, AgentFlags>();
  /** Agents seen in offers, for hostname and attributes until a poll shows them. */
  #offered = new Map<string, { hostname: string; attributes: Record<string, string> }>();

  /** Follows an instance from its record (a launch being sent, or one loaded at start). */
  track(record: InstanceRecord, reported: boolean): TrackedInstance {
    const t: TrackedInstance = { record, state: 'staging', healthy: undefined, ready: undefined, endedAtMs: undefined, killSentAtMs: undefined, drainingSinceMs: undefined, reported, unhealthy: false };
    this.instances.set(record.taskId, t);
    return t;
  }

  /**
   * Applies a status update; false when the instance is unknown. An ended instance stays ended,
   * and one we asked to kill stays `killing` until it ends, whatever older updates say.
   */
  update(s: ServicesStatus, nowMs: number): boolean {
    const t = this.instances.get(s.taskId);
    if (!t) return false;
    t.reported = true;
    if (isTerminal(t.state)) return true;
    if (isTerminal(s.state)) {
      t.state = t.unhealthy && s.state === 'killed' ? 'failed' : s.state;
      t.endedAtMs = nowMs;
      t.healthy = false;
      return true;
    }
    t.state = t.killSentAtMs !== undefined && s.state !== 'unreachable' ? 'killing' : s.state;
    t.healthy = s.healthy;
    if (s.state === 'running' && s.healthy === false) t.unhealthy = true;
    if (s.state !== 'running') t.ready = undefined;
    return true;
  }

  /** Marks an instance ended without an update (a launch the master refused). */
  end(taskId: string, state: InstanceState, nowMs: number): void {
    const t = this.instances.get(taskId);
    if (!t || isTerminal(t.state)) return;
    t.state = state;
    t.endedAtMs = nowMs;
    t.healthy = false;
  }

  forget(taskIds: readonly string[]): void {
    for (const id of taskIds) this.instances.delete(id);
  }

  /** Instances whose health checks failed and that are still to be killed. */
  unhealthy(): TrackedInstance[] {
    return [...this.instances.values()].filter((t) => t.unhealthy && !isTerminal(t.state));
  }

  ended(): TrackedInstance[] {
    return [...this.instances.values()].filter((t) => isTerminal(t.state));
  }

  /** The instances as the planner takes them. */
  forPlanner(): Instance[] {
    return [...this.instances.values()].map((t) => ({
      id: t.record.taskId,
      serviceId: t.record.serviceId,
      version: t.record.version,
      agentId: t.record.agentId,
      hostname: t.record.hostname,
      state: t.state,
      healthy: t.healthy,
      ready: t.ready,
      startedAtMs: t.record.launchedAtMs,
      ports: t.record.ports,
      ...(t.endedAtMs !== undefined ? { endedAtMs: t.endedAtMs } : {}),
      ...(t.drainingSinceMs !== undefined && !isTerminal(t.state) ? { drainingSinceMs: t.drainingSinceMs } : {}),
    }));
  }

  /** A poll's answer; `startedAtMs` is when it was asked for, so newer notices still win. */
  setCluster(agents: ClusterAgentView[], startedAtMs: number): void {
    this.#cluster = agents;
    this.#clusterAtMs = startedAtMs;
    for (const [id, f] of this.#flags) if (f.atMs <= startedAtMs) this.#flags.delete(id);
  }

  get polled(): boolean {
    return this.#clusterAtMs > -Infinity;
  }

  notice(agentId: string, flags: Omit<AgentFlags, 'atMs'>, nowMs: number): void {
    this.#flags.set(agentId, { ...this.#flags.get(agentId), ...flags, atMs: nowMs });
  }

  sawOffer(o: ServicesOffer): void {
    this.#offered.set(o.agentId, { hostname: o.hostname, attributes: o.attributes });
  }

  /** The agent's drain, pressure and reachability as last known. */
  flagsOf(agentId: string): Pick<AgentView, 'draining' | 'underPressure' | 'unreachable'> {
    const base = this.#cluster.find((a) => a.id === agentId);
    const f = this.#flags.get(agentId);
    return {
      draining: f?.draining ?? base?.draining ?? false,
      underPressure: f?.underPressure ?? base?.underPressure ?? false,
      unreachable: f?.unreachable ?? base?.unreachable ?? false,
    };
  }

  /** The cluster's agents as the planner sees them (polled ones; those only offered have nothing free). */
  agents(): ClusterAgentView[] {
    const out: ClusterAgentView[] = this.#cluster.map((a) => ({ ...a, ...this.flagsOf(a.id) }));
    for (const [id, o] of this.#offered) {
      if (out.some((a) => a.id === id)) continue;
      out.push({ id, ...o, free: { cpus: 0, memMb: 0, diskMb: 0, ports: [] }, total: { cpus: 0, memMb: 0, diskMb: 0 }, ...this.flagsOf(id) });
    }
    return out;
  }
}
