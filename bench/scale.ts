// scale: one master in its own process, N hollow agents and one SDK framework that packs tasks
// into every offer until all are RUNNING. The agents are the compact pool by default (the real
// protocol over real WebSockets, without the agent's machinery, so the load generator stays far
// cheaper than the master); `--harness full` runs the real Agent class instead, measured on its
// own at small scale. Measures launches per second and the master's CPU per launched task (the
// headline), offer-to-RUNNING latency, the master's RSS, and the harness's own load: a cell in
// which the harness, not the master, saturates is marked INVALID. The state is in memory or in a
// redis-server the cell starts (appendfsync everysec or always). The baseline is the same
// workload at 100 agents in the same run; `--before DIST` also drives another build's master
// with the same harness, cell by cell.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { procStat, sleep, spawnMaster, spawnRedis, startFleet, type AgentFleet, type RedisProcess } from './cluster-kit.js';
import { percentile, type BenchReport } from './report.js';
import { launchAll } from './scale-framework.js';
import { HarnessKind, MASTER_SATURATED, MAX_HARNESS_ELU, MAX_HARNESS_LAG_MS, StoreKind, type CellResult, type ScaleCell } from './scale-cell.js';
import { scaleReport } from './scale-report.js';

export { HarnessKind, StoreKind, type CellResult, type ScaleCell } from './scale-cell.js';

/** Worker threads the full agents are spread over (the framework stays on the main thread). */
const FULL_WORKERS = 3;
/** One thread is plenty for the compact pool; the framework has the main thread. */
const COMPACT_WORKERS = 1;

const MB = 2 ** 20;

export interface ScaleOptions {
  baseline: ScaleCell;
  cells: ScaleCell[];
  /** The longest one cell may take from the first offer to the last RUNNING. */
  cellTimeoutMs: number;
}

/** The default matrix: the full agent on its own at small scale, then the compact pool. */
export const QUICK: ScaleOptions = {
  baseline: { agents: 100, tasks: 2_000 },
  cells: [
    { agents: 100, tasks: 2_000, harness: HarnessKind.FULL },
    { agents: 1_000, tasks: 20_000, harness: HarnessKind.FULL },
    { agents: 1_000, tasks: 20_000 },
    { agents: 5_000, tasks: 100_000 },
    { agents: 10_000, tasks: 100_000 },
  ],
  cellTimeoutMs: 240_000,
};

export const FULL: ScaleOptions = {
  baseline: { agents: 100, tasks: 2_000 },
  cells: [
    { agents: 1_000, tasks: 100_000 },
    { agents: 5_000, tasks: 100_000 },
    { agents: 10_000, tasks: 100_000 },
  ],
  cellTimeoutMs: 600_000,
};

