// The entry point of the job spec: text (YAML or JSON) in, compiled jobs or problems out.
import { Ajv, type ValidateFunction } from 'ajv';
import { readDocument } from '../../sdk/index.js';
import { buildWorkflow } from '../dag.js';
import { fromAjv, joinPath } from './problems.js';
import { checkJob, type JobInput } from './rules.js';
import { JOB_FILE_SCHEMA, SCHEMA_ID } from './schema.js';
import { DEFAULTS, type ConcurrencyPolicy, type JobSpec, type ParseResult } from './types.js';

/** Larger files are refused before they are parsed. */
export const MAX_SPEC_BYTES = 1024 * 1024;

export interface ParseOptions {
  /** `auto` (the default) reads JSON when the text starts with `{` or `[`, YAML otherwise. */
  format?: 'yaml' | 'json' | 'auto';
  /** Ids of jobs already submitted, which `dependsOn` may name too. */
  knownJobs?: Iterable<string>;
}

let validators: { file: ValidateFunction; job: ValidateFunction } | undefined;

/** Compiled once, on first use: ajv compiles the schema into a function. */
function compiled(): { file: ValidateFunction; job: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
    ajv.addSchema(JOB_FILE_SCHEMA);
    validators = { file: ajv.getSchema(`${SCHEMA_ID}#/definitions/file`)!, job: ajv.getSchema(`${SCHEMA_ID}#/definitions/job`)! };
  }
  return validators;
}

/**
 * Parses a job file: one job, or `{ jobs: [...] }` for several (a workflow). Checks it against
 * the schema and the rules around it, then fills every default once. Never throws on bad input:
 * every problem comes back with the field's path and the rule it breaks.
 */
