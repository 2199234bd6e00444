// A whole cluster in the test process: a master, real agents (Docker or process runtime) and
// SDK frameworks, all over real WebSockets on loopback. Everything is stopped at test end.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { Agent, DockerRuntime, HollowRuntime, ProcessRuntime, type AgentOptions, type ContainerRuntime } from '../../agent/index.js';
import { SchedulerClient, type FrameworkInfo, type ResourceOffer, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import type { RunningMaster, StartMasterOptions } from '../../master/index.js';
import { resources, type Res } from '../../protocol/index.js';
import { cleanUpAgentContainers } from './docker.js';
import { testLogger } from './log.js';
import { testMaster } from './master.js';
import { untilPicked } from './poll.js';

/** Real runtimes, and hollow (the real agent and protocol, tasks that only pretend to run). */
export type RuntimeKind = 'docker' | 'process' | 'hollow';

export async function testAgent(
  t: Test,
  masterUrl: string,
  kind: RuntimeKind,
  options: {
    cpus?: number; memMb?: number; ports?: [number, number]; agentId?: string; workDir?: string; reservations?: { role: string; resources: Res }[];
    hostname?: string; attributes?: Record<string, string>; metricsPort?: number;
    /** Any other agent option (usage sampling, heartbeats...), taking precedence. */
    agent?: Partial<Omit<AgentOptions, 'masterUrl' | 'runtime' | 'workDir' | 'resources'>>;
  } = {},
): Promise<Agent> {
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'berth-test-agent-')));
  if (!options.workDir) t.teardown(() => rm(workDir, { recursive: true, force: true }));
  const runtime: ContainerRuntime = kind === 'docker' ? new DockerRuntime() : kind === 'hollow' ? new HollowRuntime() : new ProcessRuntime();
  const [begin, end] = options.ports ?? [32000, 32099];
  const agent = new Agent({
    masterUrl,
    runtime,
    log: testLogger(),
    workDir,
    hostname: options.hostname ?? `test-${kind}`,
    attributes: options.attributes ?? {},
    resources: resources.normalize({ cpus: options.cpus ?? 4, memMb: options.memMb ?? 4096, diskMb: 1000, ports: [{ begin, end }] }),
    reservations: options.reservations ?? [],
    statusRetry: { initialMs: 100, maxMs: 1_000 },
    reconnect: { initialMs: 50, maxMs: 500 },
    ...(options.agentId ? { agentId: options.agentId } : {}),
    ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort }),
    ...options.agent,
  });
  agent.start();
  t.teardown(() => agent.stop({ killTasks: true }));
  const agentId = await agent.whenRegistered();
  if (kind === 'docker') cleanUpAgentContainers(t, agentId);
  return agent;
}

/** An SDK framework whose events are recorded as they come, for assertions. */
export class TestFramework {
  readonly events: SchedulerEvent[] = [];
  /** When each event arrived (Date.now()), index for index with `events`. */
  readonly arrivedAtMs: number[] = [];
  /** When set, called with every batch of offers as it arrives (to answer them). */
  onOffers: ((offers: ResourceOffer[]) => void) | undefined;
  #waiters = new Set<() => void>();
  constructor(readonly client: SchedulerClient) {
    void (async () => {
      for await (const e of client.events()) {
        this.events.push(e);
        this.arrivedAtMs.push(Date.now());
        if (e.type === 'offers') this.onOffers?.(e.offers);
        for (const w of this.#waiters) w();
      }
    })();
  }

  /** Waits for an event (at index >= from) that pick() turns into a value. */
  next<T>(what: string, pick: (e: SchedulerEvent) => T | undefined, from = 0, timeoutMs = 20_000): Promise<T> {
    return untilPicked(what, this.events, pick, from, timeoutMs);
  }

  /** Every update of one task, in order. */
  updates(taskId: string): string[] {
    return this.events.flatMap((e) => (e.type === 'update' && e.status.taskId === taskId ? [String(e.status.state)] : []));
  }
}

export async function testFramework(t: Test, masterUrl: string, info: Partial<FrameworkInfo> = {}): Promise<TestFramework> {
  const client = new SchedulerClient({ masterUrl, framework: { name: 'test', roles: ['*'], failoverTimeoutMs: 60_000, ...info } });
  const fw = new TestFramework(client);
  t.teardown(() => client.close());
  await fw.next('subscribed', (e) => (e.type === 'subscribed' ? e : undefined));
  return fw;
}

export async function testCluster(
  t: Test,
  kind: RuntimeKind,
  options: Partial<StartMasterOptions> & { agents?: number; agentCpus?: number; agentMemMb?: number } = {},
): Promise<{ master: RunningMaster; agents: Agent[] }> {
  const master = await testMaster(t, options);
  const agents: Agent[] = [];
  for (let i = 0; i < (options.agents ?? 1); i++) {
    agents.push(await testAgent(t, master.url, kind, { ports: [32000 + i * 100, 32099 + i * 100], cpus: options.agentCpus, memMb: options.agentMemMb }));
  }
  return { master, agents };
}
