// batch: the batch framework on HOLLOW agents (the real agent code and protocol over loopback
// WebSockets; tasks only pretend to run, for --duration-ms each). Jobs are submitted and run
// through its HTTP API; the bench reports jobs submitted per second, task completions per second
// at steady state, the time to drain the queue (the last task launched) and the makespan next to
// the ideal (total work / capacity). The baseline, in the same run on the same cluster: the
// ideal, and a plain SDK TaskQueue framework given the same tasks at once.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SchedulerClient, TaskQueue } from '../frameworks/sdk/index.js';
import { CounterSampler, inFlight, startBenchBatch, submitAndRun, waitUntil } from './batch-kit.js';
import { procStat, spawnMaster, startFleet, threadCpuSeconds, type AgentFleet, type AgentSize, type MasterProcess } from './cluster-kit.js';
import { parseFlags, UsageError } from './flags.js';
import type { BenchReport, Target } from './report.js';

const FLAGS = {
  tasks: { kind: 'int', min: 1, max: 1_000_000, default: 10_000, help: 'one-second tasks in all' },
  agents: { kind: 'int', min: 1, max: 10_000, default: 1_000, help: 'hollow agents' },
  slots: { kind: 'number', min: 1, max: 64, default: 2.5, help: 'tasks an agent runs at once, on average: 2.5 = half the agents 2, half 3' },
  'per-job': { kind: 'int', min: 1, max: 10_000, default: 50, help: 'tasks per job (its parallelism and completions)' },
  'duration-ms': { kind: 'int', min: 1, max: 600_000, default: 1_000, help: 'how long each task runs' },
  concurrency: { kind: 'int', min: 1, max: 256, default: 16, help: 'HTTP submissions in flight' },
  workers: { kind: 'int', min: 1, max: 16, default: 3, help: 'worker threads the hollow agents run in' },
  harness: { kind: 'string', default: 'compact', help: "what plays the agents: compact (bench/hollow-pool.ts: the real agent protocol, none of the agent's machinery) or full (the Agent class with its checkpoint and hollow runtime)" },
  'timeout-s': { kind: 'int', min: 1, max: 3_600, default: 600, help: 'the longest one framework may take' },
  'cpu-prof': { kind: 'string', help: 'run the master under --cpu-prof, writing its profile to this directory' },
} as const;

/** One task takes one cpu; an agent has as many cpus as it has slots. */
const TASK = { cpus: 1, memMb: 16 };
const TARGET_MAKESPAN_RATIO = 1.1;
const TARGET_COMPLETIONS_PER_S = 2_000;
const TIMELINE_STEP_MS = 250;
const timeline = (launches: CounterSampler, ends: CounterSampler, t0: number): BatchBenchResult['timeline'] =>
  ({ stepMs: TIMELINE_STEP_MS, launched: launches.every(TIMELINE_STEP_MS, t0), ended: ends.every(TIMELINE_STEP_MS, t0) });

export interface BatchBenchResult {
  framework: string;
  tasks: number;
  jobs: number;
  completed: number;
  failed: number;
  /** Jobs submitted and run through the HTTP API per second (batch only). */
  jobsPerSecond: number;
  /** From the first submission to the last one answered (batch; the TaskQueue has all at once). */
  submittedSeconds: number;
  /** From the first submission to the last task launched. */
  drainSeconds: number;
  /**
   * Slot-seconds no task ran in, from the first submission to the last launch: the ramp up, and
   * the gaps between a task's end and the next launch on its slot. The ideal has none.
   */
  idleSlotSeconds: number;
  /** Tasks launched and ended every TIMELINE_STEP_MS from the first submission (JSON only). */
  timeline: { stepMs: number; launched: number[]; ended: number[] };
  /** From the first submission to the last task ended. */
  makespanSeconds: number;
  idealSeconds: number;
  makespanRatio: number;
  /** Completions per second between 10% and 90% of them. */
  steadyCompletionsPerSecond: number;
  timedOut: boolean;
  /** CPU microseconds per completed task, from the first submission to the last end. */
  cpuUsPerTask: CpuPerTask;
}

/** Each process's (and the harness's threads') CPU time over a run, per completed task. */
export interface CpuPerTask {
  master: number;
  /** The whole harness process: framework thread and agent workers. */
  harness: number;
  /** The harness's main thread: the framework under test (or the TaskQueue) and the bench. */
  frameworkThread: number;
  /** Each worker thread of hollow agents. */
  workers: number[];
  /** The rest of the harness: V8's background threads (garbage collection, compilers) and libuv's. */
  otherThreads: number;
  /** The master's offers made and declined, allocation runs and status updates, per completed task. */
  masterPerTask: Record<string, number>;
}

