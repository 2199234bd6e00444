// The scale bench's table, targets and notes from its cells' results. Master CPU per launched task
// is the headline beside launches per second; each row is also compared with the baseline cell,
// with the same cell on another build (--before), and a Redis row with the same cell in memory.
import { HarnessKind, MASTER_SATURATED, MAX_HARNESS_ELU, MAX_HARNESS_LAG_MS, StoreKind, type CellResult } from './scale-cell.js';
import type { BenchReport, Target } from './report.js';

const TARGET_LAUNCHES_PER_S = 5_000;
const TARGET_BYTES_PER_TASK = 2_048;
/** appendfsync always at 5,000 agents: at least this share of the memory store's rate. */
const TARGET_ALWAYS_VS_MEMORY = 0.7;
/** Master CPU per task at 5,000 agents in docs/performance.md before issue 16; the target halves it. */
const REFERENCE_CPU_US_PER_TASK = 79;

const sameCell = (a: CellResult, b: CellResult): boolean => a.agents === b.agents && a.tasks === b.tasks && a.harnessKind === b.harnessKind;

function label(r: CellResult, base: CellResult): string {
  const who = r.build ? ` [before: ${r.build}]` : '';
  return `${r.agents} x ${r.tasks}${r === base ? ' (base)' : ''}${r.lease ? ` (--lease ${r.lease})` : ''}${r.cpuProfile ? ' (--cpu-prof)' : ''}${who}`;
}

function row(r: CellResult, base: CellResult, all: readonly CellResult[]): (string | number)[] {
  const memory = all.find((m) => m.store === StoreKind.MEMORY && m.build === r.build && sameCell(m, r) && m !== base);
  const before = all.find((b) => b.build !== '' && r.build === '' && b.store === r.store && sameCell(b, r));
  return [
    label(r, base),
    r.store,
    r.harnessKind,
    r.launchesPerSecond,
    r.master.cpuUsPerTask,
    r.master.cpuUsPerTask / base.master.cpuUsPerTask,
    before ? r.master.cpuUsPerTask / before.master.cpuUsPerTask : '-',
    r.store !== StoreKind.MEMORY && memory ? r.launchesPerSecond / memory.launchesPerSecond : '-',
    Number.isNaN(r.master.redisCpuUsPerTask) ? '-' : r.master.redisCpuUsPerTask,
    r.harness.cpuUsPerTask,
    r.harness.cpuUsPerTask / r.master.cpuUsPerTask,
    r.latencyMs.p50,
    r.latencyMs.p99,
    r.master.loadedRssMb,
    r.master.bytesPerTask,
    r.master.cpuShareDuringLaunch * 100,
    r.master.allocationRuns,
    (r.master.allocationSeconds * 1e6) / (r.running || NaN),
    r.harness.lagP99Ms,
    r.harness.eventLoopUtilization * 100,
    !r.valid ? 'INVALID' : r.harnessSaturated ? 'ok, both busy' : 'ok',
  ];
}

function targets(results: readonly CellResult[]): Target[] {
  const at5k = (store: StoreKind, build = ''): CellResult | undefined =>
    results.find((r) => r.agents === 5_000 && r.store === store && r.build === build && r.harnessKind === HarnessKind.COMPACT && !r.cpuProfile);
  const tag = (r: CellResult): string => (r.valid ? '' : ' (INVALID run)');
  const out: Target[] = [];
  const memory = at5k(StoreKind.MEMORY);
  if (memory) {
    out.push({ name: `task launches per second at 5,000 hollow agents, memory store${tag(memory)}`, value: memory.launchesPerSecond, unit: '/s', op: '>=', target: TARGET_LAUNCHES_PER_S });
    const before = results.find((b) => b.build !== '' && b.store === StoreKind.MEMORY && sameCell(b, memory));
    out.push(before
      ? { name: `master CPU per launched task at 5,000 agents, half of the --before build's ${before.master.cpuUsPerTask.toFixed(1)} us in this run${tag(memory)}`, value: memory.master.cpuUsPerTask, unit: 'us', op: '<=', target: before.master.cpuUsPerTask / 2 }
      : { name: `master CPU per launched task at 5,000 agents, half of the ${REFERENCE_CPU_US_PER_TASK} us before issue 16${tag(memory)}`, value: memory.master.cpuUsPerTask, unit: 'us', op: '<=', target: REFERENCE_CPU_US_PER_TASK / 2 });
    out.push({ name: 'master memory per running task at 5,000 agents', value: memory.master.bytesPerTask, unit: 'B', op: '<=', target: TARGET_BYTES_PER_TASK });
  }
  const everysec = at5k(StoreKind.REDIS_EVERYSEC);
  if (everysec) out.push({ name: `task launches per second at 5,000 hollow agents, Redis appendfsync everysec${tag(everysec)}`, value: everysec.launchesPerSecond, unit: '/s', op: '>=', target: TARGET_LAUNCHES_PER_S });
  const always = at5k(StoreKind.REDIS_ALWAYS);
  if (always && memory) {
    out.push({ name: `launches per second at 5,000 agents, Redis appendfsync always over the memory store's in this run${tag(always)}`, value: always.launchesPerSecond / memory.launchesPerSecond, unit: 'x', op: '>=', target: TARGET_ALWAYS_VS_MEMORY });
  }
  return out;
}

