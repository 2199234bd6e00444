// memory: the master's memory per running task, as live heap after forced collections and as RSS.
// The master runs in its own process under --expose-gc with bench/gc-probe.js loaded, N hollow
// agents (HOLLOW runtime) in worker threads and one packing framework launch the tasks, and the
// figures are (with the tasks RUNNING) minus (with the agents registered and no task), per task.
// With --baseline DIR (another build's dist/) that build's master is measured first, in the same
// run, on the same workload.
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MemoryReading } from './gc-probe.js';
import { sleep, spawnMaster, startFleet, type AgentFleet, type MasterProcess } from './cluster-kit.js';
import { parseFlags } from './flags.js';
import type { BenchReport, Target } from './report.js';
import { launchAll } from './scale-framework.js';

const FLAGS = {
  agents: { kind: 'int', min: 1, max: 10_000, default: 1_000, help: 'hollow agents' },
  tasks: { kind: 'int', min: 1, max: 1_000_000, default: 100_000, help: 'tasks launched and kept RUNNING' },
  workers: { kind: 'int', min: 1, max: 16, default: 3, help: 'worker threads the hollow agents run in' },
  'timeout-s': { kind: 'int', min: 10, max: 3_600, default: 600, help: 'longest a launch may take' },
  'settle-s': { kind: 'int', min: 0, max: 600, default: 2, help: 'wait after the last RUNNING before the loaded reading' },
  baseline: { kind: 'string', help: "another build's dist/ folder, measured first as the baseline" },
  'heap-snapshot': { kind: 'string', help: 'a folder: write a heap snapshot of each loaded master there' },
} as const;

const TARGET_BYTES_PER_TASK = 2_048;
const MB = 2 ** 20;

export interface MemoryCell {
  build: string;
  running: number;
  idle: MemoryReading;
  withAgents: MemoryReading;
  loaded: MemoryReading;
  heapBytesPerTask: number;
  rssBytesPerTask: number;
  heapBytesPerAgent: number;
}

/** The live tasks the master holds, from its /health summary. */
async function liveTasks(master: MasterProcess): Promise<number> {
  const body = (await (await fetch(`${master.httpUrl}/health`)).json()) as { tasks?: number };
  return body.tasks ?? NaN;
}

function snapshot(master: MasterProcess, file: string): Promise<string> {
  return new Promise((resolveFile) => {
    const onMessage = (m: { type?: string; file?: string }): void => {
      if (m?.type !== 'snapshot-written') return;
      master.child.off('message', onMessage);
      resolveFile(m.file ?? file);
    };
    master.child.on('message', onMessage);
    master.child.send({ type: 'snapshot', file });
  });
}

function measure(master: MasterProcess, timeoutMs = 60_000): Promise<MemoryReading> {
  return new Promise((resolveReading, reject) => {
    const timer = setTimeout(() => reject(new Error(`the master did not answer a memory reading within ${timeoutMs} ms: ${master.stderr()}`)), timeoutMs);
    const onMessage = (m: MemoryReading): void => {
      if (m?.type !== 'measured') return;
      clearTimeout(timer);
      master.child.off('message', onMessage);
      if (!m.collected) reject(new Error('the master ran without --expose-gc: its heap would include garbage'));
      else resolveReading(m);
    };
    master.child.on('message', onMessage);
    master.child.send({ type: 'measure' });
  });
}

interface Workload {
  agents: number;
  tasks: number;
  workers: number;
  timeoutMs: number;
  settleMs: number;
  snapshotDir: string | undefined;
}

