// latency: steady-state launch latency. One master in its own process, N hollow agents (the
// compact pool by default: the real agent protocol; tasks only pretend to run, each for --task-ms)
// and a framework on the SDK's TaskQueue with holdOffers (it packs waiting tasks into offers and
// keeps the offers it cannot use while work keeps coming, launching on them the moment a task is
// added). Tasks are wanted at a fixed rate on an open-loop schedule: task i is due at t0 + i / rate whatever the system does, and its demand latency is counted from
// that time, so a slow master cannot hide a queue (coordinated omission). Reports p50/p99/max of
// ACCEPT -> RUNNING (the framework's launch call to the RUNNING update) and demand -> RUNNING, and
// the master's allocation runs and offers per second. The baseline in the same run is a raw loop
// on the same agents at the same rates (./latency-frameworks.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { procStat, sleep, spawnMaster, startFleet, type AgentFleet, type MasterProcess } from './cluster-kit.js';
import { parseFlags } from './flags.js';
import { FRAMEWORK_KINDS, startFramework, type FrameworkKind } from './latency-frameworks.js';
import { percentile, type BenchReport, type Target } from './report.js';

const FLAGS = {
  agents: { kind: 'int', min: 1, max: 20_000, default: 5_000, help: 'hollow agents of the measured cell' },
  rates: { kind: 'string', default: '1000,5000', help: 'task arrival rates per second, comma-separated' },
  seconds: { kind: 'number', min: 0.5, max: 600, default: 10, help: 'how long tasks arrive at each rate' },
  'task-ms': { kind: 'int', min: 0, max: 600_000, default: 2_000, help: 'how long each hollow task runs (its end frees resources)' },
  workers: { kind: 'int', min: 1, max: 16, default: 3, help: 'worker threads for the hollow agents' },
  frameworks: { kind: 'string', default: 'raw,taskqueue', help: `which frameworks take turns at each rate, comma-separated: ${FRAMEWORK_KINDS.join(', ')} (taskqueue-decline: the TaskQueue without holdOffers; taskqueue-unlimited: holdOffers without suppressedRoles and maxOffers)` },
  lease: { kind: 'string', help: "the master's --lease (like 60s): on a machine so loaded that a starved master steps down; nothing measured depends on it" },
  harness: { kind: 'string', default: 'compact', help: 'what plays the agents: compact (bench/hollow-pool.ts, the protocol only) or full (the Agent class with its checkpoint)' },
} as const;

const FRAMEWORK_NAMES: Record<FrameworkKind, string> = { raw: 'raw loop (baseline)', taskqueue: 'SDK TaskQueue, holdOffers', 'taskqueue-decline': 'SDK TaskQueue, declining', 'taskqueue-unlimited': 'TaskQueue, holdOffers, no limit' };
const TARGET_ACCEPT_P99_MS = 50;
const TARGET_DEMAND_P99_MS = 250;
/** A rate whose tasks are not all RUNNING this long after the last was due has fallen behind for good. */
const DRAIN_MS = 30_000;
/** As in the scale bench: the harness saturates above these, and then the master did not set the pace. */
const MAX_HARNESS_LAG_MS = 200;
const MAX_HARNESS_ELU = 0.95;
const MASTER_SATURATED = 0.85;

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface RateResult {
  framework: FrameworkKind;
  agents: number;
  rate: number;
  wanted: number;
  running: number;
  /** p99 ACCEPT -> RUNNING of the tasks due in each second of the schedule (where a p99 comes from). */
  acceptP99BySecondMs: number[];
  /** Tasks due per second over the achieved arrivals (1 = on schedule). */
  achievedRate: number;
  acceptMs: Percentiles;
  demandMs: Percentiles;
  /** ACCEPT -> RUNNING in three legs: to the master's answer (launch durable, RunTask sent), to the agent sending RUNNING, from there to the framework having it. */
  legs: { answerMs: Percentiles; toAgentMs: Percentiles; backMs: Percentiles };
  /** The master's own event loop over the rate: its worst delay and p99 (prom-client's monitor), and its garbage collection. */
  masterLagMaxMs: number;
  masterLagP99Ms: number;
  masterGcMsPerSecond: number;
  revives: number;
  suppresses: number;
  declines: number;
  allocationRunsPerSecond: number;
  allocationMsPerRun: number;
  offersPerSecond: number;
  masterCpuShare: number;
  /** The busiest harness thread (framework or agents): its loop busyness and p99 event-loop lag. */
  harnessElu: number;
  harnessLagP99Ms: number;
  fellBehind: boolean;
  /** The harness saturated while the master did not: the latencies are the harness's. */
  invalid: boolean;
}

