// reregister: how long a master takes to recover one large agent. A master starts from a state
// file (its memory store's snapshot) holding one agent with N RUNNING tasks, and the agent
// re-registers them: as the agent does (registrationCalls), in one frame or in the parts the
// master's Welcome asks for. Timed from the first frame sent to the Registered answer, then every
// task is checked RUNNING in the master's state. With --baseline DIR another build's master is
// run on the same files in the same run: one that takes no parts gets one frame, and a frame over
// the 1 MiB limit cannot be sent at all.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { registrationCalls } from '../agent/registration-frames.js';
import { HelloKind, StatusSource, TaskState, connect, type pb } from '../protocol/index.js';
import { sleep, spawnMaster } from './cluster-kit.js';
import { parseFlags } from './flags.js';
import type { BenchReport, Target } from './report.js';

const FLAGS = {
  tasks: { kind: 'string', default: '1000,5000,20000', help: 'comma list of task counts on the one agent' },
  baseline: { kind: 'string', help: "another build's dist/ folder, run first on the same state" },
} as const;

const AGENT = { hostname: 'large-agent', resources: { cpus: 1_000, memMb: 4_000_000 } };
const TARGET_TASKS = 20_000;

export interface RecoveryCell {
  build: string;
  tasks: number;
  frames: number;
  /** First frame sent to Registered received. */
  registerMs: number;
  /** Master start to leading (its state file loaded). */
  startMs: number;
  running: number;
  ok: boolean;
  why: string;
}

const taskId = (i: number): string => `task-${String(i).padStart(6, '0')}`;

