// failover: two masters on one redis-server (every write fsync'd), 1,000 hollow agents and a
// framework with 10,000 RUNNING tasks; the leader is killed with SIGKILL and the bench times, from
// the kill, (1) a new leader, (2) every agent re-registered with it, (3) the first task launched
// after the failover RUNNING. Masters, agents and the framework run on their default settings
// (lease, presence, reconnect backoff); the baseline beside it is the same run with presence off
// (a standby waits out the 10 s lease). While the 10,000 tasks launch, the
// standby is watched: a busy leader that lost its lease would show as a new epoch.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AGENT_DEFAULTS } from '../agent/index.js';
import { CallErrorCode, SchedulerCallError, SchedulerClient, TaskState, isTerminal, pack, type ResourceOffer } from '../frameworks/sdk/index.js';
import { sleep, spawnMaster, spawnRedis, startFleet, type AgentFleet, type MasterProcess } from './cluster-kit.js';
import { parseFlags } from './flags.js';
import type { BenchReport } from './report.js';

/** One way to run the masters: its name in the table and its extra `berth master` flags. */
export interface FailoverSetting {
  name: string;
  flags: string[];
}

export interface FailoverOptions {
  agents: number;
  tasks: number;
  /** Worker threads the hollow agents run in, apart from the framework's thread. */
  workers: number;
  /** Settings to compare; the first is the target's, the last the baseline. */
  settings: FailoverSetting[];
}

const defaults: FailoverOptions = {
  agents: 1_000,
  tasks: 10_000,
  workers: 2,
  settings: [
    { name: 'defaults (10 s lease, presence on)', flags: [] },
    { name: 'presence off (10 s lease alone; baseline)', flags: ['--presence', 'off'] },
  ],
};
const SHAPE = { cpus: 0.01, memMb: 1 };
const TARGET_FIRST_RUNNING_S = 2;

interface Health {
  leadership: string;
  epoch: number;
  agents: number;
  agentsConnected: number;
}

/**
 * The master's /health, or undefined when it cannot be reached. A new leader busy with a thousand
 * re-registrations answers late, so a probe waits long for its answer: one given up on too early
 * would be sent again behind the same queue, and the time it reports would be later than the truth.
 */
