// scale: one master in its own process, N hollow agents (the real agent code and protocol over
// real WebSockets; the HollowRuntime only pretends to run tasks) and one SDK framework that packs
// tasks into every offer until all are RUNNING. Measures launches per second, offer-to-RUNNING
// latency, the master's RSS and CPU, and the event-loop lag and CPU of this harness process: a
// cell in which the harness, not the master, saturates is marked INVALID. The baseline is the same
// workload at 100 agents in the same run; every row's per-task cost is also given relative to it.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { SchedulerClient, TaskState, pack, type SchedulerCallError, type TaskShape } from '../frameworks/sdk/index.js';
import { procStat, sleep, spawnMaster, startFleet, type AgentFleet } from './cluster-kit.js';

/** Worker threads the hollow agents are spread over (the framework stays on the main thread). */
const HARNESS_WORKERS = 3;

const MB = 2 ** 20;
import { percentile, type BenchReport, type Target } from './report.js';

export interface ScaleCell {
  agents: number;
  tasks: number;
  /** Run the master under --cpu-prof and write the profile to this directory. */
  cpuProfDir?: string;
  /** Keep the master's state in Redis at this URL instead of memory. */
  redisUrl?: string;
}

export interface ScaleOptions {
  baseline: ScaleCell;
  cells: ScaleCell[];
  /** The longest one cell may take from the first offer to the last RUNNING. */
  cellTimeoutMs: number;
}

/** Tiny shapes, so 100,000 fit easily; each agent has room for far more than its share. */
const SHAPE: TaskShape = { cpus: 0.01, memMb: 1 };
/** Agents that connect at once; more only queue in the kernel and time out handshakes. */
/** The harness saturates when its p99 event-loop delay or its CPU use is above these. */
const MAX_HARNESS_LAG_MS = 200;
const MAX_HARNESS_ELU = 0.95;
/** A master using this much of a core during the launch is the bottleneck (it is single-threaded). */
const MASTER_SATURATED = 0.85;
const TARGET_LAUNCHES_PER_S = 5_000;
const TARGET_BYTES_PER_TASK = 2_048;

const QUICK: ScaleOptions = {
  baseline: { agents: 100, tasks: 2_000 },
  cells: [
    { agents: 1_000, tasks: 20_000 },
    { agents: 5_000, tasks: 100_000 },
    { agents: 10_000, tasks: 100_000 },
  ],
  cellTimeoutMs: 240_000,
};

const FULL: ScaleOptions = {
  baseline: { agents: 100, tasks: 2_000 },
  cells: [
    { agents: 1_000, tasks: 100_000 },
    { agents: 5_000, tasks: 100_000 },
    { agents: 10_000, tasks: 100_000 },
  ],
  cellTimeoutMs: 600_000,
};

export interface CellResult {
  agents: number;
  tasks: number;
  running: number;
  failed: number;
  store: string;
  registerSeconds: number;
  launchSeconds: number;
  launchesPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  offersReceived: number;
  offerEvents: number;
  master: {
    idleRssMb: number;
    agentsRssMb: number;
    loadedRssMb: number;
    bytesPerAgent: number;
    bytesPerTask: number;
    heapBytesPerTask: number;
    heapUsedMb: number;
    cpuSecondsRegister: number;
    cpuSecondsLaunch: number;
    cpuUsPerTask: number;
    cpuShareDuringLaunch: number;
  };
  harness: { lagP50Ms: number; lagP99Ms: number; lagMaxMs: number; cpuShareDuringLaunch: number; eventLoopUtilization: number; rssMb: number };
  harnessSaturated: boolean;
  masterSaturated: boolean;
  valid: boolean;
  invalidReason: string;
  cpuProfile?: string;
}