interface CpuReading {
  master: number;
  harness: number;
  main: number;
  workers: number[];
  counters: Record<string, number>;
}

/** The master's counters that say what a task cost it, by their /metrics names. */
const MASTER_COUNTERS = {
  offersMade: 'berth_master_offers_made_total',
  offersDeclined: 'berth_master_offers_declined_total',
  allocationRuns: 'berth_master_allocation_runs_total',
  statusUpdates: 'berth_master_status_updates_total',
} as const;

async function masterCounters(master: MasterProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${master.httpUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const [key, name] of Object.entries(MASTER_COUNTERS)) out[key] = Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return out;
}

async function readCpu(master: MasterProcess, fleet: AgentFleet): Promise<CpuReading> {
  const [workers, counters] = await Promise.all([fleet.cpuSeconds(), masterCounters(master)]);
  const u = process.cpuUsage();
  return { master: procStat(master.pid).cpuSeconds, harness: (u.user + u.system) / 1e6, main: threadCpuSeconds(), workers, counters };
}

function cpuPerTask(a: CpuReading, b: CpuReading, completed: number): CpuPerTask {
  const us = (seconds: number): number => (seconds * 1e6) / (completed || NaN);
  const workers = b.workers.map((w, i) => us(w - (a.workers[i] ?? NaN)));
  const harness = us(b.harness - a.harness);
  const frameworkThread = us(b.main - a.main);
  const perTask = Object.fromEntries(Object.keys(MASTER_COUNTERS).map((k) => [k, ((b.counters[k] ?? NaN) - (a.counters[k] ?? NaN)) / (completed || NaN)]));
  return { master: us(b.master - a.master), harness, frameworkThread, workers, otherThreads: harness - frameworkThread - workers.reduce((x, y) => x + y, 0), masterPerTask: perTask };
}

type Flags = ReturnType<typeof parseFlags<typeof FLAGS>>;

/** Agent sizes whose slots add up to agents x slots: floor(slots) or one more, spread evenly. */
export function agentSizes(agents: number, slots: number): AgentSize[] {
  return Array.from({ length: agents }, (_, i) => {
    const n = Math.floor((i + 1) * slots) - Math.floor(i * slots);
    return { cpus: n * TASK.cpus, memMb: 16_384 };
  });
}

async function runBatch(master: MasterProcess, fleet: AgentFleet, f: Flags, capacity: number, idealSeconds: number): Promise<BatchBenchResult> {
  const fw = await startBenchBatch(master.url);
  try {
    const jobs = Math.ceil(f.tasks / f['per-job']);
    const specs = Array.from({ length: jobs }, (_, j) => {
      const n = Math.min(f['per-job'], f.tasks - j * f['per-job']);
      return { id: `/bench/j${j}`, command: 'true', resources: TASK, parallelism: n, completions: n };
    });
    // The first spec compiles the schema validator: done before the clock starts.
    const warm = await fw.commands.submit(JSON.stringify({ id: '/bench/warm-up', command: 'true', resources: TASK }));
    if (!warm.ok) throw new Error(`the warm-up job was refused: ${warm.message}`);
    const c = fw.scheduler.counters;
    const ends = new CounterSampler(() => c.taskEnds);
    const launches = new CounterSampler(() => c.launches);
    const running = new CounterSampler(() => c.launches - c.taskEnds);
    const cpu0 = await readCpu(master, fleet);
    const t0 = performance.now();
    await inFlight(specs, f.concurrency, async (spec) => {
      await submitAndRun(fw, spec);
    });
    const submitSeconds = (performance.now() - t0) / 1000;
    const done = await waitUntil(() => c.runsFinished >= jobs, f['timeout-s'] * 1000);
    const cpu1 = await readCpu(master, fleet);
    ends.stop();
    launches.stop();
    running.stop();
    const runs = await fw.scheduler.store.listRuns();
    const bad = runs.filter((r) => r.state !== 'succeeded');
    const failed = bad.length;
    if (bad[0]) {
      const why = bad[0].outcome?.attempts.find((a) => a.result === 'failed')?.message ?? '';
      process.stderr.write(`batch: ${failed} run(s) did not succeed; the first: ${bad[0].state}: ${bad[0].reason}${why ? ` (${why})` : ''}\n`);
    }
    const makespanSeconds = (ends.reachedAt(f.tasks) - t0) / 1000;
    return {
      framework: 'batch', tasks: f.tasks, jobs, completed: c.taskEnds, failed,
      jobsPerSecond: jobs / submitSeconds,
      submittedSeconds: submitSeconds,
      drainSeconds: (launches.reachedAt(f.tasks) - t0) / 1000,
      idleSlotSeconds: running.areaBelow(capacity, t0, launches.reachedAt(f.tasks)),
      timeline: timeline(launches, ends, t0),
      makespanSeconds, idealSeconds, makespanRatio: makespanSeconds / idealSeconds,
      steadyCompletionsPerSecond: ends.steadyRate(f.tasks),
      timedOut: !done,
      cpuUsPerTask: cpuPerTask(cpu0, cpu1, c.taskEnds),
    };
  } finally {
    await fw.stop();
  }
}

