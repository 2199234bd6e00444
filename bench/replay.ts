// replay: a trace of jobs (bench/trace-csv.ts; docs/performance.md, "The replay bench") replayed
// through the batch framework's HTTP API on HOLLOW agents sized by a second CSV: each job is
// submitted at its time and each task "runs" for its duration. Reports the placement rate, the
// share of capacity that placed work used, and queueing delay (submission to first launch) p50
// and p99, for all jobs and for gangs. The baseline beside it is the trace's own offered load.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { RunRecord } from '../frameworks/batch/store/index.js';
import { startBenchBatch, submitAndRun, waitUntil } from './batch-kit.js';
import { spawnMaster, startFleet, type AgentFleet } from './cluster-kit.js';
import { UsageError, parseFlags } from './flags.js';
import { percentile, type BenchReport } from './report.js';
import { CsvError, neverFits, parseAgents, parseTrace, type AgentRow, type TraceJob } from './trace-csv.js';

const DEFAULT_AGENTS = fileURLToPath(new URL('../../bench/traces/agents-40.csv', import.meta.url));
const DURATION_ENV = 'HOLLOW_DURATION_MS';

const FLAGS = {
  trace: { kind: 'string', help: 'the trace CSV (submitSeconds,cpus,memMb,durationSeconds[,gangSize])' },
  agents: { kind: 'string', default: DEFAULT_AGENTS, help: 'the agents CSV (cpus,memMb[,count])' },
  speed: { kind: 'number', min: 0.01, max: 1_000, default: 1, help: 'replay this many times faster (submit times and durations divided by it)' },
  workers: { kind: 'int', min: 1, max: 16, default: 2, help: 'worker threads the hollow agents run in' },
  'timeout-s': { kind: 'int', min: 1, max: 86_400, default: 1_800, help: 'the longest the replay may take after the last submission' },
} as const;

