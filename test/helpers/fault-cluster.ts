// The cluster a fault scenario runs on: a real redis-server (AOF, fsync always), master processes
// (dist/cli/main.js) that each reach Redis through their own FaultProxy, in-process agents that
// know every master, one SDK framework, and a FaultRecorder following all of them. Needs dist/
// built first (npm test builds it).
import type { Test } from 'tap';
import type { Agent } from '../../agent/index.js';
import { SchedulerCallError, SchedulerClient, TaskState, type ResourceOffer, type SchedulerEvent } from '../../frameworks/sdk/index.js';
import { ContainerType, ErrorCode } from '../../protocol/index.js';
import { stateName } from '../../protocol/index.js';
import { TestFramework, testAgent, type RuntimeKind } from './cluster.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage, requireDocker } from './docker.js';
import { checkHistory, disagreements, type Violation } from './fault-checker.js';
import type { Snapshot } from './fault-history.js';
import { FaultProxy } from './fault-proxy.js';
import { FaultRecorder, inProcessAgents, writerByProxy, type RecordedMaster } from './fault-recorder.js';
import { until } from './poll.js';
import { leaderOf, spawnMaster, type MasterProcess } from './processes.js';
import { startRedis, type RedisServer, type StartRedisOptions } from './redis.js';

export interface FaultClusterOptions {
  masters?: number;
  agents?: number;
  runtime?: RuntimeKind;
  /** Arguments every master gets after the defaults (a shorter lease, say). */
  masterArgs?: string[];
  /** Environment of the first master only (BERTH_FAILPOINT, for one). */
  firstMasterEnv?: Record<string, string>;
  redis?: StartRedisOptions;
}

/** The defaults: a 1 s lease, a fast allocator, 5 s for agents to come back after a failover. */
const MASTER_ARGS = ['--lease', '1s', '--allocation-interval', '200ms', '--failover-reregister-timeout', '5s'];
const KEY_PREFIX = 'berth:';

export interface NamedMaster extends MasterProcess {
  name: string;
  proxy: FaultProxy;
}

export class FaultCluster {
  readonly masters: NamedMaster[] = [];
  readonly agents: Agent[] = [];
  #recorded: RecordedMaster[] = [];
  #proxies: Record<string, FaultProxy> = {};
  #usedOffers = new Set<string>();
  /** Launches the master did not acknowledge, with why (for the timeline of a failed wait). */
  #refusedLaunches: { atMs: number; taskIds: string[]; why: string; code: string }[] = [];
  recorder!: FaultRecorder;
  fw!: TestFramework;

  private constructor(readonly t: Test, readonly redis: RedisServer, readonly options: FaultClusterOptions) {}