function stats(values: number[]): Percentiles {
  const sorted = values.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

/** A starved master may drop a scrape (a reset connection): a few tries, a second apart. */
async function scrape(url: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await fetch(url)).text();
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(1_000);
    }
  }
}

/** The master's counters; its event-loop figures cover the time since the previous scrape (prom-client resets them on each). */
async function counters(m: MasterProcess): Promise<{ runs: number; allocationS: number; offers: number; lagMaxS: number; lagP99S: number; gcS: number }> {
  const text = await scrape(`${m.httpUrl}/metrics`);
  const read = (name: string): number => Number(new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  let gcS = 0;
  for (const match of text.matchAll(/^berth_master_nodejs_gc_duration_seconds_sum\{[^}]*\}\s+(\S+)/gm)) gcS += Number(match[1]);
  return {
    runs: read('berth_master_allocation_runs_total'), allocationS: read('berth_master_allocation_seconds_total'), offers: read('berth_master_offers_made_total'),
    lagMaxS: read('berth_master_nodejs_eventloop_lag_max_seconds'), lagP99S: read('berth_master_nodejs_eventloop_lag_p99_seconds'), gcS,
  };
}

/** One framework wanting `rate` tasks a second for `seconds`, open loop. */
async function runRate(master: MasterProcess, fleet: AgentFleet, kind: FrameworkKind, agents: number, rate: number, seconds: number): Promise<RateResult> {
  const wanted = Math.round(rate * seconds);
  const dueAt = new Float64Array(wanted);
  const accept: number[] = [];
  const demand: number[] = [];
  const legs = { answer: [] as number[], toAgent: [] as number[], back: [] as number[] };
  const bySecond: number[][] = Array.from({ length: Math.ceil(seconds) }, () => []);
  const fw = startFramework(kind, master.url, `latency-${kind}-${rate}`, (n, taskId, agentSentAtMs) => {
    const now = performance.now();
    const acceptedAt = fw.acceptedAt.get(taskId) ?? NaN;
    // The agents' wall clock on this thread's monotonic one: the same machine's clock.
    const sentAt = agentSentAtMs - performance.timeOrigin;
    demand.push(now - (dueAt[n] as number));
    accept.push(now - acceptedAt);
    bySecond[Math.floor(n / rate)]?.push(now - acceptedAt);
    legs.answer.push((fw.answeredAt.get(taskId) ?? NaN) - acceptedAt);
    legs.toAgent.push(sentAt - acceptedAt);
    legs.back.push(now - sentAt);
    fw.acceptedAt.delete(taskId);
    fw.answeredAt.delete(taskId);
  });
  await fw.subscribed;
  const c0 = await counters(master);
  const cpu0 = procStat(master.pid).cpuSeconds;
  await fleet.measure();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  let added = 0;
  // The schedule is fixed in advance; a late timer adds every task that became due meanwhile.
  for (let i = 0; i < wanted; i++) dueAt[i] = t0 + (i * 1000) / rate;
  while (added < wanted) {
    const now = performance.now();
    while (added < wanted && (dueAt[added] as number) <= now) {
      fw.want(added++);
    }
    await sleep(1);
  }
  const lastDue = performance.now();
  while (demand.length < wanted && performance.now() - lastDue < DRAIN_MS) await sleep(20);
  const wall = (performance.now() - t0) / 1000;
  const c1 = await counters(master);
  const cpu1 = procStat(master.pid).cpuSeconds;
  const workers = await fleet.report();
  lag.disable();
  const elu = performance.eventLoopUtilization(elu0).utilization;
  process.stderr.write(`latency:   harness: framework thread ${(elu * 100).toFixed(0)}% busy, lag p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms; busiest agent worker ${(workers.elu * 100).toFixed(0)}%, lag p99 ${workers.lagP99Ms.toFixed(0)} ms\n`);
  await fw.close();
  const runs = c1.runs - c0.runs;
  return {
    framework: kind,
    agents,
    rate,
    wanted,
    running: demand.length,
    acceptP99BySecondMs: bySecond.map((ms) => stats(ms.filter(Number.isFinite)).p99),
    achievedRate: wanted / ((lastDue - t0) / 1000),
    acceptMs: stats(accept.filter(Number.isFinite)),
    demandMs: stats(demand),
    legs: { answerMs: stats(legs.answer.filter(Number.isFinite)), toAgentMs: stats(legs.toAgent.filter(Number.isFinite)), backMs: stats(legs.back.filter(Number.isFinite)) },
    masterLagMaxMs: c1.lagMaxS * 1000,
    masterLagP99Ms: c1.lagP99S * 1000,
    masterGcMsPerSecond: ((c1.gcS - c0.gcS) * 1000) / wall,
    ...fw.calls,
    allocationRunsPerSecond: runs / wall,
    allocationMsPerRun: ((c1.allocationS - c0.allocationS) * 1000) / (runs || NaN),
    offersPerSecond: (c1.offers - c0.offers) / wall,
    masterCpuShare: (cpu1 - cpu0) / wall,
    harnessElu: Math.max(elu, workers.elu),
    harnessLagP99Ms: Math.max(lag.percentile(99) / 1e6, workers.lagP99Ms),
    fellBehind: demand.length < wanted,
    invalid: false,
  };
}

