// Runs tasks as plain child processes on the host, each in its own process group.
//
// What it cannot enforce: no cpu, memory, pids or disk limits (nothing like cgroups is set up),
// no filesystem or network isolation (the task sees the host as the agent's user does), and no
// container policy (privileged, volumes and capabilities mean nothing here, so they are ignored).
// A restarted agent re-adopts its processes through the pid file in each sandbox (pid and start
// time, so a reused pid is never taken for the task); it is not their parent any more, so it
// polls for their end and cannot learn their exit code (docs/agent.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { sleep } from '../../protocol/index.js';
import { LineSplitter } from './line-splitter.js';
import { abortable } from './abortable.js';
import type {
  AdoptRequest,
  ContainerRuntime,
  ContainerSummary,
  ExecOptions,
  ExecResult,
  ExitInfo,
  LaunchSpec,
  LogOptions,
  UsageSample,
} from './runtime.js';
import { taskArgv, taskEnvironment } from './task-env.js';
import { processState, readPidFile, runBounded, signalGroup, writePidFile } from './process-host.js';

export { PID_FILE } from './process-host.js';

export interface ProcessRuntimeOptions {
  /** Variables every task starts with (below its own); PATH by default. */
  baseEnv?: Record<string, string>;
  /** How often logs({follow}) looks for new output. */
  logPollMs?: number;
  /** How often a re-adopted process (not our child) is looked at to see whether it ended. */
  adoptedPollMs?: number;
  log?: Logger;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// Linux reports /proc times in clock ticks and statm in pages; these are the values on every
// common x86-64 and arm64 kernel (node cannot ask sysconf for them).
const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

interface Entry {
  summary: ContainerSummary;
  /** Absent for a process re-adopted after an agent restart. */
  child: ChildProcess | undefined;
  pid: number;
  /** The process's start time in clock ticks since boot: with the pid, it names the process. */
  startTicks: number;
  sandboxDir: string;
  /** Stops the exit polling of a re-adopted process. */
  stopPolling?: () => void;
  stdoutPath: string;
  stderrPath: string;
  exited: Promise<ExitInfo>;
  exit?: ExitInfo;
  /** How many callers are waiting for the exit; the child is ref'd while any are. */
  waiters: number;
  lastCpu?: { ticks: number; atMs: number };
}

export const STDOUT_FILE = 'stdout';
export const STDERR_FILE = 'stderr';

const EXIT_UNKNOWN_MESSAGE = 'the process ended while it was re-adopted after an agent restart; its exit code is unknown';

export class ProcessRuntime implements ContainerRuntime {
  readonly name = 'process' as const;
  readonly reportsStarting = true;
  #entries = new Map<string, Entry>();
  #baseEnv: Record<string, string>;
  #logPollMs: number;
  #adoptedPollMs: number;
  #log: Logger | undefined;

  constructor(options: ProcessRuntimeOptions = {}) {
    this.#baseEnv = options.baseEnv ?? { PATH: DEFAULT_PATH };
    this.#logPollMs = options.logPollMs ?? 200;
    this.#adoptedPollMs = options.adoptedPollMs ?? 250;
    this.#log = options.log?.child({ component: 'process-runtime' });
  }