async function readCsv<T>(what: string, file: string, parse: (file: string, text: string) => T): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--${what} ${file}: ${(err as Error).message}`);
  }
  try {
    return parse(file, text);
  } catch (err) {
    if (err instanceof CsvError) throw new UsageError(err.message);
    throw err;
  }
}

interface JobResult {
  job: TraceJob;
  runId: string | undefined;
  record: RunRecord | undefined;
}

function summarise(results: readonly JobResult[], agents: readonly AgentRow[], speed: number, t0Ms: number, lastSubmitMs: number) {
  const capacityCpus = agents.reduce((n, a) => n + a.cpus, 0);
  const delays: number[] = [];
  const gangDelays: number[] = [];
  let placedJobs = 0;
  let placedTasks = 0;
  let busyCpuMs = 0;
  let busyInTraceCpuMs = 0;
  let endMs = t0Ms;
  for (const { job, record } of results) {
    const attempts = record?.outcome?.attempts ?? [];
    if (attempts.length === 0 || !record) continue;
    placedJobs++;
    placedTasks += attempts.length;
    const first = Math.min(...attempts.map((a) => a.launchedMs));
    const delay = first - record.createdMs;
    delays.push(delay);
    if (job.gangSize > 1) gangDelays.push(delay);
    for (const a of attempts) {
      const ended = a.endedMs ?? a.launchedMs;
      endMs = Math.max(endMs, ended);
      busyCpuMs += job.cpus * (ended - a.launchedMs);
      busyInTraceCpuMs += job.cpus * Math.max(0, Math.min(ended, t0Ms + lastSubmitMs) - Math.max(a.launchedMs, t0Ms));
    }
  }
  delays.sort((a, b) => a - b);
  gangDelays.sort((a, b) => a - b);
  const spanMs = Math.max(1, lastSubmitMs);
  // Each job started at its submission and clipped to the trace's span: what a perfect scheduler places in it.
  const offeredCpuMs = results.reduce((n, r) => n + r.job.cpus * r.job.gangSize * Math.max(0, Math.min(r.job.durationMs / speed, lastSubmitMs - r.job.submitMs / speed)), 0);
  return {
    jobs: results.length,
    placedJobs,
    placedTasks,
    placedShare: placedJobs / Math.max(1, results.length),
    placementsPerSecond: (placedTasks * 1000) / Math.max(1, endMs - t0Ms),
    /** Work placed while the trace was arriving, against the capacity over that time. */
    workShareDuringTrace: busyInTraceCpuMs / (capacityCpus * spanMs),
    /** All work placed, against the capacity from the first submission to the last end. */
    workShareOverall: busyCpuMs / (capacityCpus * Math.max(1, endMs - t0Ms)),
    /** The trace's work inside its own span, each job started at once, against the capacity then. */
    offeredLoad: offeredCpuMs / (capacityCpus * spanMs),
    makespanSeconds: (endMs - t0Ms) / 1000,
    delayMs: { p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays[delays.length - 1] ?? NaN },
    gangDelayMs: { p50: percentile(gangDelays, 50), p99: percentile(gangDelays, 99), count: gangDelays.length },
    capacityCpus,
  };
}

export async function run(args: readonly string[] = []): Promise<BenchReport> {
  const f = parseFlags('replay', args, FLAGS);
  if (f.trace === undefined) throw new UsageError('replay needs --trace FILE.csv (bench/traces/synthetic-2000.csv is one)');
  const trace = await readCsv('trace', f.trace, parseTrace);
  const agents = await readCsv('agents', f.agents, parseAgents);
  const never = new Set(neverFits(trace, agents));
  const jobs = trace.filter((j) => !never.has(j));
  const log = (msg: string): boolean => process.stderr.write(`replay: ${msg}\n`);
  log(`${trace.length} jobs (${trace.filter((j) => j.gangSize > 1).length} gangs) on ${agents.length} agents; ${never.size} can never fit and are left out`);

  const root = await mkdtemp(join('/dev/shm', 'berth-replay-'));
  const master = await spawnMaster();
  let fleet: AgentFleet | undefined;
  try {
    fleet = await startFleet(agents.length, master.url, root, f.workers, { durationEnv: DURATION_ENV, sizes: agents });
    const fw = await startBenchBatch(master.url);
    const results: JobResult[] = jobs.map((job) => ({ job, runId: undefined, record: undefined }));
    const failures: string[] = [];
    const t0 = performance.now();
    const t0Ms = Date.now();
    const submissions: Promise<void>[] = [];
    for (const r of results) {
      const wait = r.job.submitMs / f.speed - (performance.now() - t0);
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const j = r.job;
      const spec = {
        id: `/replay/line-${j.line}`, command: 'true', env: { [DURATION_ENV]: String(Math.round(j.durationMs / f.speed)) },
        resources: { cpus: j.cpus, memMb: j.memMb }, parallelism: j.gangSize, completions: j.gangSize, gang: j.gangSize > 1,
      };
      submissions.push(submitAndRun(fw, spec).then((id) => void (r.runId = id), (err: unknown) => void failures.push(`line ${j.line}: ${(err as Error).message}`)));
    }
    await Promise.all(submissions);
    const lastSubmitMs = (jobs[jobs.length - 1]?.submitMs ?? 0) / f.speed;
    log(`all ${results.length} jobs submitted in ${((performance.now() - t0) / 1000).toFixed(1)} s; waiting for them to finish`);
    const submitted = results.filter((r) => r.runId).length;
    const finished = await waitUntil(() => fw.scheduler.counters.runsFinished >= submitted, f['timeout-s'] * 1000, 100);
    for (const r of results) r.record = r.runId ? await fw.scheduler.store.getRun(r.runId) : undefined;
    await fw.stop();
    const s = summarise(results, agents, f.speed, t0Ms, lastSubmitMs);
    const notes = [
      'runtime: HOLLOW (real agent code and protocol over real loopback WebSockets; tasks only pretend to run, each for its trace duration)',
      `trace: ${f.trace} (${trace.length} jobs), agents: ${f.agents} (${agents.length} agents, ${s.capacityCpus} cpus), speed x${f.speed}`,
      'placed: jobs that started; placements/s: tasks launched per second from the first submission to the last end; queueing delay: from the run\'s creation to its first launch',
      'work/capacity: cpu-seconds of placed tasks over the cluster\'s cpu-seconds, while the trace arrived and overall; the baseline row is the trace\'s offered load: its work inside its span with every job started on submission, over the capacity then',
      ...(never.size > 0 ? [`left out: ${never.size} job(s) no agent set could ever hold (first: line ${[...never][0]!.line})`] : []),
      ...(failures.length > 0 ? [`${failures.length} submission(s) refused; first: ${failures[0]}`] : []),
      ...(finished ? [] : [`INVALID: not every run finished within ${f['timeout-s']} s`]),
    ];
    const pct = (x: number) => x * 100;
    return {
      bench: 'replay',
      title: `a trace of ${trace.length} jobs replayed through the batch framework on ${agents.length} HOLLOW agents; baseline: the trace's offered load`,
      columns: ['replay (HOLLOW runtime)', 'placed %', 'placements/s', 'work/capacity % (trace span)', 'work/capacity % (overall)', 'delay p50 ms', 'delay p99 ms', 'gang delay p50 ms', 'gang delay p99 ms', 'makespan s'],
      rows: [
        ['batch framework', pct(s.placedShare), s.placementsPerSecond, pct(s.workShareDuringTrace), pct(s.workShareOverall), s.delayMs.p50, s.delayMs.p99, s.gangDelayMs.p50, s.gangDelayMs.p99, s.makespanSeconds],
        ['offered load (the trace)', 100, '-', pct(s.offeredLoad), '-', 0, 0, 0, 0, lastSubmitMs / 1000],
      ],
      results: { flags: f, summary: s, leftOut: [...never].map((j) => j.line), refused: failures, finished },
      targets: [],
      notes,
    };
  } finally {
    await master.stop();
    await fleet?.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}