async function runTaskQueue(master: MasterProcess, fleet: AgentFleet, f: Flags, capacity: number, idealSeconds: number): Promise<BatchBenchResult> {
  const client = new SchedulerClient({ masterUrl: master.url, framework: { name: 'taskqueue-bench', roles: ['*'] }, heartbeatTimeoutMs: 120_000 });
  const queue = new TaskQueue(client, { refuseSeconds: 1 });
  let completed = 0;
  let failed = 0;
  const ends = new CounterSampler(() => completed);
  const launches = new CounterSampler(() => queue.counts.total - queue.counts.waiting);
  const running = new CounterSampler(() => queue.counts.total - queue.counts.waiting - completed);
  const cpu0 = await readCpu(master, fleet);
  const t0 = performance.now();
  for (let i = 0; i < f.tasks; i++) queue.add({ id: `q${i}`, resources: TASK, command: { value: 'true', shell: true } });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), f['timeout-s'] * 1000)));
  const drained = (async () => {
    for await (const e of queue.run({ stopWhenDrained: true })) {
      if (e.type !== 'done') continue;
      completed++;
      if (!e.result.finished) failed++;
    }
    return false;
  })();
  const out = await Promise.race([drained, timedOut]);
  const cpu1 = await readCpu(master, fleet);
  clearTimeout(timer);
  ends.stop();
  launches.stop();
  running.stop();
  await client.close();
  const makespanSeconds = (ends.reachedAt(f.tasks) - t0) / 1000;
  return {
    framework: 'taskqueue', tasks: f.tasks, jobs: 0, completed, failed,
    jobsPerSecond: NaN,
    submittedSeconds: 0,
    drainSeconds: (launches.reachedAt(f.tasks) - t0) / 1000,
    idleSlotSeconds: running.areaBelow(capacity, t0, launches.reachedAt(f.tasks)),
    timeline: timeline(launches, ends, t0),
    makespanSeconds, idealSeconds, makespanRatio: makespanSeconds / idealSeconds,
    steadyCompletionsPerSecond: ends.steadyRate(f.tasks),
    timedOut: out,
    cpuUsPerTask: cpuPerTask(cpu0, cpu1, completed),
  };
}

function row(name: string, r: BatchBenchResult): (string | number)[] {
  const valid = r.timedOut ? 'TIMED OUT' : r.failed > 0 ? `${r.failed} FAILED` : 'ok';
  const cpu = r.cpuUsPerTask;
  const fw = r.framework === 'ideal';
  return [name, r.framework === 'batch' ? r.jobsPerSecond : '-', r.framework === 'batch' ? r.submittedSeconds : '-', r.steadyCompletionsPerSecond, r.drainSeconds, r.idleSlotSeconds, r.makespanSeconds, r.idealSeconds, r.makespanRatio,
    fw ? '-' : Math.round(cpu.master), fw ? '-' : Math.round(cpu.harness), fw ? '-' : Math.round(cpu.frameworkThread), fw ? '-' : cpu.workers.map((w) => Math.round(w)).join('/'), fw ? '-' : Math.round(cpu.otherThreads), valid];
}

const fmt = (n: number | undefined): string => (n === undefined ? '?' : n.toFixed(2));