/** Waits until the master leads (it has loaded its state): it refuses agents before. */
async function leading(httpUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((((await (await fetch(`${httpUrl}/health`)).json()) as { leadership?: string }).leadership) !== 'leading') {
    if (performance.now() > deadline) throw new Error(`the master at ${httpUrl} did not lead within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** The state file a master with one agent and n RUNNING tasks would have left. */
function stateFile(n: number): string {
  const status = (i: number) => ({ taskId: taskId(i), state: TaskState.TASK_RUNNING, agentId: 'agent-large', frameworkId: 'fw-1', uuid: `uuid-${i}`, source: StatusSource.AGENT, timestampMs: 2, containerId: `hollow-agent-large-${taskId(i)}` });
  const tasks = Array.from({ length: n }, (_, i) => ({
    taskId: taskId(i), frameworkId: 'fw-1', agentId: 'agent-large', appliedUuids: [`uuid-${i}`], launchedAtMs: 1, role: '*',
    info: { taskId: taskId(i), name: 'hollow', agentId: 'agent-large', resources: { cpus: 0.01, memMb: 1 }, command: { value: 'true', shell: true } },
    status: status(i),
  }));
  return JSON.stringify({
    version: 1, epoch: 1, tasks,
    agents: [{ id: 'agent-large', info: AGENT, registeredAtMs: 1, state: 'active' }],
    frameworks: [{ id: 'fw-1', info: { name: 'f', roles: ['*'], failoverTimeoutMs: 3_600_000 }, registeredAtMs: 1 }],
  });
}

function reports(n: number): pb.TaskReport.$Properties[] {
  return Array.from({ length: n }, (_, i) => ({
    task: { taskId: taskId(i), name: 'hollow', agentId: 'agent-large', resources: { cpus: 0.01, memMb: 1 }, command: { value: 'true', shell: true } },
    frameworkId: 'fw-1',
    status: { taskId: taskId(i), state: TaskState.TASK_RUNNING, agentId: 'agent-large', frameworkId: 'fw-1', uuid: `uuid-${i}`, source: StatusSource.AGENT, timestampMs: 2, containerId: `hollow-agent-large-${taskId(i)}` },
  }));
}

async function recover(build: string, cli: string, n: number): Promise<RecoveryCell> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-reregister-'));
  await writeFile(join(dir, 'state.json'), stateFile(n));
  const started = performance.now();
  const master = await spawnMaster(['--data', dir], [], { cli });
  await leading(master.httpUrl);
  const startMs = performance.now() - started;
  const cell: RecoveryCell = { build, tasks: n, frames: 0, registerMs: NaN, startMs, running: 0, ok: false, why: '' };
  try {
    const { channel, welcome } = await connect(`${master.url}/api/v1/agent`, { kind: HelloKind.AGENT, client: 'reregister-bench' });
    const calls = registrationCalls({ agent: AGENT, agentId: 'agent-large', tasks: reports(n) }, welcome.registerTasksPerFrame ?? 0);
    cell.frames = calls.length;
    const registered = new Promise<string>((resolveWhy) => {
      channel.onMessage((e) => {
        if (e.agentEvent?.registered) resolveWhy('');
        else if (e.agentEvent?.error) resolveWhy(`${e.agentEvent.error.code}: ${e.agentEvent.error.message}`);
      });
      channel.onClose((code, reason) => resolveWhy(`closed ${code} ${reason}`));
      setTimeout(() => resolveWhy('no Registered within 120 s'), 120_000).unref();
    });
    const sentAt = performance.now();
    try {
      for (const call of calls) channel.send({ agentCall: call });
    } catch (err) {
      cell.why = (err as Error).message;
      channel.close();
      return cell;
    }
    cell.why = await registered;
    cell.registerMs = performance.now() - sentAt;
    const state = (await (await fetch(`${master.httpUrl}/api/v1/state`)).json()) as { tasks: { state: string }[] };
    cell.running = state.tasks.filter((x) => x.state === 'RUNNING').length;
    if (!cell.why && cell.running !== n) cell.why = `${cell.running} of ${n} RUNNING after the registration`;
    cell.ok = cell.why === '';
    channel.close();
    return cell;
  } finally {
    await master.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(args: readonly string[] = []): Promise<BenchReport> {
  const f = parseFlags('reregister', args, FLAGS);
  const counts = f.tasks.split(',').map((x) => Number(x.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 200_000)) throw new Error(`--tasks must be a comma list of whole numbers from 1 to 200000, got ${JSON.stringify(f.tasks)}`);
  const builds: { build: string; cli: string }[] = [];
  if (f.baseline) builds.push({ build: `baseline (${f.baseline})`, cli: join(resolve(f.baseline), 'cli', 'main.js') });
  builds.push({ build: 'this build', cli: fileURLToPath(new URL('../cli/main.js', import.meta.url)) });
  const cells: RecoveryCell[] = [];
  for (const b of builds) {
    for (const n of counts) {
      process.stderr.write(`reregister: ${b.build}, ${n} tasks...\n`);
      cells.push(await recover(b.build, b.cli, n));
    }
  }
  const mine = cells.find((c) => c.build === 'this build' && c.tasks === TARGET_TASKS);
  const targets: Target[] = mine ? [{ name: `an agent with ${TARGET_TASKS} RUNNING tasks re-registers, all RUNNING (1 = yes)`, value: mine.ok ? 1 : 0, unit: '', op: '>=', target: 1 }] : [];
  return {
    bench: 'reregister',
    title: 'one agent with N RUNNING tasks re-registers with a master that loaded them from its state file',
    columns: ['build', 'tasks', 'frames', 'register ms', 'tasks/s', 'master start ms', 'RUNNING after', 'result'],
    rows: cells.map((c) => [c.build, c.tasks, c.frames, c.registerMs, c.ok ? (c.tasks * 1000) / c.registerMs : '-', c.startMs, c.running, c.ok ? 'ok' : `FAILED: ${c.why.slice(0, 80)}`]),
    results: { cells },
    targets,
    notes: [
      'the agent is a protocol peer sending what the agent\'s registrationCalls() makes of its reports (no runtime: the tasks exist only as reports); the master runs in its own process, state in memory loaded from --data',
      'register ms: first registration frame sent to the Registered answer, which the master sends once the whole registration is folded in and persisted',
    ],
  };
}