async function measureBuild(build: string, cli: string, o: Workload, index: number): Promise<MemoryCell & { heapSnapshot?: string }> {
  const probe = pathToFileURL(fileURLToPath(new URL('./gc-probe.js', import.meta.url))).href;
  const root = await mkdtemp(join('/dev/shm', 'berth-memory-'));
  // Offers never expire: on a loaded machine the framework may answer one late, and the bench
  // measures memory, not how fast offers are answered.
  const master = await spawnMaster(['--offer-timeout', '0'], ['--expose-gc', '--import', probe], { cli, ipc: true });
  let fleet: AgentFleet | undefined;
  try {
    const idle = await measure(master);
    fleet = await startFleet(o.agents, master.url, root, o.workers);
    await sleep(1_000);
    const withAgents = await measure(master);
    // The framework disconnects at the end; its tasks stay RUNNING for the hour it may take to come back.
    const r = await launchAll(master.url, { agents: o.agents, tasks: o.tasks }, o.timeoutMs, 3_600_000);
    if (r.running < o.tasks) throw new Error(`${build}: only ${r.running} of ${o.tasks} tasks RUNNING (${r.failed} failed${r.timedOut ? ', timed out' : ''})`);
    // The last acknowledgements and persisted writes settle before the reading.
    await sleep(o.settleMs);
    const loaded = await measure(master);
    const live = await liveTasks(master);
    if (live < r.running) throw new Error(`${build}: the master holds ${live} live tasks of the ${r.running} launched`);
    const heapSnapshot = o.snapshotDir ? await snapshot(master, join(resolve(o.snapshotDir), `master-${index}.heapsnapshot`)) : undefined;
    return {
      ...(heapSnapshot ? { heapSnapshot } : {}),
      build,
      running: r.running,
      idle,
      withAgents,
      loaded,
      heapBytesPerTask: (loaded.heapUsedBytes - withAgents.heapUsedBytes) / r.running,
      rssBytesPerTask: (loaded.rssBytes - withAgents.rssBytes) / r.running,
      heapBytesPerAgent: (withAgents.heapUsedBytes - idle.heapUsedBytes) / o.agents,
    };
  } finally {
    await master.stop();
    await fleet?.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}

export async function run(args: readonly string[] = []): Promise<BenchReport> {
  const f = parseFlags('memory', args, FLAGS);
  const o: Workload = { agents: f.agents, tasks: f.tasks, workers: f.workers, timeoutMs: f['timeout-s'] * 1_000, settleMs: f['settle-s'] * 1_000, snapshotDir: f['heap-snapshot'] };
  const builds: { build: string; cli: string }[] = [];
  if (f.baseline) builds.push({ build: `baseline (${f.baseline})`, cli: join(resolve(f.baseline), 'cli', 'main.js') });
  builds.push({ build: 'this build', cli: fileURLToPath(new URL('../cli/main.js', import.meta.url)) });
  const cells: (MemoryCell & { heapSnapshot?: string })[] = [];
  for (const b of builds) {
    process.stderr.write(`memory: ${b.build}: ${o.agents} hollow agents, ${o.tasks} tasks...\n`);
    const cell = await measureBuild(b.build, b.cli, o, cells.length);
    process.stderr.write(`memory:   heap ${cell.heapBytesPerTask.toFixed(0)} B/task, RSS ${cell.rssBytesPerTask.toFixed(0)} B/task\n`);
    cells.push(cell);
  }
  const mine = cells[cells.length - 1] as MemoryCell;
  const base = f.baseline ? cells[0] : undefined;
  const targets: Target[] = [
    { name: `master live heap per running task at ${mine.running} tasks (after forced GC)`, value: Math.round(mine.heapBytesPerTask), unit: 'B', op: '<=', target: TARGET_BYTES_PER_TASK },
    { name: `master RSS per running task at ${mine.running} tasks`, value: Math.round(mine.rssBytesPerTask), unit: 'B', op: '<=', target: TARGET_BYTES_PER_TASK },
  ];
  return {
    bench: 'memory',
    title: `master memory per running task: ${o.agents} HOLLOW agents, ${o.tasks} tasks, master under --expose-gc`,
    columns: ['build', 'tasks RUNNING', 'heap B/task (live)', 'RSS B/task', 'heap MB loaded', 'RSS MB loaded', 'heap B/agent', 'heap vs baseline'],
    rows: cells.map((c) => [
      c.build,
      c.running,
      c.heapBytesPerTask,
      c.rssBytesPerTask,
      c.loaded.heapUsedBytes / MB,
      c.loaded.rssBytes / MB,
      c.heapBytesPerAgent,
      base ? `${(c.heapBytesPerTask / base.heapBytesPerTask).toFixed(2)}x` : '-',
    ]),
    results: { agents: o.agents, tasks: o.tasks, cells },
    targets,
    notes: [
      'runtime: HOLLOW (real agent code and protocol over real loopback WebSockets; tasks only pretend to run); store: memory',
      'per task: (reading with every task RUNNING) minus (reading with the agents registered and no task), over the tasks; each reading follows two global.gc() calls in the master',
      'RSS is read after the same collections; V8 keeps some of the pages it grew during the launch, so RSS per task is above the live heap per task',
      'the master runs with --offer-timeout 0 (offers never rescinded), so a late answer on a loaded machine does not end the launch',
      ...(base ? [] : ['no --baseline given: pass another build\'s dist/ folder to measure it first, in the same run']),
      ...cells.filter((c) => c.heapSnapshot).map((c) => `heap snapshot of ${c.build}: ${c.heapSnapshot}`),
    ],
  };
}
