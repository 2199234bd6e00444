// Records what happened during a fault scenario, timestamped, for the offline checker
// (fault-checker.ts): which master led under which epoch (their /health), every store write with
// its epoch and writer (Redis MONITOR), the launches the master acknowledged, the updates the
// frameworks received, and snapshots of the leader's state, the agents' own view and Docker's
// berth containers. Usage:
//
//   const recorder = await FaultRecorder.start(t, {
//     masters,                                   // [{ name: 'm1', http }], may grow later
//     redis: { port: redis.port, keyPrefix, writerOf: (port) => ... },   // see writerByProxy
//     frameworks: { fw },                        // TestFrameworks, whose events it follows
//     agents: inProcessAgents([agent]),          // or any () => AgentSample[]
//     dockerAgents: () => [agentId],             // list these agents' containers (Docker runtime)
//   });
//   recorder.launchAcked(ids) after a launch resolved; recorder.fault('...'); recorder.healed();
//   recorder.frameworkRemoved(name, why) once the master removed a framework;
//   recorder.launchAfterHeal(taskId, state);
//   t.same(checkHistory(await recorder.stop(), { convergenceBoundMs }), [], 'the checker is clean');
//
// On a failed check the history is written to a file named in the failure (recorder.dump()).
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { Agent } from '../../agent/index.js';
import { stateName } from '../../protocol/index.js';
import type { TestFramework } from './cluster.js';
import { dockerClient } from './docker.js';
import type { AgentSample, ContainerSample, HistoryEvent, MasterSample } from './fault-history.js';
import type { FaultProxy } from './fault-proxy.js';
import { RedisMonitor } from './redis-monitor.js';

export interface RecordedMaster {
  name: string;
  /** http://127.0.0.1:PORT */
  http: string;
}

export interface RecorderSources {
  /** Read on every sample, so a master started later is followed once it is pushed here. */
  masters: RecordedMaster[];
  redis?: {
    port: number;
    keyPrefix: string;
    /** The writer's name for a client port Redis saw (default: the client's address). */
    writerOf?: (clientPort: number) => string | undefined;
  };
  frameworks?: Record<string, TestFramework>;
  agents?: () => AgentSample[] | Promise<AgentSample[]>;
  /** Agents whose containers are listed from Docker (by their berth.agent_id label). */
  dockerAgents?: () => string[];
  /** Default 100 ms. */
  sampleEveryMs?: number;
}

/** Agents running in the test process, as samples. */
export function inProcessAgents(agents: readonly Agent[]): () => AgentSample[] {
  return () => agents.filter((a) => a.agentId).map((a) => ({ agentId: a.agentId, tasks: a.tasks().map((x) => ({ taskId: x.taskId, state: stateName(x.state) })) }));
}

/** Names the writer of a client port after the master whose Redis connections go through that proxy. */
export function writerByProxy(proxies: Record<string, FaultProxy>): (clientPort: number) => string | undefined {
  return (port) => Object.entries(proxies).find(([, p]) => p.owns(port))?.[0];
}

interface StateJson {
  epoch: number;
  agents: { id: string; total: { cpus?: number; memMb?: number } }[];
  tasks: TaskJson[];
  completedTasks: TaskJson[];
}
interface TaskJson {
  id: string;
  agentId: string;
  state: string;
  resources: { cpus?: number; memMb?: number };
}

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(1_000) });
    return res.status === 200 ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

export class FaultRecorder {
  readonly events: HistoryEvent[] = [];
  #s: RecorderSources;
  #monitor: RedisMonitor | undefined;
  #cursors = new Map<string, number>();
  #leaders = new Set<string>();
  #running = true;
  #loop: Promise<void> = Promise.resolve();
  #stopped: Promise<HistoryEvent[]> | undefined;

  private constructor(sources: RecorderSources) {
    this.#s = sources;
  }

