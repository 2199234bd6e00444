// A runtime that only pretends, for benchmarks of the control plane: launch resolves at once, no
// process runs, and the "container" ends with exit 0 after durationMs (or runs until killed).
// Every report that uses it must say so (docs/architecture.md, Benchmarks).
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

export interface HollowRuntimeOptions {
  /** How long each task "runs" before it finishes with exit 0; undefined = until killed. */
  durationMs?: number;
  /**
   * How long this task "runs", for workloads whose tasks differ (a trace replay); undefined
   * falls back to durationMs.
   */
  durationOf?: (spec: LaunchSpec) => number | undefined;
}

interface HollowEntry {
  summary: ContainerSummary;
  timer?: NodeJS.Timeout;
  exited: Promise<ExitInfo>;
  end: (exit: ExitInfo) => void;
}

export class HollowRuntime implements ContainerRuntime {
  readonly name = 'hollow' as const;
  readonly reportsStarting = false;
  #durationMs: number | undefined;
  #durationOf: ((spec: LaunchSpec) => number | undefined) | undefined;
  #entries = new Map<string, HollowEntry>();

  constructor(options: HollowRuntimeOptions = {}) {
    this.#durationMs = options.durationMs;
    this.#durationOf = options.durationOf;
  }

  async launch(spec: LaunchSpec): Promise<ContainerSummary> {
    const id = `hollow-${spec.agentId}-${spec.taskId}`;
    const known = this.#entries.get(id);
    if (known) return { ...known.summary };
    let end: (exit: ExitInfo) => void = () => undefined;
    const exited = new Promise<ExitInfo>((resolve) => (end = resolve));
    const entry: HollowEntry = {
      summary: { id, taskId: spec.taskId, frameworkId: spec.frameworkId, agentId: spec.agentId, running: true },
      exited,
      end: (exit) => {
        if (!entry.summary.running) return;
        clearTimeout(entry.timer);
        entry.summary = { ...entry.summary, running: false, exit };
        end(exit);
      },
    };
    const durationMs = this.#durationOf?.(spec) ?? this.#durationMs;
    if (durationMs !== undefined) {
      // Not unref'd: like a real task, a hollow one keeps the process alive until it ends.
      entry.timer = setTimeout(() => entry.end({ exitCode: 0, oomKilled: false }), durationMs);
    }
    this.#entries.set(id, entry);
    return { ...entry.summary };
  }

  async wait(id: string, signal?: AbortSignal): Promise<ExitInfo> {
    const entry = this.#entries.get(id);
    return entry ? abortable(entry.exited, signal) : { exitCode: null, oomKilled: false, message: `no hollow container ${id}` };
  }

  async kill(id: string, _gracePeriodMs = 0): Promise<void> {
    this.#entries.get(id)?.end({ exitCode: null, signal: 'SIGTERM', oomKilled: false });
  }

  async inspect(id: string): Promise<ContainerSummary | undefined> {
    const entry = this.#entries.get(id);
    return entry ? { ...entry.summary } : undefined;
  }

  async list(agentId: string): Promise<ContainerSummary[]> {
    return [...this.#entries.values()].filter((e) => e.summary.agentId === agentId).map((e) => ({ ...e.summary }));
  }

  async stats(id: string): Promise<UsageSample | undefined> {
    return this.#entries.get(id)?.summary.running ? { cpuPercent: 0, memBytes: 0, atMs: Date.now() } : undefined;
  }

  /** A hollow task writes nothing. */
  async *logs(_id: string, _options: LogOptions): AsyncIterable<string> {
    return;
  }

  /** Hollow containers live in this object only: the same runtime finds them again, a new one does not. */
  async adopt(request: AdoptRequest): Promise<ContainerSummary | undefined> {
    const entry = this.#entries.get(request.id !== '' ? request.id : `hollow-${request.agentId}-${request.taskId}`);
    return entry ? { ...entry.summary } : undefined;
  }

  /** Every hollow command succeeds. */
  async exec(id: string, _argv: string[], _options: ExecOptions): Promise<ExecResult> {
    return this.#entries.get(id)?.summary.running ? { exitCode: 0, output: '', timedOut: false } : { exitCode: null, output: `no hollow container ${id}`, timedOut: false };
  }

  async remove(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.end({ exitCode: null, signal: 'SIGKILL', oomKilled: false });
    this.#entries.delete(id);
  }
}