/** From the master's Prometheus endpoint: V8 heap in use, allocation runs and the time spent in them. */
async function masterMetrics(httpUrl: string): Promise<{ heapUsed: number; allocationRuns: number; allocationSeconds: number }> {
  try {
    const text = await (await fetch(`${httpUrl}/metrics`)).text();
    const read = (name: string): number => Number(new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(text)?.[1] ?? NaN);
    return { heapUsed: read('berth_master_nodejs_heap_size_used_bytes'), allocationRuns: read('berth_master_allocation_runs_total'), allocationSeconds: read('berth_master_allocation_seconds_total') };
  } catch {
    return { heapUsed: NaN, allocationRuns: NaN, allocationSeconds: NaN };
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

/** A redis-server for one cell, its append-only file on disk (not /dev/shm, where fsync is free). */
async function startStore(store: StoreKind): Promise<{ redis?: RedisProcess; dir?: string }> {
  if (store === StoreKind.MEMORY) return {};
  const dir = await mkdtemp(join(tmpdir(), 'berth-scale-redis-'));
  const redis = await spawnRedis(dir, store === StoreKind.REDIS_EVERYSEC ? 'everysec' : 'always');
  return { redis, dir };
}

export async function runCell(cell: ScaleCell, timeoutMs: number): Promise<CellResult> {
  const store = cell.store ?? StoreKind.MEMORY;
  const harness = cell.harness ?? HarnessKind.COMPACT;
  const root = await mkdtemp(join('/dev/shm', 'berth-scale-'));
  const db = await startStore(store);
  const cli = cell.build ? join(cell.build, 'cli', 'main.js') : undefined;
  let fleet: AgentFleet | undefined;
  let master: Awaited<ReturnType<typeof spawnMaster>> | undefined;
  let onExit: ((code: number | null, signal: string | null) => void) | undefined;
  try {
    master = await spawnMaster([...(db.redis ? ['--redis', db.redis.url] : []), ...(cell.lease ? ['--lease', cell.lease] : [])], cell.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cell.cpuProfDir] : [], cli === undefined ? {} : { cli });
    const m = master;
    // A master that exits mid-cell (it lost its lease, say) ends the cell instead of hanging it.
    let gone: (err: Error) => void = () => undefined;
    const masterGone = new Promise<never>((_, reject) => (gone = reject));
    masterGone.catch(() => undefined);
    onExit = (code, signal) => gone(new Error(`the master exited (${code ?? signal}) during the cell: ${m.stderr().slice(-600)}`));
    m.child.once('exit', onExit);
    await sleep(500);
    const idleRss = await settledRss(master.pid, 3, 200);
    const regStart = performance.now();
    const cpu0 = procStat(master.pid).cpuSeconds;
    // The agents run in worker threads, so the harness can use both cores; every thread's load counts.
    const workers = harness === HarnessKind.FULL ? FULL_WORKERS : COMPACT_WORKERS;
    const starting = startFleet(cell.agents, master.url, root, workers, { compact: harness === HarnessKind.COMPACT });
    starting.then((f) => (fleet = f), () => undefined);
    fleet = await Promise.race([starting, masterGone]);
    const registerSeconds = (performance.now() - regStart) / 1000;
    process.stderr.write(`scale:   ${cell.agents} agents registered in ${registerSeconds.toFixed(1)} s\n`);
    await sleep(1_000);
    const cpu1 = procStat(master.pid).cpuSeconds;
    const agentsRss = await settledRss(master.pid);
    const before = await masterMetrics(master.httpUrl);

    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const harnessCpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const cpu2 = procStat(master.pid).cpuSeconds;
    const redisCpu0 = db.redis ? procStat(db.redis.pid).cpuSeconds : 0;
    await fleet.measure();
    const wall0 = performance.now();
    const monotonic0 = process.hrtime.bigint();
    const r = await Promise.race([launchAll(master.url, cell, timeoutMs), masterGone]);
    // A profile's timestamps are on the same monotonic clock: this is the launch's part of it.
    if (cell.cpuProfDir) process.stderr.write(`scale:   launch window in the profile's clock: ${monotonic0 / 1000n} ${process.hrtime.bigint() / 1000n} us\n`);
    const pool = await fleet.report();
    const wall = (performance.now() - wall0) / 1000;
    const cpu3 = procStat(master.pid).cpuSeconds;
    const redisCpu = db.redis ? procStat(db.redis.pid).cpuSeconds - redisCpu0 : NaN;
    const launched = await masterMetrics(master.httpUrl);
    const harnessCpu = process.cpuUsage(harnessCpu0);
    const elu = performance.eventLoopUtilization(elu0).utilization;
    lag.disable();
    const loadedRss = await settledRss(master.pid);
    const after = await masterMetrics(master.httpUrl);

    const sorted = Array.from(r.latencies).sort((a, b) => a - b);
    const launchSeconds = (r.lastRunningAt - r.firstOfferAt) / 1000;
    const harnessCpuSeconds = (harnessCpu.user + harnessCpu.system) / 1e6;
    const lagP99 = Math.max(lag.percentile(99) / 1e6, pool.lagP99Ms);
    const busiest = Math.max(elu, pool.elu);
    const cpuLaunch = cpu3 - cpu2;
    const reasons: string[] = [];
    if (r.timedOut) reasons.push(`timed out after ${timeoutMs / 1000} s with ${r.running} of ${cell.tasks} RUNNING`);
    if (r.failed > 0) reasons.push(`${r.failed} tasks failed`);
    if (r.disconnects.length > 0) reasons.push(`the framework was disconnected ${r.disconnects.length} times (first: ${r.disconnects[0]})`);
    if (pool.disconnects > 0) reasons.push(`${pool.disconnects} hollow agents were disconnected`);
    const harnessSaturated = lagP99 > MAX_HARNESS_LAG_MS || busiest > MAX_HARNESS_ELU;
    const masterSaturated = cpuLaunch / wall >= MASTER_SATURATED;
    if (harnessSaturated && !masterSaturated) {
      reasons.push(`the harness saturated (event-loop p99 lag ${lagP99.toFixed(0)} ms, busiest loop ${(busiest * 100).toFixed(0)}% busy) while the master used ${((cpuLaunch / wall) * 100).toFixed(0)}% of a core`);
    }
    return {
      agents: cell.agents,
      tasks: cell.tasks,
      running: r.running,
      failed: r.failed,
      store,
      harnessKind: harness,
      build: cell.build ?? '',
      ...(cell.lease ? { lease: cell.lease } : {}),
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
        heapBytesPerTask: (after.heapUsed - before.heapUsed) / (r.running || NaN),
        heapUsedMb: after.heapUsed / MB,
        allocationRuns: launched.allocationRuns - before.allocationRuns,
        allocationSeconds: launched.allocationSeconds - before.allocationSeconds,
        cpuSecondsRegister: cpu1 - cpu0,
        cpuSecondsLaunch: cpuLaunch,
        cpuUsPerTask: (cpuLaunch * 1e6) / (r.running || NaN),
        cpuShareDuringLaunch: cpuLaunch / wall,
        redisCpuUsPerTask: (redisCpu * 1e6) / (r.running || NaN),
      },
      harness: {
        lagP50Ms: lag.percentile(50) / 1e6,
        lagP99Ms: lagP99,
        lagMaxMs: lag.max / 1e6,
        cpuShareDuringLaunch: harnessCpuSeconds / wall,
        cpuUsPerTask: (harnessCpuSeconds * 1e6) / (r.running || NaN),
        eventLoopUtilization: busiest,
        rssMb: process.memoryUsage().rss / MB,
        resentUpdates: pool.resent,
      },
      harnessSaturated,
      masterSaturated,
      valid: reasons.length === 0,
      invalidReason: reasons.join('; '),
    };
  } finally {
    const t0 = performance.now();
    if (onExit) master?.child.off('exit', onExit);
    await master?.stop();
    const t1 = performance.now();
    await fleet?.stop().catch(() => undefined);
    const t2 = performance.now();
    await db.redis?.stop();
    if (db.dir) await rm(db.dir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
    process.stderr.write(`scale:   cleanup: master ${((t1 - t0) / 1000).toFixed(1)} s, agents ${((t2 - t1) / 1000).toFixed(1)} s, files ${((performance.now() - t2) / 1000).toFixed(1)} s\n`);
  }
}

async function newestProfile(dir: string): Promise<string | undefined> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile')).sort();
  return files.length > 0 ? join(dir, files[files.length - 1] as string) : undefined;
}