async function health(m: MasterProcess): Promise<Health | undefined> {
  try {
    return (await (await fetch(`${m.httpUrl}/health`, { signal: AbortSignal.timeout(5_000) })).json()) as Health;
  } catch {
    return undefined;
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 10): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`failover: no ${what} within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

interface Timings {
  setting: string;
  /** Elections while the tasks launched (the standby took the lease from a busy leader): should be 0. */
  leaseLossesUnderLoad: number;
  /** How often the standby was seen not standing by while the tasks launched. */
  standbyNotStandingBy: number;
  launchSeconds: number;
  /** Tasks that ended before the kill (their agent lost on a starved harness) and were launched again. */
  lostBeforeKill: number;
  /** Times the framework subscribed again before the kill (its connection dropped), and the launches that could not be sent meanwhile. */
  reconnectsBeforeKill: number;
  unsentBeforeKill: number;
  /** The close code and reason of each of those drops, as the SDK reported them. */
  dropReasons: string[];
  leaderS: number;
  agentsS: number;
  firstRunningS: number;
  epochBefore: number;
  epochAfter: number;
}

async function scenario(redisUrl: string, setting: FailoverSetting, o: FailoverOptions): Promise<Timings> {
  const flags = ['--redis', redisUrl, ...setting.flags];
  const a = await spawnMaster(flags);
  const first = await waitFor('first leader', async () => {
    const h = await health(a);
    return h?.leadership === 'leading' ? h : undefined;
  }, 20_000);
  const b = await spawnMaster(flags);
  await waitFor('a standby', async () => ((await health(b))?.leadership === 'standby' ? true : undefined), 20_000);
  const root = await mkdtemp(join('/dev/shm', 'berth-failover-'));
  const urls = [a.url, b.url];
  let fleet: AgentFleet | undefined;
  const client = new SchedulerClient({ masterUrl: urls, framework: { name: 'failover', roles: ['*'], failoverTimeoutMs: 600_000 } });
  let watching = true;
  let standbyNotStandingBy = 0;
  const watchStandby = (async () => {
    while (watching) {
      // Only an answer counts: a /health that timed out on the loaded machine says nothing.
      const seen = (await health(b))?.leadership;
      if (seen !== undefined && seen !== 'standby' && watching) standbyNotStandingBy++;
      await sleep(200);
    }
  })();
  try {
    fleet = await startFleet(o.agents, urls.join(','), root, o.workers, { reconnect: AGENT_DEFAULTS.reconnect });
    process.stderr.write(`failover: ${setting.name}, ${o.agents} agents registered; launching ${o.tasks} tasks...\n`);
    const launchStart = performance.now();
    let launchSeconds = NaN;
    const perAgent = Math.ceil(o.tasks / o.agents);
    let launched = 0;
    let nextId = 0;
    /** Tasks RUNNING before the kill; one that ends meanwhile (an agent the loaded harness starved) is launched again. */
    const running = new Set<string>();
    const ended = new Set<string>();
    let killedAt = 0;
    let firstAfter = '';
    /** Offers taken off the stream after the kill but sent by the dead leader are not used. */
    let resubscribed = false;
    let firstRunningS = NaN;
    let epochBefore = 0;
    let launchError: Error | undefined;
    /** Launches not sent before the kill because the framework was not connected; and its subscriptions. */
    let unsent = 0;
    let subscriptions = 0;
    const dropReasons: string[] = [];
    const leaderAndAgents = (async (): Promise<{ leaderS: number; agentsS: number; epochAfter: number }> => {
      // Started once the kill happened (killedAt set by the event loop below).
      await waitFor('kill', async () => (killedAt || launchError ? true : undefined), 600_000, 20);
      if (launchError) return { leaderS: NaN, agentsS: NaN, epochAfter: 0 };
      const h = await waitFor('new leader', async () => {
        const x = await health(b);
        return x?.leadership === 'leading' ? x : undefined;
      }, 60_000);
      const leaderS = (performance.now() - killedAt) / 1000;
      await waitFor('agents back', async () => ((await health(b))?.agentsConnected === o.agents ? true : undefined), 120_000, 20);
      return { leaderS, agentsS: (performance.now() - killedAt) / 1000, epochAfter: h.epoch };
    })();
    const launch = (offer: ResourceOffer, count: number, prefix: string): string[] => {
      const placed = pack(offer, Array(count).fill(SHAPE));
      const ids = placed.map((_, i) => `${prefix}-${nextId + i}`);
      nextId += placed.length;
      launched += placed.length;
      client.launch([offer.id], placed.map((p, i) => ({ taskId: ids[i] as string, resources: p.resources, command: { value: 'sleep 3600', shell: true } })))
        .catch((err: Error) => {
          // Not sent (the connection was down): no effect, and the offers after the next
          // subscription place those tasks. Counted, since a leader that drops its framework under
          // load is worth knowing of.
          if (err instanceof SchedulerCallError && err.code === CallErrorCode.NOT_CONNECTED && !killedAt) {
            launched -= placed.length;
            unsent++;
            return;
          }
          // A refused launch would leave the bench waiting for tasks that never come: say so and stop.
          launchError ??= err;
          process.stderr.write(`failover: a launch of ${placed.length} tasks was refused: ${err.message}\n`);
          void client.close();
        });
      return ids;
    };
    for await (const event of client.events()) {
      if (event.type === 'subscribed' && killedAt) resubscribed = true;
      if (event.type === 'subscribed' && !killedAt) subscriptions++;
      if (event.type === 'disconnected' && !killedAt) {
        dropReasons.push(`${event.code} ${event.reason}`);
        process.stderr.write(`failover: the framework's connection dropped before the kill (${event.code} ${event.reason})\n`);
      }
      if (event.type === 'offers') {
        if (killedAt && !resubscribed) continue;
        for (const offer of event.offers) {
          if (killedAt && !firstAfter) [firstAfter] = launch(offer, 1, 'after');
          else if (!killedAt && launched < o.tasks) launch(offer, Math.min(perAgent, o.tasks - launched), 'before');
          else client.decline([offer.id], 60);
        }
      }
      if (event.type === 'update' && !killedAt && isTerminal(event.status.state) && !ended.has(event.status.taskId)) {
        ended.add(event.status.taskId);
        running.delete(event.status.taskId);
        launched--;
        // Its agent's offers were declined for a minute once every task was placed.
        void client.revive().catch(() => undefined);
      }
      if (event.type === 'update' && event.status.state === TaskState.TASK_RUNNING) {
        if (event.status.taskId === firstAfter) {
          firstRunningS = (performance.now() - killedAt) / 1000;
          break;
        }
        if (!killedAt && running.add(event.status.taskId).size === o.tasks) {
          launchSeconds = (performance.now() - launchStart) / 1000;
          watching = false;
          await watchStandby;
          epochBefore = (await health(a))?.epoch ?? 0;
          await sleep(1_000);
          killedAt = performance.now();
          a.child.kill('SIGKILL');
          process.stderr.write(`failover: ${o.tasks} tasks RUNNING; leader killed\n`);
        }
      }
    }
    if (launchError) throw new Error(`failover: the framework's launches were refused (${launched} placed, ${running.size} RUNNING): ${launchError.message}`, { cause: launchError });
    const rest = await leaderAndAgents;
    return { setting: setting.name, leaseLossesUnderLoad: epochBefore - first.epoch, standbyNotStandingBy, launchSeconds, lostBeforeKill: ended.size, reconnectsBeforeKill: subscriptions - 1, unsentBeforeKill: unsent, dropReasons, firstRunningS, epochBefore, ...rest };
  } finally {
    watching = false;
    await client.close();
    await fleet?.stop();
    await a.stop();
    await b.stop();
    await rm(root, { recursive: true, force: true });
  }
}

