// Runs tasks as plain child processes on the host, each in its own process group.
//
// What it cannot enforce: no cpu, memory, pids or disk limits (nothing like cgroups is set up),
// no filesystem or network isolation (the task sees the host as the agent's user does), and no
// container policy (privileged, volumes and capabilities mean nothing here, so they are ignored).
// Its table lives in memory, so a restarted agent does not find the processes it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { sleep } from '../../protocol/index.js';
import { LineSplitter } from './line-splitter.js';
import { abortable } from './abortable.js';
import type { ContainerRuntime, ContainerSummary, ExitInfo, LaunchSpec, LogOptions, UsageSample } from './runtime.js';
import { taskArgv, taskEnvironment } from './task-env.js';

export interface ProcessRuntimeOptions {
  /** Variables every task starts with (below its own); PATH by default. */
  baseEnv?: Record<string, string>;
  /** How often logs({follow}) looks for new output. */
  logPollMs?: number;
  log?: Logger;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// Linux reports /proc times in clock ticks and statm in pages; these are the values on every
// common x86-64 and arm64 kernel (node cannot ask sysconf for them).
const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

interface Entry {
  summary: ContainerSummary;
  child: ChildProcess;
  pid: number;
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

export class ProcessRuntime implements ContainerRuntime {
  readonly name = 'process' as const;
  #entries = new Map<string, Entry>();
  #baseEnv: Record<string, string>;
  #logPollMs: number;
  #log: Logger | undefined;

  constructor(options: ProcessRuntimeOptions = {}) {
    this.#baseEnv = options.baseEnv ?? { PATH: DEFAULT_PATH };
    this.#logPollMs = options.logPollMs ?? 200;
    this.#log = options.log?.child({ component: 'process-runtime' });
  }

  async launch(spec: LaunchSpec): Promise<ContainerSummary> {
    // One live process per task id: a second launch returns the first (launch is idempotent).
    for (const e of this.#entries.values()) {
      if (e.summary.taskId === spec.taskId && e.summary.agentId === spec.agentId) return { ...e.summary };
    }
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
    const entry: Entry = { summary, child, pid, stdoutPath, stderrPath, exited, waiters: 0 };
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
    if (entry.waiters++ === 0) entry.child.ref();
    try {
      return await abortable(entry.exited, signal);
    } finally {
      if (--entry.waiters === 0) entry.child.unref();
    }
  }

  async kill(id: string, gracePeriodMs: number): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
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
    // Also after the leader exited: whatever it left behind in its group goes too.
    signalGroup(entry.pid, 'SIGKILL');
    await this.#held(entry);
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

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
