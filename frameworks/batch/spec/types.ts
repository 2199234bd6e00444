// The batch job spec as users write it (JobInput) and as the rest of batch sees it (JobSpec):
// every default filled once, by compileJob in parse.ts, so nothing downstream guesses.

/** How a schedule treats a run that comes due while an earlier one is still active. */
export const ConcurrencyPolicy = { Allow: 'Allow', Forbid: 'Forbid', Replace: 'Replace' } as const;
export type ConcurrencyPolicy = (typeof ConcurrencyPolicy)[keyof typeof ConcurrencyPolicy];

/** The defaults compileJob fills; docs/batch.md and the JSON Schema's `default`s come from here. */
export const DEFAULTS = {
  diskMb: 0,
  parallelism: 1,
  gang: false,
  retryLimit: 0,
  backoffInitialSeconds: 10,
  backoffFactor: 2,
  backoffMaxSeconds: 600,
  priority: 0,
  preemptible: false,
  role: '*',
  timeZone: 'UTC',
  concurrencyPolicy: ConcurrencyPolicy.Allow,
  successfulHistoryLimit: 3,
  failedHistoryLimit: 1,
} as const;

export interface TaskResources {
  cpus: number;
  memMb: number;
  diskMb: number;
}

/** A Docker container: `command` is run by a shell, `args` are exec'd as they are. */
export interface ContainerSpec {
  kind: 'container';
  image: string;
  command: string | undefined;
  args: string[] | undefined;
  env: Record<string, string>;
  user: string | undefined;
}

/** A plain process on the agent's process runtime, run by a shell. */
export interface ProcessSpec {
  kind: 'process';
  command: string;
  env: Record<string, string>;
}

export interface BackoffSpec {
  initialMs: number;
  factor: number;
  maxMs: number;
}

export interface RetrySpec {
  /** Failed attempts retried per task index (a gang: per gang attempt); 0 = never retried. */
  limit: number;
  backoff: BackoffSpec;
}

export interface ParameterSpec {
  /** Absent = the parameter is required at dispatch. */
  default: string | undefined;
  description: string | undefined;
}

export interface ScheduleSpec {
  cron: string;
  timeZone: string;
  concurrencyPolicy: ConcurrencyPolicy;
  /** A due time later than this is skipped instead of started; undefined = no limit. */
  startingDeadlineMs: number | undefined;
  successfulHistoryLimit: number;
  failedHistoryLimit: number;
}

/** A job with every default filled: what the scheduler, queue and run tracker consume. */
export interface JobSpec {
  id: string;
  description: string | undefined;
  run: ContainerSpec | ProcessSpec;
  resources: TaskResources;
  parallelism: number;
  completions: number;
  gang: boolean;
  retries: RetrySpec;
  /** Whole-run limit, from the run's start; undefined = none. */
  deadlineMs: number | undefined;
  /** Per-attempt limit, from the task's launch; the queue's backfill relies on it. */
  taskDeadlineMs: number | undefined;
  priority: number;
  preemptible: boolean;
  role: string;
  parameters: Record<string, ParameterSpec>;
  schedule: ScheduleSpec | undefined;
  dependsOn: string[];
}

/** One problem with a spec: the field's path (`jobs[1].resources.cpus`), a rule name, a sentence. */
export interface SpecProblem {
  path: string;
  rule: string;
  message: string;
}

export type ParseResult =
  | { ok: true; jobs: JobSpec[]; warnings: string[] }
  | { ok: false; problems: SpecProblem[] };