export async function run(options: Partial<ScaleOptions> = {}): Promise<BenchReport> {
  const o = { ...QUICK, ...options };
  const log = (msg: string): boolean => process.stderr.write(`scale: ${msg}\n`);
  const results: CellResult[] = [];
  const failed: string[] = [];
  for (const cell of [o.baseline, ...o.cells]) {
    log(`${cell.agents} hollow agents (${cell.harness ?? HarnessKind.COMPACT}), ${cell.tasks} tasks, ${cell.store ?? StoreKind.MEMORY} store${cell.build ? `, master of ${cell.build}` : ''}${cell.cpuProfDir ? `, master under --cpu-prof (${cell.cpuProfDir})` : ''}...`);
    let r: CellResult;
    try {
      r = await runCell(cell, o.cellTimeoutMs);
    } catch (err) {
      const why = `${cell.agents} x ${cell.tasks} ${cell.store ?? StoreKind.MEMORY}${cell.build ? ` [before: ${cell.build}]` : ''}: no result: ${(err as Error).message}`;
      log(`  ${why}`);
      failed.push(why);
      continue;
    }
    if (cell.cpuProfDir) {
      const profile = await newestProfile(cell.cpuProfDir);
      if (profile) r.cpuProfile = profile;
    }
    log(`  ${r.running} RUNNING, ${r.launchesPerSecond.toFixed(0)}/s, master ${r.master.cpuUsPerTask.toFixed(1)} us/task (${(r.master.cpuShareDuringLaunch * 100).toFixed(0)}% of a core), harness ${r.harness.cpuUsPerTask.toFixed(1)} us/task, lag p99 ${r.harness.lagP99Ms.toFixed(0)} ms${r.valid ? '' : ` INVALID: ${r.invalidReason}`}`);
    results.push(r);
  }
  return scaleReport(results, failed);
}