export async function run(args: readonly string[] = []): Promise<BenchReport> {
  const f = parseFlags('batch', args, FLAGS);
  if (f.harness !== 'compact' && f.harness !== 'full') throw new UsageError(`--harness must be compact or full, got ${JSON.stringify(f.harness)}`);
  const compact = f.harness === 'compact';
  const log = (msg: string): boolean => process.stderr.write(`batch: ${msg}\n`);
  const sizes = agentSizes(f.agents, f.slots);
  const capacity = sizes.reduce((n, s) => n + s.cpus / TASK.cpus, 0);
  const idealSeconds = (f.tasks * f['duration-ms']) / 1000 / capacity;
  const root = await mkdtemp(join('/dev/shm', 'berth-batch-bench-'));
  const master = await spawnMaster([], f['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', f['cpu-prof']] : []);
  let fleet: AgentFleet | undefined;
  try {
    fleet = await startFleet(f.agents, master.url, root, f.workers, { taskDurationMs: f['duration-ms'], sizes, compact });
    log(`${f.agents} hollow agents registered (${capacity} task slots); ideal makespan ${idealSeconds.toFixed(2)} s`);
    const batch = await runBatch(master, fleet, f, capacity, idealSeconds);
    log(`batch framework: makespan ${batch.makespanSeconds.toFixed(2)} s, ${batch.steadyCompletionsPerSecond.toFixed(0)} completions/s`);
    const tq = await runTaskQueue(master, fleet, f, capacity, idealSeconds);
    log(`TaskQueue: makespan ${tq.makespanSeconds.toFixed(2)} s, ${tq.steadyCompletionsPerSecond.toFixed(0)} completions/s`);
    const ideal: BatchBenchResult = {
      framework: 'ideal', tasks: f.tasks, jobs: 0, completed: f.tasks, failed: 0, jobsPerSecond: NaN, submittedSeconds: 0, drainSeconds: idealSeconds - f['duration-ms'] / 1000, idleSlotSeconds: 0, timeline: { stepMs: TIMELINE_STEP_MS, launched: [], ended: [] },
      makespanSeconds: idealSeconds, idealSeconds, makespanRatio: 1, steadyCompletionsPerSecond: capacity / (f['duration-ms'] / 1000), timedOut: false,
      cpuUsPerTask: { master: NaN, harness: NaN, frameworkThread: NaN, workers: [], otherThreads: NaN, masterPerTask: {} },
    };
    const validity = batch.timedOut || batch.failed > 0 ? ' (INVALID run)' : '';
    const targets: Target[] = [
      { name: `batch makespan / ideal${validity}`, value: batch.makespanRatio, unit: 'x', op: '<=', target: TARGET_MAKESPAN_RATIO },
      { name: `batch task completions per second at steady state${validity}`, value: batch.steadyCompletionsPerSecond, unit: '/s', op: '>=', target: TARGET_COMPLETIONS_PER_S },
    ];
    return {
      bench: 'batch',
      title: `${f.tasks} tasks of ${f['duration-ms']} ms (${Math.ceil(f.tasks / f['per-job'])} jobs of ${f['per-job']}) on ${f.agents} HOLLOW agents (${compact ? 'compact pool' : 'full agents'}), ${capacity} slots; baseline: the ideal and an SDK TaskQueue in the same run`,
      columns: ['framework (HOLLOW runtime)', 'jobs/s submitted', 'last job in s', 'completions/s steady', 'drain s', 'idle slot-s to drain', 'makespan s', 'ideal s', 'makespan/ideal',
        'master CPU us/task', 'harness CPU us/task', 'framework thread', 'agent workers', 'other threads', 'valid'],
      rows: [row('batch framework (HTTP API)', batch), row('SDK TaskQueue, all tasks at once', tq), row('ideal (work / capacity)', ideal)],
      results: { flags: f, capacity, batch, taskQueue: tq, ideal },
      targets,
      notes: [
        compact
          ? "runtime: HOLLOW, compact pool (the real agent protocol over real loopback WebSockets, none of the agent's machinery: RUNNING is answered on RunTask, FINISHED after --duration-ms); `--harness full` runs the Agent class instead"
          : 'runtime: HOLLOW, full agents (the real Agent class, its checkpoint and protocol over real loopback WebSockets; tasks only pretend to run)',
        'master: its own process, `berth master --log-level warn`, default allocation interval; batch framework: this process, memory store, jobs submitted and run through its HTTP API',
        `jobs/s: submit + run of each job over HTTP, ${f.concurrency} requests in flight; last job in: first submission to the last one answered; drain: first submission to the last task launched; idle slot-s: slot-seconds with no task running from the first submission to the drain (ramp up and gaps between a task's end and the next launch); makespan: to the last task ended; steady: completions per second between 10% and 90% of them`,
        `ideal: ${f.tasks} x ${f['duration-ms']} ms of work over ${capacity} slots; its drain is the makespan less one task`,
        ...[batch, tq].map((r) => `${r.framework}: per completed task the master made ${fmt(r.cpuUsPerTask.masterPerTask.offersMade)} offers (${fmt(r.cpuUsPerTask.masterPerTask.offersDeclined)} declined), ran the allocator ${fmt(r.cpuUsPerTask.masterPerTask.allocationRuns)} times and took ${fmt(r.cpuUsPerTask.masterPerTask.statusUpdates)} status updates`),
        'CPU us/task: CPU time from the first submission to the last end over the tasks completed, holding on a loaded machine: the master process; the harness process (all its threads), its main thread (the framework under test and the bench), each worker thread of hollow agents, and the rest (V8 garbage collection and compiler threads, libuv)',
      ],
    };
  } finally {
    await master.stop();
    await fleet?.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}