const FLAGS = {
  agents: { kind: 'int', min: 1, default: defaults.agents, help: 'hollow agents' },
  tasks: { kind: 'int', min: 1, default: defaults.tasks, help: 'tasks RUNNING before the kill' },
  workers: { kind: 'int', min: 1, max: 16, default: defaults.workers, help: "worker threads the hollow agents run in (the framework has the main thread to itself)" },
} as const;

export async function run(args: readonly string[] = []): Promise<BenchReport> {
  const o: FailoverOptions = { ...defaults, ...parseFlags('failover', args, FLAGS) };
  const dir = await mkdtemp(join('/dev/shm', 'berth-failover-redis-'));
  const results: Timings[] = [];
  try {
    for (const setting of o.settings) {
      const redis = await spawnRedis(await mkdtemp(join(dir, 'r-')));
      try {
        results.push(await scenario(redis.url, setting, o));
      } finally {
        await redis.stop();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const fast = results[0] as Timings;
  const base = results[results.length - 1] as Timings;
  return {
    bench: 'failover',
    title: `kill -9 of the leading master: ${o.agents} hollow agents (real agent code and protocol, in ${o.workers} worker threads), ${o.tasks} RUNNING tasks, 2 masters on redis-server (appendfsync always); times from the kill`,
    columns: ['masters', 'launch s', 'lost before the kill', 'framework reconnects before the kill', 'lease losses under load', 'new leader s', 'all agents back s', 'first new task RUNNING s', 'epoch', 'vs baseline'],
    rows: results.map((r) => [
      r.setting,
      r.launchSeconds,
      r.lostBeforeKill,
      r.reconnectsBeforeKill,
      r.leaseLossesUnderLoad,
      r.leaderS,
      r.agentsS,
      r.firstRunningS,
      `${r.epochBefore} -> ${r.epochAfter}`,
      `${(r.firstRunningS / base.firstRunningS).toFixed(2)}x`,
    ]),
    results: { agents: o.agents, tasks: o.tasks, workers: o.workers, runs: results },
    targets: [
      { name: `first new task RUNNING after the kill, ${fast.setting}`, value: fast.firstRunningS, unit: 's', op: '<=', target: TARGET_FIRST_RUNNING_S },
      ...results.map((r) => ({ name: `lease losses of the busy leader while ${o.tasks} tasks launched, ${r.setting}`, value: r.leaseLossesUnderLoad + r.standbyNotStandingBy, unit: '', op: '<=' as const, target: 0 })),
    ],
    notes: [
      'the runtime is HOLLOW: agents are real, tasks only pretend to run',
      '"framework reconnects before the kill": times the framework subscribed again while the tasks launched (its connection to the leader dropped); launches it could not send meanwhile were placed again on later offers',
      'agents and the framework reconnect with their default backoff (agents 500 ms doubling to 10 s, the SDK 200 ms to 5 s, both jittered) and follow the standby\'s redirect',
      '"lost before the kill": tasks whose (hollow) agent the harness starved of its heartbeat during the launch; they were launched again, and a run with many is a loaded one',
      '"lease losses under load": epochs the leader lost while the tasks launched (a new election), plus the times the standby, polled every 200 ms, answered that it was not standing by',
      'the Mesos paper measured 4-8 s for a master failover; with presence off, detection is bounded by the lease',
    ],
  };
}