export function parseJobs(text: string, options: ParseOptions = {}): ParseResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) {
    return { ok: false, problems: [{ path: '', rule: 'size', message: `the file is ${bytes} bytes; at most ${MAX_SPEC_BYTES} are read` }] };
  }
  // The SDK's reader: YAML or JSON, with the depth and alias limits every spec file gets.
  const read = readDocument(text, { maxBytes: MAX_SPEC_BYTES, syntax: options.format ?? 'auto' });
  if (!read.ok) return { ok: false, problems: read.problems };
  const value = read.document;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: [{ path: '', rule: 'type', message: 'the file must hold one job (an object with an id) or { jobs: [...] }' }] };
  }
  const many = 'jobs' in value;
  const { file, job } = compiled();
  const validate = many ? file : job;
  if (!validate(value)) return { ok: false, problems: fromAjv(validate.errors) };

  const inputs = (many ? (value as { jobs: JobInput[] }).jobs : [value as JobInput]);
  const at = (i: number) => (many ? `jobs[${i}]` : '');
  const problems = inputs.flatMap((j, i) => checkJob(j, at(i)));

  const graph = buildWorkflow(inputs.map((j) => ({ id: j.id, dependsOn: (j.dependsOn as string[] | undefined) ?? [] })), new Set(options.knownJobs ?? []));
  if (!graph.ok) {
    const indexOf = (id: string) => inputs.findIndex((j) => j.id === id);
    for (const g of graph.problems) {
      if (g.rule === 'unknown-dependency') {
        problems.push({ path: joinPath(joinPath(at(indexOf(g.id)), 'dependsOn'), g.index), rule: g.rule, message: g.message });
      } else if (g.rule === 'duplicate-id') {
        const second = inputs.findIndex((j, i) => j.id === g.id && i !== indexOf(g.id));
        problems.push({ path: joinPath(at(second), 'id'), rule: g.rule, message: g.message });
      } else {
        problems.push({ path: joinPath(at(indexOf(g.id)), 'dependsOn'), rule: g.rule, message: g.message });
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const warnings: string[] = [];
  const jobs = inputs.map((j, i) => compileJob(j, at(i), warnings));
  return { ok: true, jobs, warnings };
}

const seconds = (s: number | undefined): number | undefined => (s === undefined ? undefined : Math.round(s * 1000));
/**
 * The master counts resources in thousandths (protocol/resources.ts); a task asks for what it
 * will be given, rounded up, so the queue plans with the amounts the master checks (three tasks
 * of 8/3 cpus would not fit in 8 there).
 */
const thousandths = (n: number): number => Math.ceil(Math.round(n * 1e6) / 1000) / 1000;

/** Fills defaults into a job that passed every check: the one place defaults are decided. */
function compileJob(j: JobInput, at: string, warnings: string[]): JobSpec {
  const x = j as JobInput & {
    description?: string;
    resources: { cpus: number; memMb: number; diskMb?: number };
    deadlineSeconds?: number;
    taskDeadlineSeconds?: number;
    priority?: number;
    preemptible?: boolean;
    role?: string;
    dependsOn?: string[];
    schedule?: {
      cron: string;
      timeZone?: string;
      concurrencyPolicy?: ConcurrencyPolicy;
      startingDeadlineSeconds?: number;
      successfulHistoryLimit?: number;
      failedHistoryLimit?: number;
    };
  };
  const parallelism = x.parallelism ?? DEFAULTS.parallelism;
  const completions = x.completions ?? parallelism;
  const b = x.retries?.backoff;
  const c = x.container;
  const spec: JobSpec = {
    id: x.id,
    description: x.description,
    run: c
      ? { kind: 'container', image: c.image, command: c.command, args: c.args, env: { ...c.env }, user: c.user }
      : { kind: 'process', command: x.command!, env: { ...x.env } },
    resources: { cpus: thousandths(x.resources.cpus), memMb: thousandths(x.resources.memMb), diskMb: thousandths(x.resources.diskMb ?? DEFAULTS.diskMb) },
    parallelism,
    completions,
    gang: x.gang ?? DEFAULTS.gang,
    retries: {
      limit: x.retries?.limit ?? DEFAULTS.retryLimit,
      backoff: {
        initialMs: seconds(b?.initialSeconds ?? DEFAULTS.backoffInitialSeconds)!,
        factor: b?.factor ?? DEFAULTS.backoffFactor,
        maxMs: seconds(Math.max(b?.maxSeconds ?? DEFAULTS.backoffMaxSeconds, b?.initialSeconds ?? 0))!,
      },
    },
    deadlineMs: seconds(x.deadlineSeconds),
    taskDeadlineMs: seconds(x.taskDeadlineSeconds),
    priority: x.priority ?? DEFAULTS.priority,
    preemptible: x.preemptible ?? DEFAULTS.preemptible,
    role: x.role ?? DEFAULTS.role,
    parameters: Object.fromEntries(
      Object.entries(x.parameters ?? {}).map(([k, p]) => [k, { default: p.default, description: p.description }]),
    ),
    schedule: x.schedule && {
      cron: x.schedule.cron,
      timeZone: x.schedule.timeZone ?? DEFAULTS.timeZone,
      concurrencyPolicy: x.schedule.concurrencyPolicy ?? DEFAULTS.concurrencyPolicy,
      startingDeadlineMs: seconds(x.schedule.startingDeadlineSeconds),
      successfulHistoryLimit: x.schedule.successfulHistoryLimit ?? DEFAULTS.successfulHistoryLimit,
      failedHistoryLimit: x.schedule.failedHistoryLimit ?? DEFAULTS.failedHistoryLimit,
    },
    dependsOn: [...(x.dependsOn ?? [])],
  };
  if (spec.parallelism > spec.completions) {
    warnings.push(`${joinPath(at, 'parallelism')}: ${spec.parallelism} tasks at once but only ${spec.completions} completions; at most ${spec.completions} will run`);
  }
  if (spec.schedule && spec.dependsOn.length > 0) {
    warnings.push(`${joinPath(at, 'schedule')}: ${spec.id} has a schedule and dependsOn; the schedule starts it whether or not its dependencies ran`);
  }
  if (spec.taskDeadlineMs !== undefined && spec.deadlineMs !== undefined && spec.taskDeadlineMs > spec.deadlineMs) {
    warnings.push(`${joinPath(at, 'taskDeadlineSeconds')} is longer than deadlineSeconds; the run's deadline ends the task first`);
  }
  return spec;
}
