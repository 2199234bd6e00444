// A cluster for the services framework's Docker tests: a real master (on a MemoryStore the test
// can read the event log of), N Docker agents with distinct hostnames, attributes and port ranges
// whose memory pressure a test can switch on, and the services scheduler subscribed to it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { Agent, HostSample } from '../../agent/index.js';
import { MemoryServicesStore, startServicesScheduler, type ServicesRuntime, type ServicesStore } from '../../frameworks/services/index.js';
import { MemoryStore, type RunningMaster } from '../../master/index.js';
import { testAgent } from './cluster.js';
import { ensureBusyboxImage } from './docker.js';
import { testLogger } from './log.js';
import { testMaster } from './master.js';

const GIB = 1024 ** 3;

export interface ClusterAgent {
  /** The running agent (a new one after reconnect). */
  agent: Agent;
  id: string;
  hostname: string;
  attributes: Record<string, string>;
  ports: [number, number];
  /** Makes the agent's next usage reports say (or stop saying) that the host is short of memory. */
  setPressure(on: boolean): void;
  /** Stops the agent as a crash would, leaving its containers running (the master loses it). */
  disconnect(): Promise<void>;
  /** Starts it again on the same work dir and id: it re-registers and re-adopts its containers. */
  reconnect(): Promise<void>;
}

export interface ServicesCluster {
  master: RunningMaster;
  /** The master's store: its history() is the master's event log, in the order it persisted. */
  masterStore: MemoryStore;
  agents: ClusterAgent[];
}

export interface ServicesClusterOptions {
  agents: number;
  /**
   * The first host port of this test file's agents (each gets 100). Tests run side by side with
   * host networking, so every file must use ranges no other file uses.
   */
  portBase: number;
  /** Attributes of agent k (0-based). Default: rack r1, r2, r3 in turn, and zone a/b. */
  attributes?: (k: number) => Record<string, string>;
  /** How long a disconnected agent has before the master marks it unreachable (default the master's). */
  agentReregisterTimeoutMs?: number;
}

/** Starts the master and the agents (hostnames svc-1..svc-N), all stopped at test end. */
export async function servicesCluster(t: Test, o: ServicesClusterOptions): Promise<ServicesCluster> {
  await ensureBusyboxImage();
  const masterStore = await MemoryStore.open();
  const master = await testMaster(t, {
    store: masterStore,
    allocationIntervalMs: 100,
    ...(o.agentReregisterTimeoutMs === undefined ? {} : { agentReregisterTimeoutMs: o.agentReregisterTimeoutMs }),
  });
  const agents: ClusterAgent[] = [];
  for (let k = 0; k < o.agents; k++) {
    const hostname = `svc-${k + 1}`;
    const attributes = o.attributes?.(k) ?? { rack: `r${(k % 3) + 1}`, zone: k % 2 === 0 ? 'a' : 'b' };
    const ports: [number, number] = [o.portBase + k * 100, o.portBase + k * 100 + 99];
    const workDir = await mkdtemp(join(tmpdir(), 'berth-services-agent-'));
    t.teardown(() => rm(workDir, { recursive: true, force: true }));
    let pressured = false;
    const hostSample = (): HostSample => ({ totalBytes: 16 * GIB, availableBytes: pressured ? 0 : 8 * GIB, cpuPercent: 0 });
    const start = (agentId?: string) => testAgent(t, master.url, 'docker', {
      cpus: 2,
      memMb: 1024,
      ports,
      hostname,
      attributes,
      workDir,
      ...(agentId === undefined ? {} : { agentId }),
      agent: { hostSample, usageIntervalMs: 300 },
    });
    const agent = await start();
    const entry: ClusterAgent = {
      agent,
      id: agent.agentId,
      hostname,
      attributes,
      ports,
      setPressure: (on) => (pressured = on),
      disconnect: () => entry.agent.stop({ killTasks: false, flushTimeoutMs: 0 }),
      reconnect: async () => {
        entry.agent = await start(entry.id);
      },
    };
    agents.push(entry);
  }
  return { master, masterStore, agents };
}

/** Starts the services scheduler on the cluster (memory store unless given); stopped at test end. */
export async function servicesRuntime(t: Test, cluster: ServicesCluster, store: ServicesStore = new MemoryServicesStore()): Promise<ServicesRuntime> {
  const runtime = await startServicesScheduler({ masterUrl: cluster.master.url, store, log: testLogger(), clusterPollMs: 300 });
  t.teardown(() => runtime.stop());
  return runtime;
}

/** Asks the master to drain an agent, with a deadline far enough away that the framework moves its instances first. */
export async function drain(cluster: ServicesCluster, agentId: string): Promise<void> {
  const res = await fetch(`${cluster.master.httpUrl}/api/v1/agents/${agentId}/drain`, { method: 'POST', body: JSON.stringify({ deadline: '10m' }) });
  if (res.status !== 200) throw new Error(`drain ${agentId}: ${res.status} ${await res.text()}`);
}