/** The master's V8 heap in use, from its Prometheus endpoint (prom-client's default process metrics). */
async function heapUsed(httpUrl: string): Promise<number> {
  try {
    const text = await (await fetch(`${httpUrl}/metrics`)).text();
    return Number(/^berth_master_nodejs_heap_size_used_bytes\s+(\S+)/m.exec(text)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** Samples the master's RSS a few times and keeps the lowest: RSS right after a burst holds garbage. */
async function settledRss(pid: number, samples = 5, everyMs = 400): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < samples; i++) {
    min = Math.min(min, procStat(pid).rssBytes);
    if (i < samples - 1) await sleep(everyMs);
  }
  return min;
}

/**
 * One framework: packs an even share of the tasks into every offer until all are launched. With
 * failoverTimeoutMs the master keeps the tasks that long after the framework disconnects at the
 * end; without it they are killed at once.
 */
export async function launchAll(masterUrl: string, cell: ScaleCell, timeoutMs: number, failoverTimeoutMs = 0): Promise<{
  running: number;
  failed: number;
  firstOfferAt: number;
  lastRunningAt: number;
  latencies: Float64Array;
  offersReceived: number;
  offerEvents: number;
  timedOut: boolean;
  disconnects: string[];
}> {
  const client = new SchedulerClient({ masterUrl, framework: { name: 'scale-bench', roles: ['*'], failoverTimeoutMs }, heartbeatTimeoutMs: 120_000 });
  const perOffer = Math.ceil(cell.tasks / cell.agents);
  const shapes: TaskShape[] = Array.from({ length: perOffer }, () => SHAPE);
  const offeredAt = new Float64Array(cell.tasks);
  const latencies = new Float64Array(cell.tasks);
  let launched = 0;
  let running = 0;
  let failed = 0;
  let firstOfferAt = NaN;
  let lastRunningAt = NaN;
  let offersReceived = 0;
  let offerEvents = 0;
  let timedOut = false;
  const disconnects: string[] = [];
  // A refused call rejects its promise (it is no error event): the first one ends the run.
  let refused: SchedulerCallError | undefined;
  const noteRefusal = (err: SchedulerCallError): void => {
    if (!err.mayHaveTakenEffect) refused ??= err;
  };
  let timer: NodeJS.Timeout | undefined;
  const armTimeout = (): void => {
    timer = setTimeout(() => {
      timedOut = true;
      void client.close();
    }, timeoutMs);
  };
  armTimeout();
  try {
    for await (const event of client.events()) {
      if (refused) throw new Error(`the master refused a call: ${refused.code}: ${refused.message}`);
      if (event.type === 'offers') {
        const at = performance.now();
        if (Number.isNaN(firstOfferAt)) firstOfferAt = at;
        offerEvents++;
        offersReceived += event.offers.length;
        const unused: string[] = [];
        for (const offer of event.offers) {
          const want = Math.min(perOffer, cell.tasks - launched);
          const placed = want > 0 ? pack(offer, want === perOffer ? shapes : shapes.slice(0, want)) : [];
          if (placed.length === 0) {
            unused.push(offer.id);
            continue;
          }
          const tasks = placed.map((p) => {
            const n = launched++;
            offeredAt[n] = at;
            return { taskId: `t${n}`, name: 'hollow', resources: p.resources, command: { value: 'true', shell: true } };
          });
          client.launch([offer.id], tasks, { refuseSeconds: 3_600 }).catch(noteRefusal);
        }
        if (unused.length > 0) client.decline(unused, 3_600).catch(noteRefusal);
        if (launched >= cell.tasks) client.suppress().catch(noteRefusal);
      } else if (event.type === 'update') {
        const state = event.status.state;
        if (state === TaskState.TASK_RUNNING) {
          const n = Number((event.status.taskId ?? '').slice(1));
          const now = performance.now();
          latencies[running++] = now - (offeredAt[n] as number);
          lastRunningAt = now;
          if (running + failed >= cell.tasks) break;
        } else if (state !== TaskState.TASK_STARTING && state !== TaskState.TASK_STAGING) {
          failed++;
          if (running + failed >= cell.tasks) break;
        }
      } else if (event.type === 'disconnected') {
        disconnects.push(`${event.code} ${event.reason}`);
      } else if (event.type === 'error') {
        throw new Error(`the master refused a call: ${event.error.code}: ${event.error.message}`);
      }
    }
  } finally {
    clearTimeout(timer);
    await client.close();
  }
  return { running, failed, firstOfferAt, lastRunningAt, latencies: latencies.subarray(0, running), offersReceived, offerEvents, timedOut, disconnects };
}

export async function runCell(cell: ScaleCell, timeoutMs: number): Promise<CellResult> {
  const root = await mkdtemp(join('/dev/shm', 'berth-scale-'));
  const master = await spawnMaster(cell.redisUrl ? ['--redis', cell.redisUrl] : [], cell.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cell.cpuProfDir] : []);
  let fleet: AgentFleet | undefined;
  try {
    await sleep(500);
    const idleRss = await settledRss(master.pid, 3, 200);
    const regStart = performance.now();
    const cpu0 = procStat(master.pid).cpuSeconds;
    // The agents run in worker threads, so the harness can use both cores; every thread's load counts.
    fleet = await startFleet(cell.agents, master.url, root, HARNESS_WORKERS);
    const registerSeconds = (performance.now() - regStart) / 1000;
    process.stderr.write(`scale:   ${cell.agents} agents registered in ${registerSeconds.toFixed(1)} s\n`);
    await sleep(1_000);
    const cpu1 = procStat(master.pid).cpuSeconds;
    const agentsRss = await settledRss(master.pid);
    const agentsHeap = await heapUsed(master.httpUrl);

    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const harnessCpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const cpu2 = procStat(master.pid).cpuSeconds;
    await fleet.measure();
    const wall0 = performance.now();
    const r = await launchAll(master.url, cell, timeoutMs);
    const workers = await fleet.report();
    const wall = (performance.now() - wall0) / 1000;
    const cpu3 = procStat(master.pid).cpuSeconds;
    const harnessCpu = process.cpuUsage(harnessCpu0);
    const elu = performance.eventLoopUtilization(elu0).utilization;
    lag.disable();
    const loadedRss = await settledRss(master.pid);
    const loadedHeap = await heapUsed(master.httpUrl);

    const sorted = Array.from(r.latencies).sort((a, b) => a - b);
    const launchSeconds = (r.lastRunningAt - r.firstOfferAt) / 1000;
    const harnessShare = (harnessCpu.user + harnessCpu.system) / 1e6 / wall;
    const lagP99 = lag.percentile(99) / 1e6;
    const reasons: string[] = [];
    if (r.timedOut) reasons.push(`timed out after ${timeoutMs / 1000} s with ${r.running} of ${cell.tasks} RUNNING`);
    if (r.failed > 0) reasons.push(`${r.failed} tasks failed`);
    if (r.disconnects.length > 0) reasons.push(`the framework was disconnected ${r.disconnects.length} times (first: ${r.disconnects[0]})`);
    const cpuLaunch = cpu3 - cpu2;
    const harnessSaturated = Math.max(lagP99, workers.lagP99Ms) > MAX_HARNESS_LAG_MS || Math.max(elu, workers.elu) > MAX_HARNESS_ELU;
    const masterSaturated = cpuLaunch / wall >= MASTER_SATURATED;
    if (harnessSaturated && !masterSaturated) {
      reasons.push(
        `the harness saturated (event-loop p99 lag ${Math.max(lagP99, workers.lagP99Ms).toFixed(0)} ms, busiest loop ${(Math.max(elu, workers.elu) * 100).toFixed(0)}% busy) while the master used ${((cpuLaunch / wall) * 100).toFixed(0)}% of a core`,
      );
    }
    const result: CellResult = {
      agents: cell.agents,
      tasks: cell.tasks,
      running: r.running,
      failed: r.failed,
      store: cell.redisUrl ? 'redis' : 'memory',
      registerSeconds,
      launchSeconds,
      launchesPerSecond: r.running / launchSeconds,
      latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN },
      offersReceived: r.offersReceived,
      offerEvents: r.offerEvents,
      master: {
        idleRssMb: idleRss / MB,
        agentsRssMb: agentsRss / MB,
        loadedRssMb: loadedRss / MB,
        bytesPerAgent: (agentsRss - idleRss) / cell.agents,
        bytesPerTask: (loadedRss - agentsRss) / (r.running || NaN),
        heapBytesPerTask: (loadedHeap - agentsHeap) / (r.running || NaN),
        heapUsedMb: loadedHeap / MB,
        cpuSecondsRegister: cpu1 - cpu0,
        cpuSecondsLaunch: cpuLaunch,
        cpuUsPerTask: (cpuLaunch * 1e6) / (r.running || NaN),
        cpuShareDuringLaunch: cpuLaunch / wall,
      },
      harness: {
        lagP50Ms: lag.percentile(50) / 1e6,
        lagP99Ms: Math.max(lagP99, workers.lagP99Ms),
        lagMaxMs: lag.max / 1e6,
        cpuShareDuringLaunch: harnessShare,
        eventLoopUtilization: Math.max(elu, workers.elu),
        rssMb: process.memoryUsage().rss / MB,
      },
      harnessSaturated,
      masterSaturated,
      valid: reasons.length === 0,
      invalidReason: reasons.join('; '),
    };
    return result;
  } finally {
    const t0 = performance.now();
    await master.stop();
    const t1 = performance.now();
    await fleet?.stop().catch(() => undefined);
    const t2 = performance.now();
    await rm(root, { recursive: true, force: true });
    process.stderr.write(`scale:   cleanup: master ${((t1 - t0) / 1000).toFixed(1)} s, agents ${((t2 - t1) / 1000).toFixed(1)} s, files ${((performance.now() - t2) / 1000).toFixed(1)} s\n`);
  }
}

