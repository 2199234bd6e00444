// Pieces the agent-fault scenarios share: a master process with short liveness timings, agents
// (in this process) that reach it through a fault proxy, and long-running tasks on a chosen agent.
import type { Test } from 'tap';
import type { Agent } from '../../agent/index.js';
import type { ResourceOffer, SchedulerEvent, StatusUpdate, TaskInput } from '../../frameworks/sdk/index.js';
import { TaskState } from '../../protocol/index.js';
import { testAgent, type TestFramework } from './cluster.js';
import { checkHistory, type Violation } from './fault-checker.js';
import { FaultRecorder, inProcessAgents } from './fault-recorder.js';
import { until } from './poll.js';
import { spawnMaster, type MasterProcess } from './processes.js';
import { FaultProxy } from './fault-proxy.js';

/** The liveness timings the scenarios run with (the documented defaults are 5 s, 5 s and 15 s). */
export const FAST = { heartbeatMs: 1_000, reregisterMs: 1_000, failoverReregisterMs: 1_500 };

/** How long a silent agent can go before it is marked unreachable: 3 x heartbeat + re-register grace. */
export const DETECTION_BOUND_MS = 3 * FAST.heartbeatMs + FAST.reregisterMs;

export function fastLivenessArgs(overrides: Partial<typeof FAST> = {}): string[] {
  const f = { ...FAST, ...overrides };
  return ['--heartbeat-interval', `${f.heartbeatMs}ms`, '--agent-reregister-timeout', `${f.reregisterMs}ms`, '--failover-reregister-timeout', `${f.failoverReregisterMs}ms`, '--allocation-interval', '100ms', '--offer-timeout', '2s'];
}

export async function faultMaster(t: Test, args: string[] = []): Promise<MasterProcess> {
  return spawnMaster(t, [...fastLivenessArgs(), ...args]);
}

export interface ProxiedAgent {
  agent: Agent;
  agentId: string;
  proxy: FaultProxy;
}

/** An agent (process runtime) whose connection to the master goes through its own fault proxy. */
export async function proxiedAgent(t: Test, masterPort: number, index: number, options: Parameters<typeof testAgent>[3] = {}): Promise<ProxiedAgent> {
  const proxy = await FaultProxy.start(t, masterPort);
  const agent = await testAgent(t, `ws://127.0.0.1:${proxy.port}`, 'process', { hostname: `fault-agent-${index}`, ports: [33000 + index * 100, 33099 + index * 100], cpus: 2, memMb: 1024, ...options });
  return { agent, agentId: agent.agentId, proxy };
}

/** Offers a framework answered (by these helpers), per framework. */
const answered = new WeakMap<TestFramework, Set<string>>();

/** The offers a framework holds: received, not rescinded, not answered. */
export function liveOffers(fw: TestFramework): ResourceOffer[] {
  const done = answered.get(fw) ?? new Set<string>();
  const rescinded = new Set(fw.events.flatMap((e) => (e.type === 'rescind' ? [e.offerId] : [])));
  return fw.events.flatMap((e) => (e.type === 'offers' ? e.offers : [])).filter((o) => !done.has(o.id) && !rescinded.has(o.id));
}

/**
 * Launches `sleep 600` tasks on an offer of agentId and waits until each is RUNNING; declines its
 * other offers on that agent. A framework that holds offers it does not answer starves the others until the
 * offers time out, so start a second framework only once the first has what it needs.
 */
export async function runSleepers(fw: TestFramework, agentId: string, taskIds: string[]): Promise<void> {
  const done = answered.get(fw) ?? new Set<string>();
  answered.set(fw, done);
  const tasks: TaskInput[] = taskIds.map((taskId) => ({ taskId, resources: { cpus: 0.1, memMb: 16 }, command: { value: 'sleep 600', shell: true } }));
  for (let attempt = 1; ; attempt++) {
    const offer = await until(`an offer on ${agentId}`, () => liveOffers(fw).find((o) => o.agentId === agentId), 20_000);
    done.add(offer.id);
    try {
      await fw.client.launch([offer.id], tasks);
      break;
    } catch (err) {
      // The offer timed out or was rescinded just before the accept: take the next one.
      if (attempt >= 5) throw err;
    }
  }
  for (const other of liveOffers(fw).filter((o) => o.agentId === agentId)) {
    done.add(other.id);
    // Refused for a moment, so the agent's next offers go to other frameworks first.
    await fw.client.decline([other.id], 1).catch(() => undefined);
  }
  for (const taskId of taskIds) await fw.next(`${taskId} RUNNING`, stateOf(taskId, TaskState.TASK_RUNNING));
}

/** Picks the update of one task into one state. */
export const stateOf = (taskId: string, state: TaskState) => (e: SchedulerEvent): StatusUpdate | undefined =>
  e.type === 'update' && e.status.taskId === taskId && e.status.state === state ? e.status : undefined;

/** A scenario's history: the one master, its frameworks and the in-process agents, for the offline checker. */
export class AgentFaultRecord {
  private constructor(readonly t: Test, readonly recorder: FaultRecorder) {}

  static async start(t: Test, master: MasterProcess, frameworks: Record<string, TestFramework>, agents: () => readonly Agent[]): Promise<AgentFaultRecord> {
    const recorder = await FaultRecorder.start(t, { masters: [{ name: 'm1', http: master.http }], frameworks, agents: () => inProcessAgents(agents())() });
    return new AgentFaultRecord(t, recorder);
  }

  /** runSleepers, with the launch recorded as acknowledged. */
  async run(fw: TestFramework, agentId: string, taskIds: string[]): Promise<void> {
    await runSleepers(fw, agentId, taskIds);
    this.recorder.launchAcked(taskIds);
  }

  /** After the heal: one more task reaches RUNNING, launched by whichever framework is offered the agent. */
  async launchAfterHeal(frameworks: TestFramework | TestFramework[], agentId: string, taskId: string): Promise<void> {
    const all = Array.isArray(frameworks) ? frameworks : [frameworks];
    const fw = await until(`an offer on ${agentId} after the heal`, () => all.find((f) => liveOffers(f).some((o) => o.agentId === agentId)), 20_000);
    await this.run(fw, agentId, [taskId]);
    this.recorder.launchAfterHeal(taskId, 'RUNNING');
  }

  /** Stops recording and checks the history; on violations, says where the history was written. */
  async check(convergenceBoundMs: number): Promise<Violation[]> {
    const violations = checkHistory(await this.recorder.stop(), { convergenceBoundMs });
    if (violations.length > 0) this.t.comment(`history: ${await this.recorder.dump(this.t.name.replace(/\W+/g, '-').slice(0, 40))}`);
    return violations;
  }
}