  /** Starts everything, the first master leading; undefined when Redis (or Docker) is missing outside CI. */
  static async start(t: Test, options: FaultClusterOptions = {}): Promise<FaultCluster | undefined> {
    if (options.runtime === 'docker') {
      if (!(await requireDocker(t))) return undefined;
      await ensureBusyboxImage();
    }
    const redis = await startRedis(t, { appendonly: true, ...options.redis });
    if (!redis) return undefined;
    const c = new FaultCluster(t, redis, options);
    for (let i = 0; i < (options.masters ?? 2); i++) {
      await c.startMaster(i === 0 ? options.firstMasterEnv : undefined);
      if (i === 0) await leaderOf([c.masters[0] as NamedMaster]);
    }
    const urls = c.masters.map((m) => m.url).join(',');
    for (let i = 0; i < (options.agents ?? 1); i++) {
      c.agents.push(await testAgent(t, urls, options.runtime ?? 'process', { ports: [34000 + i * 100, 34099 + i * 100], cpus: 4, memMb: 2048, hostname: `fault-agent-${i}` }));
    }
    const client = new SchedulerClient({ masterUrl: c.masters.map((m) => m.url), framework: { name: 'faults', roles: ['*'], failoverTimeoutMs: 60_000 } });
    c.fw = new TestFramework(client);
    t.teardown(() => client.close());
    await c.fw.next('subscribed', (e) => (e.type === 'subscribed' ? e : undefined));
    c.recorder = await FaultRecorder.start(t, {
      masters: c.#recorded,
      redis: { port: redis.port, keyPrefix: KEY_PREFIX, writerOf: writerByProxy(c.#proxies) },
      frameworks: { fw: c.fw },
      agents: inProcessAgents(c.agents),
      ...(options.runtime === 'docker' ? { dockerAgents: () => c.agents.map((a) => a.agentId) } : {}),
    });
    return c;
  }

  /** Starts one more master (m1, m2...) on its own proxy to Redis. */
  async startMaster(env?: Record<string, string>): Promise<NamedMaster> {
    const name = `m${this.masters.length + 1}`;
    const proxy = await FaultProxy.start(this.t, this.redis.port);
    const args = ['--redis', `redis://127.0.0.1:${proxy.port}`, ...MASTER_ARGS, ...(this.options.masterArgs ?? [])];
    const m: NamedMaster = Object.assign(await spawnMaster(this.t, args, env), { name, proxy });
    this.masters.push(m);
    this.#proxies[name] = proxy;
    this.#recorded.push({ name, http: m.http });
    return m;
  }

  /** The master that leads now (waiting for one). */
  async leader(timeoutMs = 20_000): Promise<{ master: NamedMaster; epoch: number }> {
    const { master, epoch } = await leaderOf(this.masters, timeoutMs);
    return { master: master as NamedMaster, epoch };
  }

  /**
   * Waits until `from` has gone (died of `signal`, or exited with `code`) and another master leads
   * under the next epoch, asserting both; records the heal there, and returns the new leader.
   */
  async failedOver(from: NamedMaster, epoch: number, how: { signal: NodeJS.Signals } | { code: number }): Promise<NamedMaster> {
    await until(`${from.name} gone`, () => from.exited(), 30_000);
    if ('signal' in how) this.t.equal(from.proc.signalCode, how.signal, `${from.name} died of ${how.signal}`);
    else this.t.equal(from.proc.exitCode, how.code, `${from.name} exited with code ${how.code}`);
    this.recorder.healed();
    const next = await this.leader();
    this.t.not(next.master.name, from.name, 'another master leads');
    this.t.equal(next.epoch, epoch + 1, 'under the next epoch');
    return next.master;
  }

  /** A fresh offer (not used before), waiting for the allocator. */
  async offer(timeoutMs = 20_000): Promise<ResourceOffer> {
    const offer = await until('a fresh offer', () => {
      for (let i = this.fw.events.length - 1; i >= 0; i--) {
        const e = this.fw.events[i];
        if (e?.type !== 'offers') continue;
        const o = e.offers.find((x) => !this.#usedOffers.has(x.id));
        if (o) return o;
      }
      return undefined;
    }, timeoutMs);
    this.#usedOffers.add(offer.id);
    return offer;
  }

  /** Launches tasks (sleep 600 unless a command is given) on a fresh offer; records the acknowledgement. */
  async launch(ids: string[], command = 'sleep 600'): Promise<void> {
    const offer = await this.offer();
    const image = this.options.runtime === 'docker' ? { container: { type: ContainerType.DOCKER, image: BUSYBOX_IMAGE } } : {};
    try {
      await this.fw.client.launch([offer.id], ids.map((taskId) => ({ taskId, resources: { cpus: 0.1, memMb: 16 }, command: { value: command, shell: true }, ...image })));
    } catch (err) {
      // A launch the master refused leaves its offer outstanding (docs/protocol.md): give it back
      // at once, or the agent's resources stay held until the offer timeout, past any wait here.
      if (err instanceof SchedulerCallError && !err.mayHaveTakenEffect) this.fw.client.decline([offer.id], 0).catch(() => undefined);
      throw err;
    }
    this.recorder.launchAcked(ids);
  }

  /** Launches tasks and waits until the framework heard each RUNNING. */
  async running(ids: string[], command?: string): Promise<void> {
    await this.launch(ids, command);
    await this.heard(ids, TaskState.TASK_RUNNING);
  }

  /** launch(), but false (nothing recorded) when the master did not acknowledge it. */
  async tryLaunch(ids: string[], command?: string): Promise<boolean> {
    try {
      await this.launch(ids, command);
      return true;
    } catch (err) {
      this.#refusedLaunches.push({ atMs: Date.now(), taskIds: ids, why: (err as Error).message, code: err instanceof SchedulerCallError ? err.code : '' });
      return false;
    }
  }

  /** Waits until the framework heard this state for every task. */
  async heard(ids: string[], state: TaskState, timeoutMs = 30_000): Promise<void> {
    for (const id of ids) await this.fw.next(`${id} ${stateName(state)}`, (e) => (e.type === 'update' && e.status.taskId === id && e.status.state === state ? true : undefined), 0, timeoutMs);
  }

  /**
   * After the heal: launches one task, retrying on fresh offers while the cluster settles (an offer
   * of a deposed leader is refused), and records the state it reached.
   */
  async launchAfterHeal(taskId: string, timeoutMs = 30_000): Promise<void> {
    await this.#explained(async () => {
      await until(`${taskId} launched after the heal`, async () => (await this.tryLaunch([taskId])) || this.#landedUnanswered(taskId) || undefined, timeoutMs, 200);
      await this.heard([taskId], TaskState.TASK_RUNNING, timeoutMs);
    });
    this.recorder.launchAfterHeal(taskId, 'RUNNING');
  }

  /**
   * True when the last launch of the task was refused because its id is taken: an earlier try whose
   * answer was lost (the leader changed again before it answered) did land.
   */
  #landedUnanswered(taskId: string): boolean {
    const last = this.#refusedLaunches.at(-1);
    return last?.taskIds.includes(taskId) === true && last.code === ErrorCode.TASK_ID_DUPLICATE;
  }

  /**
   * Runs a wait; when it fails, prints what the framework heard, the launches refused and the
   * faults, in time order, into the test's output (a failure in CI is all that is left of a run).
   */
  async #explained(wait: () => Promise<void>): Promise<void> {
    try {
      await wait();
    } catch (err) {
      this.t.comment(this.timeline().join('\n'));
      for (const m of this.masters) this.t.comment(`${m.name} logged (last 40 lines):\n${m.output().trimEnd().split('\n').slice(-40).join('\n')}`);
      throw err;
    }
  }