export function scaleReport(results: CellResult[], failed: readonly string[] = []): BenchReport {
  const base = results[0];
  if (!base) throw new Error(`no cell of the scale bench produced a result:\n${failed.join('\n')}`);
  const notes = [
    'runtime: HOLLOW (tasks only pretend to run). harness "compact": bench/hollow-pool.ts, one real WebSocket per agent with the real handshake, registration, RunTask, status updates with uuids re-sent until acknowledged; "full": the real Agent class (checkpoints, task runner, HollowRuntime) in worker threads',
    'master us/task: master CPU (utime+stime from /proc) from the first offer to the last RUNNING, per task launched; the headline, since wall-clock rates drift on a shared machine. harness us/task: the same for the whole harness process (framework, agents, every thread); "harness/master" below 1 means the load generator is the cheaper side',
    `baseline: ${base.agents} agents x ${base.tasks} tasks (${base.store}, ${base.harnessKind}) first in the same run; "vs base" is master us/task relative to it; "vs before" relative to the same cell on the --before build's master, driven by this harness; "vs memory" a Redis row's launches/s over the same cell's with the memory store`,
    'alloc runs, alloc us/task: allocation runs during the launch and the master time they took (snapshot and allocator, from its /metrics) per task; part of master us/task',
    'redis us/task: redis-server CPU during the launch per task; on this machine it shares the two cores with the master and the harness',
    'redis-*: a redis-server started for the cell, appendonly yes with that appendfsync, its file in the OS temp dir (on disk), loopback TCP',
    `INVALID = the harness saturated (event-loop p99 > ${MAX_HARNESS_LAG_MS} ms or a thread > ${MAX_HARNESS_ELU * 100}% busy) while the master used < ${MASTER_SATURATED * 100}% of a core, a task failed, an agent or the framework was disconnected, or the cell timed out; "ok, both busy" = both saturated, so launches/s is a lower bound of the master's`,
    ...results.filter((r) => !r.valid).map((r) => `INVALID ${label(r, base)} ${r.store} ${r.harnessKind}: ${r.invalidReason}`),
    ...failed.map((f) => `FAILED ${f}`),
    ...results.filter((r) => r.harness.resentUpdates > 0).map((r) => `${label(r, base)} ${r.store}: the pool re-sent ${r.harness.resentUpdates} unacknowledged updates`),
    ...results.filter((r) => r.cpuProfile).map((r) => `cpu profile of the master at ${r.agents} agents: ${r.cpuProfile}`),
  ];
  return {
    bench: 'scale',
    title: 'launching tasks on HOLLOW agents: master in its own process, N agents + 1 packing framework in the harness',
    columns: ['cell (HOLLOW runtime)', 'store', 'harness', 'launches/s', 'master us/task', 'vs base', 'vs before', 'vs memory', 'redis us/task', 'harness us/task', 'harness/master', 'p50 ms', 'p99 ms', 'master MB', 'RSS B/task', 'master cpu%', 'alloc runs', 'alloc us/task', 'lag p99 ms', 'loop%', 'valid'],
    rows: results.map((r) => row(r, base, results)),
    results: { cells: results, baseline: { agents: base.agents, tasks: base.tasks } },
    targets: targets(results),
    notes,
  };
}
