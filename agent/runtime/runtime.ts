// The interface every task runtime implements (Docker, process, hollow). One conformance suite
// (test/integration/runtime-conformance.test.ts) runs against the real ones.
import type { Res } from '../../protocol/index.js';

export interface LaunchSpec {
  taskId: string;
  frameworkId: string;
  agentId: string;
  /** Docker image; required by DockerRuntime, ignored by the others. */
  image?: string | undefined;
  /** A shell command line (run with sh -c) when shell is true, else an executable with arguments. */
  command: { value: string; shell: boolean; arguments: string[] };
  environment: Record<string, string>;
  resources: Res;
  /** The ports the task was given, in order; exported as PORT0..PORTn and PORTS. */
  ports: number[];
  labels: Record<string, string>;
  /** The task's sandbox directory on the agent (process runtime: its cwd and log files). */
  sandboxDir: string;
  /**
   * What the task asks of the container beyond the defaults; checked against the operator's
   * ContainerPolicy (agent/runtime/policy.ts) by runtimes that can grant it.
   */
  container?: ContainerRequest | undefined;
}

/** Container privileges a task may request; each is refused unless the operator's policy allows it. */
export interface ContainerRequest {
  privileged: boolean;
  volumes: { hostPath: string; containerPath: string; readOnly: boolean }[];
  capAdd: string[];
  /** The user to run as ('' keeps the image's); only DockerRuntime can honour it. */
  user?: string;
}

/** How a task's process ended. */
export interface ExitInfo {
  /** null when killed by a signal or unknown. */
  exitCode: number | null;
  signal?: string | undefined;
  oomKilled: boolean;
  /** When the runtime could not tell (for example the container vanished). */
  message?: string | undefined;
  /** The container is gone without a trace (removed behind the agent's back). */
  vanished?: boolean | undefined;
  /**
   * It ended but how is unknown: a process re-adopted after an agent restart is not the agent's
   * child, so its exit code cannot be collected.
   */
  exitUnknown?: boolean | undefined;
}

/** What the agent checkpointed about a container, to take it back after an agent restart. */
export interface AdoptRequest {
  /** The runtime's id from launch(), or '' when the agent stopped before it learned it. */
  id: string;
  taskId: string;
  frameworkId: string;
  agentId: string;
  sandboxDir: string;
}

export interface ExecOptions {
  timeoutMs: number;
  /** Variables added to the task's (the process runtime has no container to inherit them from). */
  env?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
}

export interface ExecResult {
  /** null when it timed out or was ended by a signal. */
  exitCode: number | null;
  /** The last few KiB of its stdout and stderr. */
  output: string;
  timedOut: boolean;
}

export interface ContainerSummary {
  /** The runtime's id for it (container id, pid, hollow id). */
  id: string;
  taskId: string;
  frameworkId: string;
  agentId: string;
  running: boolean;
  exit?: ExitInfo | undefined;
}

export interface UsageSample {
  cpuPercent: number;
  memBytes: number;
  atMs: number;
}

export interface LogOptions {
  follow: boolean;
  /** Lines from the end to start with (all when undefined). */
  tail?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface ContainerRuntime {
  readonly name: 'docker' | 'process' | 'hollow';
  /**
   * Whether the agent reports TASK_STARTING before it asks for the launch: worth a status round
   * trip where a launch takes a while (an image pull, a spawn). A hollow launch is immediate, so
   * its tasks go from STAGING straight to RUNNING.
   */
  readonly reportsStarting: boolean;
  /** Creates and starts the task; resolves once it runs. Rejects with a message a person can act on. */
  launch(spec: LaunchSpec): Promise<ContainerSummary>;
  /**
   * Resolves when the container ends (at once if it already has). When signal aborts first it
   * rejects with an AbortError (the container keeps running); an agent that stops without
   * killing its tasks uses it so no wait outlives it.
   */
  wait(id: string, signal?: AbortSignal): Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL after gracePeriodMs; resolves when it has ended. */
  kill(id: string, gracePeriodMs: number): Promise<void>;
  inspect(id: string): Promise<ContainerSummary | undefined>;
  /** Every container of this agent the runtime knows (by berth labels), for recovery. */
  list(agentId: string): Promise<ContainerSummary[]>;
  stats(id: string): Promise<UsageSample | undefined>;
  /** stdout and stderr lines, merged in order as far as the runtime can tell. */
  logs(id: string, options: LogOptions): AsyncIterable<string>;
  /** Frees what the ended container holds (removes a Docker container). */
  remove(id: string): Promise<void>;
  /**
   * Takes back a container an earlier agent process launched (after an agent restart).
   * undefined when there is none: never launched, or gone. A process runtime checks that the pid
   * still names the same process (its start time), so a reused pid is never adopted.
   */
  adopt(request: AdoptRequest): Promise<ContainerSummary | undefined>;
  /** Runs argv inside the task's container (command health checks). */
  exec(id: string, argv: string[], options: ExecOptions): Promise<ExecResult>;
}