  async launch(spec: LaunchSpec): Promise<ContainerSummary> {
    // One live process per task id: a second launch returns the first (launch is idempotent).
    for (const e of this.#entries.values()) {
      if (e.summary.taskId === spec.taskId && e.summary.agentId === spec.agentId) return { ...e.summary };
    }
    if (spec.container?.user) throw new Error(`task ${spec.taskId} asks to run as user ${spec.container.user}; the process runtime runs tasks as the agent's own user (use the Docker runtime)`);
    const argv = taskArgv(spec);
    const [file, ...args] = argv;
    if (file === undefined || file === '') throw new Error(`task ${spec.taskId} has no command; the process runtime needs command.value`);
    await mkdir(spec.sandboxDir, { recursive: true });
    const stdoutPath = path.join(spec.sandboxDir, STDOUT_FILE);
    const stderrPath = path.join(spec.sandboxDir, STDERR_FILE);
    const out = openSync(stdoutPath, 'a');
    const err = openSync(stderrPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: spec.sandboxDir,
        env: { ...this.#baseEnv, HOME: spec.sandboxDir, MESOS_SANDBOX: spec.sandboxDir, ...taskEnvironment(spec) },
        // Its own process group, so kill() reaches everything the task forks.
        detached: true,
        stdio: ['ignore', out, err],
      });
    } finally {
      // The child holds its own copies of the descriptors.
      closeSync(out);
      closeSync(err);
    }
    // Recorded before anything else can happen, so an agent that dies right now still finds it.
    let startTicks = -1;
    if (child.pid !== undefined) {
      try {
        startTicks = writePidFile(spec.sandboxDir, child.pid);
      } catch (e) {
        // Without its record a restarted agent could not find it: better not to run it at all.
        signalGroup(child.pid, 'SIGKILL');
        throw new Error(`could not record the pid of task ${spec.taskId} in its sandbox: ${(e as Error).message}`, { cause: e });
      }
    }
    // Listen for the exit at once: a task that ends at startup may exit before spawn settles.
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve({ exitCode: code, oomKilled: false, ...(signal ? { signal } : {}) }));
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new Error(`could not start "${file}" for task ${spec.taskId}: ${e.message}`, { cause: e })));
    });
    const pid = child.pid ?? -1;
    // The agent may stop without killing its tasks; they must not keep node's event loop alive
    // (waiters hold a reference while they wait, see #held).
    child.unref();
    const id = String(pid);
    const summary: ContainerSummary = { id, taskId: spec.taskId, frameworkId: spec.frameworkId, agentId: spec.agentId, running: true };
    const entry: Entry = { summary, child, pid, startTicks, sandboxDir: spec.sandboxDir, stdoutPath, stderrPath, exited, waiters: 0 };
    // Registered first, so the entry is up to date before any waiter resumes.
    void exited.then((exit) => {
      entry.exit = exit;
      entry.summary = { ...entry.summary, running: false, exit };
    });
    this.#entries.set(id, entry);
    this.#log?.debug({ taskId: spec.taskId, pid }, 'process started');
    return { ...summary };
  }

  async wait(id: string, signal?: AbortSignal): Promise<ExitInfo> {
    const entry = this.#entries.get(id);
    if (!entry) return { exitCode: null, oomKilled: false, message: `no process ${id} on this agent` };
    return abortable(this.#held(entry, signal), signal);
  }

  /** The exit, keeping the event loop alive for the child while someone waits for it. */
  async #held(entry: Entry, signal?: AbortSignal): Promise<ExitInfo> {
    if (entry.exit) return entry.exit;
    if (entry.waiters++ === 0) entry.child?.ref();
    try {
      return await abortable(entry.exited, signal);
    } finally {
      if (--entry.waiters === 0) entry.child?.unref();
    }
  }

  async kill(id: string, gracePeriodMs: number): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    // A re-adopted pid is checked again: if it names another process now, it is not signalled.
    if (!entry.child && !entry.exit && (await processState(entry.pid, entry.startTicks)) !== 'running') {
      await this.#held(entry);
      return;
    }
    if (!entry.exit) {
      signalGroup(entry.pid, 'SIGTERM');
      const graceTimer = new AbortController();
      const timedOut = await Promise.race([
        this.#held(entry).then(() => false),
        sleep(Math.max(0, gracePeriodMs), graceTimer.signal).then(() => !graceTimer.signal.aborted),
      ]);
      graceTimer.abort();
      if (timedOut) this.#log?.debug({ pid: entry.pid, gracePeriodMs }, 'grace period over; sending SIGKILL');
    }
    // Also after the leader exited: whatever it left behind in its group goes too (only for our
    // own children: the group of a re-adopted process that ended may be a reused id by now).
    if (entry.child || !entry.exit) signalGroup(entry.pid, 'SIGKILL');
    await this.#held(entry);
  }

  async adopt(request: AdoptRequest): Promise<ContainerSummary | undefined> {
    for (const e of this.#entries.values()) {
      if (e.summary.taskId === request.taskId && e.summary.agentId === request.agentId) return { ...e.summary };
    }
    const recorded = await readPidFile(request.sandboxDir);
    if (!recorded) return undefined;
    const id = String(recorded.pid);
    const summary: ContainerSummary = { id, taskId: request.taskId, frameworkId: request.frameworkId, agentId: request.agentId, running: true };
    let markExited: (exit: ExitInfo) => void = () => undefined;
    const exited = new Promise<ExitInfo>((resolve) => (markExited = resolve));
    const entry: Entry = {
      summary,
      child: undefined,
      pid: recorded.pid,
      startTicks: recorded.startTicks,
      sandboxDir: request.sandboxDir,
      stdoutPath: path.join(request.sandboxDir, STDOUT_FILE),
      stderrPath: path.join(request.sandboxDir, STDERR_FILE),
      exited,
      waiters: 0,
    };
    const end = (): void => {
      const exit: ExitInfo = { exitCode: null, oomKilled: false, exitUnknown: true, message: EXIT_UNKNOWN_MESSAGE };
      entry.exit = exit;
      entry.summary = { ...entry.summary, running: false, exit };
      markExited(exit);
    };
    this.#entries.set(id, entry);
    if ((await processState(recorded.pid, recorded.startTicks)) !== 'running') {
      end();
      return { ...entry.summary };
    }
    // Not our child: no exit event will come, so look at /proc until it is gone.
    let timer: NodeJS.Timeout | undefined;
    let polling = true;
    const poll = async (): Promise<void> => {
      if (!polling) return;
      if ((await processState(recorded.pid, recorded.startTicks)) !== 'running') {
        polling = false;
        end();
        return;
      }
      timer = setTimeout(() => void poll(), this.#adoptedPollMs);
      timer.unref();
    };
    entry.stopPolling = () => {
      polling = false;
      clearTimeout(timer);
    };
    timer = setTimeout(() => void poll(), this.#adoptedPollMs);
    timer.unref();
    this.#log?.debug({ taskId: request.taskId, pid: recorded.pid }, 'process re-adopted');
    return { ...summary };
  }

  async exec(id: string, argv: string[], options: ExecOptions): Promise<ExecResult> {
    const entry = this.#entries.get(id);
    if (!entry) return { exitCode: null, output: `no process ${id} on this agent`, timedOut: false };
    const [file, ...args] = argv;
    if (file === undefined) return { exitCode: null, output: 'no command', timedOut: false };
    const child = spawn(file, args, {
      cwd: entry.sandboxDir,
      env: { ...this.#baseEnv, HOME: entry.sandboxDir, MESOS_SANDBOX: entry.sandboxDir, ...(options.env ?? {}) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return runBounded(child, options);
  }

  async inspect(id: string): Promise<ContainerSummary | undefined> {
    const entry = this.#entries.get(id);
    return entry ? { ...entry.summary } : undefined;
  }

  async list(agentId: string): Promise<ContainerSummary[]> {
    return [...this.#entries.values()].filter((e) => e.summary.agentId === agentId).map((e) => ({ ...e.summary }));
  }

  /** CPU and resident memory of the task's leader process (not of its children). */
  async stats(id: string): Promise<UsageSample | undefined> {
    const entry = this.#entries.get(id);
    if (!entry || entry.exit) return undefined;
    const first = entry.lastCpu ?? (await this.#cpuSample(entry.pid));
    if (!first) return undefined;
    // Without an earlier sample, take a second one a moment later to have a rate.
    if (!entry.lastCpu) await sleep(100);
    const [now, statm] = await Promise.all([this.#cpuSample(entry.pid), readFile(`/proc/${entry.pid}/statm`, 'utf8').catch(() => undefined)]);
    if (!now) return undefined;
    entry.lastCpu = now;
    const elapsedS = (now.atMs - first.atMs) / 1000;
    const cpuPercent = elapsedS > 0 ? ((now.ticks - first.ticks) / CLOCK_TICKS_PER_SECOND / elapsedS) * 100 : 0;
    const rssPages = Number(statm?.split(' ')[1] ?? 0);
    return { cpuPercent: Math.max(0, cpuPercent), memBytes: rssPages * PAGE_BYTES, atMs: now.atMs };
  }

  async *logs(id: string, options: LogOptions): AsyncIterable<string> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    const files = [entry.stdoutPath, entry.stderrPath];
    const offsets = [0, 0];
    const splitters = [new LineSplitter(), new LineSplitter()];
    // Reads what is new in each file; stdout and stderr are separate files, so lines are merged
    // per read rather than in their exact order.
    const readNew = async (): Promise<string[]> => {
      const lines: string[] = [];
      for (let i = 0; i < files.length; i++) {
        const size = await stat(files[i] as string).then((s) => s.size, () => 0);
        const from = offsets[i] ?? 0;
        if (size <= from) continue;
        const bytes = await readFile(files[i] as string);
        offsets[i] = bytes.length;
        lines.push(...(splitters[i] as LineSplitter).push(bytes.subarray(from)));
      }
      return lines;
    };
    const first = await readNew();
    yield* options.tail === undefined ? first : first.slice(Math.max(0, first.length - options.tail));
    const signal = options.signal;
    while (options.follow && !signal?.aborted) {
      const ended = entry.exit !== undefined;
      yield* await readNew();
      if (ended) break;
      const pause = new AbortController();
      const stopPause = (): void => pause.abort();
      signal?.addEventListener('abort', stopPause, { once: true });
      await Promise.race([sleep(this.#logPollMs, pause.signal), entry.exited]);
      pause.abort();
      signal?.removeEventListener('abort', stopPause);
    }
    if (!signal?.aborted) yield* splitters.flatMap((s) => s.flush());
  }

  async remove(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    if (!entry.exit) await this.kill(id, 0);
    entry.stopPolling?.();
    this.#entries.delete(id);
  }

  async #cpuSample(pid: number): Promise<{ ticks: number; atMs: number } | undefined> {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (!text) return undefined;
    // The command name (field 2) may hold spaces and parentheses; fields resume after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, so 11 and 12 after the name.
    const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    return { ticks, atMs: Date.now() };
  }
}