  /** The framework's events, refused launches and recorded faults and heals, oldest first, each with its time. */
  timeline(): string[] {
    const lines: { atMs: number; text: string }[] = [];
    this.fw.events.forEach((e, i) => lines.push({ atMs: this.fw.arrivedAtMs[i] ?? 0, text: `framework ${describeEvent(e)}` }));
    for (const r of this.#refusedLaunches) lines.push({ atMs: r.atMs, text: `launch of ${r.taskIds.join(',')} not acknowledged: ${r.why}` });
    for (const e of this.recorder.events) {
      if (e.kind === 'fault') lines.push({ atMs: e.atMs, text: `fault: ${e.what}` });
      else if (e.kind === 'healed') lines.push({ atMs: e.atMs, text: 'healed' });
      else if (e.kind === 'launch-acked') lines.push({ atMs: e.atMs, text: `launch acknowledged: ${e.taskId}` });
      else if (e.kind === 'leader') lines.push({ atMs: e.atMs, text: `${e.master} leads under epoch ${e.epoch}` });
    }
    lines.sort((a, b) => a.atMs - b.atMs);
    const start = lines[0]?.atMs ?? 0;
    return lines.map((l) => `+${l.atMs - start} ms ${l.text}`);
  }

  /** Waits until a snapshot shows master, agents and framework agreeing (what the checker measures). */
  async settled(timeoutMs = 30_000): Promise<void> {
    await this.#explained(() => until('master, agents and framework agree', () => {
      const last = this.recorder.events.findLast((e): e is Snapshot & { kind: 'snapshot' } => e.kind === 'snapshot');
      if (!last) return undefined;
      const latest = new Map<string, string>();
      for (const e of this.recorder.events) if (e.kind === 'update') latest.set(e.taskId, e.state);
      return disagreements(last, latest).length === 0 ? true : undefined;
    }, timeoutMs, 100).then(() => undefined));
  }

  /** Stops recording and checks the history; on violations, says where the history was written. */
  async check(convergenceBoundMs: number): Promise<Violation[]> {
    const violations = checkHistory(await this.recorder.stop(), { convergenceBoundMs });
    if (violations.length > 0 || process.env.BERTH_FAULTS_DUMP) this.t.comment(`history: ${await this.recorder.dump(this.t.name.replace(/\W+/g, '-').slice(0, 40))}`);
    return violations;
  }
}

function describeEvent(e: SchedulerEvent): string {
  switch (e.type) {
    case 'offers':
      return `offers ${e.offers.map((o) => `${o.id.slice(0, 8)}@${o.agentId.slice(0, 8)}`).join(' ')}`;
    case 'update':
      return `update ${e.status.taskId} ${stateName(e.status.state)}${e.status.message ? ` (${e.status.message})` : ''}`;
    case 'disconnected':
      return `disconnected ${e.code} ${e.reason}`;
    case 'error':
      return `error ${e.error.code}: ${e.error.message}`;
    case 'subscribed':
      return `subscribed to ${e.masterId}${e.reconnected ? ' (again)' : ''}`;
    case 'rescind':
      return `rescind ${e.offerId.slice(0, 8)}`;
    default:
      return e.type;
  }
}