  static async start(t: Test, sources: RecorderSources): Promise<FaultRecorder> {
    const r = new FaultRecorder(sources);
    if (sources.redis) {
      const { port, keyPrefix, writerOf } = sources.redis;
      r.#monitor = new RedisMonitor(port, `${keyPrefix}events`, (w) => {
        const clientPort = Number(w.client.split(':').pop());
        r.events.push({ kind: 'write', atMs: w.atMs, writer: writerOf?.(clientPort) ?? w.client, epoch: w.epoch, change: w.change });
      });
      await r.#monitor.start();
    }
    r.#loop = r.#run();
    t.teardown(() => r.stop());
    return r;
  }

  /** The master answered these launches as accepted. */
  launchAcked(taskIds: readonly string[]): void {
    for (const taskId of taskIds) this.events.push({ kind: 'launch-acked', atMs: Date.now(), taskId });
  }

  fault(what: string): void {
    this.events.push({ kind: 'fault', atMs: Date.now(), what });
  }

  /**
   * The master removed this framework (a name in `frameworks`). The updates it received until now
   * are recorded first, so any recorded after this one came after the removal.
   */
  frameworkRemoved(framework: string, why: string): void {
    this.#frameworkUpdates();
    this.events.push({ kind: 'framework-removed', atMs: Date.now(), framework, why });
  }

  healed(): void {
    this.events.push({ kind: 'healed', atMs: Date.now() });
  }

  launchAfterHeal(taskId: string, state: string): void {
    this.events.push({ kind: 'launch-after-heal', atMs: Date.now(), taskId, state });
  }

  /** Takes a last snapshot, stops recording and returns the history. */
  stop(): Promise<HistoryEvent[]> {
    this.#stopped ??= (async () => {
      this.#running = false;
      await this.#loop;
      await this.#sample();
      this.#monitor?.stop();
      return this.events;
    })();
    return this.#stopped;
  }

  /** Writes the history as JSON lines to a temp file and returns its path (for a failed check). */
  async dump(label: string): Promise<string> {
    const file = join(tmpdir(), `berth-faults-${label}-${process.pid}.jsonl`);
    await writeFile(file, this.events.map((e) => JSON.stringify(e)).join('\n'));
    return file;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      await this.#sample();
      await new Promise((r) => setTimeout(r, this.#s.sampleEveryMs ?? 100));
    }
  }

  async #sample(): Promise<void> {
    this.#frameworkUpdates();
    const masters = [...this.#s.masters];
    const health = await Promise.all(masters.map((m) => getJson<{ leadership: string; epoch: number }>(`${m.http}/health`)));
    let leader: RecordedMaster | undefined;
    masters.forEach((m, i) => {
      const h = health[i];
      if (h?.leadership !== 'leading') return;
      leader ??= m;
      const key = `${m.name}@${h.epoch}`;
      if (!this.#leaders.has(key)) {
        this.#leaders.add(key);
        this.events.push({ kind: 'leader', atMs: Date.now(), master: m.name, epoch: h.epoch });
      }
    });
    const [state, agents, containers] = await Promise.all([
      leader ? getJson<StateJson>(`${leader.http}/api/v1/state`) : undefined,
      this.#s.agents?.() ?? [],
      this.#containers(),
    ]);
    this.events.push({ kind: 'snapshot', atMs: Date.now(), master: leader && state ? masterSample(leader.name, state) : null, agents, containers });
  }

  #frameworkUpdates(): void {
    for (const [name, fw] of Object.entries(this.#s.frameworks ?? {})) {
      const from = this.#cursors.get(name) ?? 0;
      for (const e of fw.events.slice(from)) {
        if (e.type === 'update') this.events.push({ kind: 'update', atMs: Date.now(), framework: name, taskId: e.status.taskId, agentId: e.status.agentId, state: stateName(e.status.state) });
      }
      this.#cursors.set(name, fw.events.length);
    }
  }

  async #containers(): Promise<ContainerSample[] | null> {
    const ids = this.#s.dockerAgents?.();
    if (!ids) return null;
    if (ids.length === 0) return [];
    // Docker ANDs label filters, so every berth container is listed and these agents' kept.
    const list = await dockerClient().listContainers({ all: true, filters: { label: ['berth.agent_id'] } });
    return list
      .filter((c) => ids.includes(c.Labels['berth.agent_id'] ?? ''))
      .map((c) => ({ id: c.Id, taskId: c.Labels['berth.task_id'] ?? '', agentId: c.Labels['berth.agent_id'] ?? '', running: c.State === 'running' }));
  }
}

function masterSample(name: string, s: StateJson): MasterSample {
  const amount = (r: { cpus?: number; memMb?: number }): { cpus: number; memMb: number } => ({ cpus: r.cpus ?? 0, memMb: r.memMb ?? 0 });
  return {
    master: name,
    epoch: s.epoch,
    agents: s.agents.map((a) => ({ agentId: a.id, total: amount(a.total) })),
    tasks: [...s.tasks, ...s.completedTasks].map((x) => ({ taskId: x.id, agentId: x.agentId, state: x.state, resources: amount(x.resources) })),
  };
}