async function runCell(agents: number, rates: number[], kinds: FrameworkKind[], f: { seconds: number; 'task-ms': number; workers: number; harness: string; lease?: string }): Promise<RateResult[]> {
  const root = await mkdtemp(join('/dev/shm', 'berth-latency-'));
  const master = await spawnMaster(f.lease ? ['--lease', f.lease] : []);
  const agentOptions = { compact: f.harness === 'compact', ...(f['task-ms'] > 0 ? { taskDurationMs: f['task-ms'] } : {}) };
  const fleet = await startFleet(agents, master.url, root, f.workers, agentOptions).catch(async (err: unknown) => {
    await master.stop();
    throw err;
  });
  const out: RateResult[] = [];
  try {
    process.stderr.write(`latency: ${agents} agents registered\n`);
    for (const rate of rates) for (const kind of kinds) {
      // The previous run's tasks end (and free their resources) before the next one starts.
      await sleep(f['task-ms'] + 1_000);
      const r = await runRate(master, fleet, kind, agents, rate, f.seconds);
      process.stderr.write(`latency:   ${kind} ${rate}/s: ${r.running}/${r.wanted} RUNNING, accept p99 ${r.acceptMs.p99.toFixed(1)} ms, demand p99 ${r.demandMs.p99.toFixed(1)} ms, ${r.allocationRunsPerSecond.toFixed(0)} runs/s\n`);
      process.stderr.write(`latency:   ${kind} ${rate}/s: accept p99 of the tasks due in each second: ${r.acceptP99BySecondMs.map((ms) => ms.toFixed(0)).join(', ')} ms\n`);
      r.invalid = (r.harnessLagP99Ms > MAX_HARNESS_LAG_MS || r.harnessElu > MAX_HARNESS_ELU) && r.masterCpuShare < MASTER_SATURATED;
      out.push(r);
    }
  } catch (err) {
    // The master's own last words say why it went away (its exit code and stderr); its exit may
    // be seen a moment after the refused connection.
    for (let i = 0; i < 40 && master.child.exitCode === null && master.child.signalCode === null; i++) await sleep(50);
    if (master.child.exitCode !== null || master.child.signalCode !== null) {
      throw new Error(`latency: the master exited (${master.child.exitCode ?? master.child.signalCode}) during the ${agents}-agent cell; its stderr ends:\n${master.stderr()}`, { cause: err });
    }
    throw err;
  } finally {
    await master.stop();
    await fleet.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
  return out;
}

export async function run(args: readonly string[] = []): Promise<BenchReport> {
  const f = parseFlags('latency', args, FLAGS);
  const rates = f.rates.split(',').map(Number);
  if (rates.some((r) => !Number.isInteger(r) || r < 1 || r > 100_000)) throw new Error(`latency: --rates must be whole numbers from 1 to 100000, got ${f.rates}`);
  const kinds = f.frameworks.split(',') as FrameworkKind[];
  if (kinds.some((k) => !FRAMEWORK_KINDS.includes(k))) throw new Error(`latency: --frameworks must be of ${FRAMEWORK_KINDS.join(', ')}, got ${f.frameworks}`);
  if (f.harness !== 'compact' && f.harness !== 'full') throw new Error(`latency: --harness must be compact or full, got ${f.harness}`);
  const all = await runCell(f.agents, rates, kinds, f);
  const base = all.filter((r) => r.framework === 'raw');
  const targets: Target[] = [];
  const at1k = all.find((r) => r.rate === 1_000 && r.framework === 'taskqueue');
  if (at1k) {
    const invalid = at1k.invalid ? ' (INVALID run: the harness saturated)' : '';
    targets.push({ name: `p99 ACCEPT -> RUNNING at 1,000/s, ${f.agents} agents${invalid}`, value: at1k.acceptMs.p99, unit: 'ms', op: '<=', target: TARGET_ACCEPT_P99_MS });
    targets.push({ name: `p99 demand -> RUNNING at 1,000/s, ${f.agents} agents${invalid}`, value: at1k.demandMs.p99, unit: 'ms', op: '<=', target: TARGET_DEMAND_P99_MS });
  }
  return {
    bench: 'latency',
    title: `steady launch latency on HOLLOW agents: an SDK TaskQueue framework (holdOffers) wanting tasks at a fixed rate (open loop, latency from each task's due time), ${f.seconds} s per rate, tasks run ${f['task-ms']} ms, ${f.agents} agents; baseline: a raw loop holding every offer`,
    columns: ['framework (HOLLOW runtime)', 'rate/s', 'RUNNING', 'accept p50 ms', 'accept p99', 'accept max', 'demand p50 ms', 'demand p99', 'demand max', 'alloc runs/s', 'ms/run', 'offers/s', 'revives', 'declined', 'master cpu%', 'answer p99 ms', 'to agent p99', 'back p99', 'master lag p99 / max ms', 'master gc ms/s', 'harness loop%', 'harness lag p99 ms', 'demand p99 vs base', 'valid'],
    rows: all.map((r) => {
      const b = base.find((x) => x.rate === r.rate);
      return [
        FRAMEWORK_NAMES[r.framework],
        r.rate,
        `${r.running}/${r.wanted}${r.fellBehind ? ' BEHIND' : ''}`,
        r.acceptMs.p50, r.acceptMs.p99, r.acceptMs.max,
        r.demandMs.p50, r.demandMs.p99, r.demandMs.max,
        r.allocationRunsPerSecond, r.allocationMsPerRun, r.offersPerSecond,
        r.revives, r.declines,
        r.masterCpuShare * 100,
        r.legs.answerMs.p99, r.legs.toAgentMs.p99, r.legs.backMs.p99,
        `${r.masterLagP99Ms.toFixed(0)} / ${r.masterLagMaxMs.toFixed(0)}`,
        r.masterGcMsPerSecond,
        r.harnessElu * 100,
        r.harnessLagP99Ms,
        b ? `${(r.demandMs.p99 / b.demandMs.p99).toFixed(2)}x` : '',
        r.invalid ? 'INVALID' : 'ok',
      ];
    }),
    results: { flags: f, runs: all },
    targets,
    notes: [
      f.harness === 'compact'
        ? 'runtime: HOLLOW, compact pool (the real agent protocol over loopback WebSockets, none of the agent\'s machinery: RUNNING is answered on RunTask, FINISHED after --task-ms)'
        : 'runtime: HOLLOW, full agents (the Agent class with its checkpoint; tasks only pretend to run)',
      'raw loop: holds every offer, launches each due task at once on the next held offer in turn (accept filter 0, so remainders come back at the next run); never declines or revives',
      'demand = the time a task was due on the fixed schedule (the framework adds it then, and the TaskQueue revives if it had suppressed or declined); ACCEPT = the framework\'s launch call',
      'the master runs with its defaults: allocation every 1 s and on triggers (an accept, a decline, a revive, freed resources, a new agent), at least allocationMinGapMs (20 ms) apart',
      'harness loop% and lag: the busiest of the framework\'s thread and the agents\' worker threads; near 100% the harness, not the master, sets the pace',
      `INVALID = the harness saturated (a thread's event-loop p99 lag > ${MAX_HARNESS_LAG_MS} ms or > ${MAX_HARNESS_ELU * 100}% busy) while the master used < ${MASTER_SATURATED * 100}% of a core: the latencies are then the harness's queue, not the master's`,
      'BEHIND = not every task was RUNNING within 30 s of the last one due',
      'ACCEPT -> RUNNING in legs (p99 of each, so they need not add up): answer = the launch call to the master\'s answer (validated, persisted, RunTask sent); to agent = the launch call to the agent sending RUNNING (its update\'s timestamp); back = from there to the framework having the update (the master persists, acknowledges and forwards it)',
      'master lag: its event loop\'s p99 and worst delay over the rate (prom-client); gc: milliseconds of garbage collection per second',
    ],
  };
}