async function newestProfile(dir: string): Promise<string | undefined> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile')).sort();
  return files.length > 0 ? join(dir, files[files.length - 1] as string) : undefined;
}

function row(r: CellResult, base: CellResult): (string | number)[] {
  return [
    `${r.agents} agents x ${r.tasks} tasks${r.cpuProfile ? ' (--cpu-prof)' : ''}`,
    r.launchesPerSecond,
    r.latencyMs.p50,
    r.latencyMs.p99,
    r.master.loadedRssMb,
    r.master.bytesPerTask,
    r.master.heapBytesPerTask,
    r.master.cpuSecondsLaunch,
    r.master.cpuShareDuringLaunch * 100,
    r.master.cpuUsPerTask,
    r.master.cpuUsPerTask / base.master.cpuUsPerTask,
    1e6 / r.master.cpuUsPerTask,
    r.harness.lagP99Ms,
    r.harness.eventLoopUtilization * 100,
    r.harness.cpuShareDuringLaunch * 100,
    !r.valid ? 'INVALID' : r.harnessSaturated ? 'ok, both busy' : 'ok',
  ];
}

export async function run(options: Partial<ScaleOptions> = {}): Promise<BenchReport> {
  const o = { ...QUICK, ...options };
  const log = (msg: string): boolean => process.stderr.write(`scale: ${msg}\n`);
  const results: CellResult[] = [];
  for (const cell of [o.baseline, ...o.cells]) {
    log(`${cell.agents} hollow agents, ${cell.tasks} tasks${cell.cpuProfDir ? `, master under --cpu-prof (${cell.cpuProfDir})` : ''}...`);
    const r = await runCell(cell, o.cellTimeoutMs);
    if (cell.cpuProfDir) {
      const profile = await newestProfile(cell.cpuProfDir);
      if (profile) r.cpuProfile = profile;
    }
    log(`  ${r.running} RUNNING, ${r.launchesPerSecond.toFixed(0)}/s, p50 ${r.latencyMs.p50.toFixed(0)} ms, p99 ${r.latencyMs.p99.toFixed(0)} ms, master ${r.master.loadedRssMb.toFixed(0)} MB, harness lag p99 ${r.harness.lagP99Ms.toFixed(0)} ms${r.valid ? '' : ` INVALID: ${r.invalidReason}`}`);
    results.push(r);
  }
  const base = results[0] as CellResult;
  const at5k = results.find((r) => r.agents === 5_000 && !r.cpuProfile);
  const targets: Target[] = [];
  if (at5k) {
    targets.push({ name: `task launches per second at 5,000 hollow agents${at5k.valid ? '' : ' (INVALID run)'}`, value: at5k.launchesPerSecond, unit: '/s', op: '>=', target: TARGET_LAUNCHES_PER_S });
    targets.push({ name: 'master memory per running task at 5,000 agents', value: at5k.master.bytesPerTask, unit: 'B', op: '<=', target: TARGET_BYTES_PER_TASK });
  }
  const notes = [
    'runtime: HOLLOW (real agent code and protocol over real loopback WebSockets; tasks only pretend to run)',
    `baseline: the same workload at ${base.agents} agents x ${base.tasks} tasks in the same run; "cpu/task vs base" is the master CPU per task relative to it`,
    'master: its own process, `berth master --log-level warn`, default allocation interval; RSS and CPU from /proc/<pid>',
    '"master-bound/s" = 1e6 / master cpu us per task: the launch rate the master could sustain with a core to itself (an extrapolation, not a measurement)',
    `heap B/task: the master's V8 heap in use (its /metrics) with all tasks running minus with the agents registered, per task; RSS B/task: the same from /proc VmRSS`,
    `RSS B/task: master RSS with all tasks running minus RSS with the agents registered and no tasks, per task; harness: the framework on the main thread, the agents in ${HARNESS_WORKERS} worker threads; lag and loop% are the worst of those threads; INVALID = the harness saturated (event-loop p99 > ${MAX_HARNESS_LAG_MS} ms or a thread > ${MAX_HARNESS_ELU * 100}% busy by eventLoopUtilization) while the master used < ${MASTER_SATURATED * 100}% of a core, a task failed, or the cell timed out; "ok, both busy" = both saturated, so launches/s is a lower bound of the master's; harness cpu% also counts libuv's file-system threads`,
    ...results.filter((r) => !r.valid).map((r) => `INVALID ${r.agents} agents: ${r.invalidReason}`),
    ...results.filter((r) => r.cpuProfile).map((r) => `cpu profile of the master at ${r.agents} agents: ${r.cpuProfile}`),
  ];
  return {
    bench: 'scale',
    title: 'launching tasks on HOLLOW agents: master in its own process, N agents + 1 packing framework in the harness',
    columns: ['cell (HOLLOW runtime)', 'launches/s', 'p50 ms', 'p99 ms', 'master MB', 'RSS B/task', 'heap B/task', 'master cpu s', 'master cpu%', 'cpu us/task', 'vs base', 'master-bound/s', 'lag p99 ms', 'harness loop%', 'harness cpu%', 'valid'],
    rows: results.map((r) => row(r, base)),
    results: { cells: results, baseline: { agents: base.agents, tasks: base.tasks } },
    targets,
    notes,
  };
}

/** The whole matrix at 100,000 tasks per cell (several minutes longer than the default). */
export function runFull(): Promise<BenchReport> {
  return run(FULL);
}

/** Only the 5,000-agent cell, with the master under --cpu-prof; the profile lands in /tmp. */
export async function runProfile(): Promise<BenchReport> {
  const dir = '/tmp/berth-scale-prof';
  await mkdir(dir, { recursive: true });
  return run({ cells: [{ agents: 5_000, tasks: 100_000, cpuProfDir: dir }] });
}
