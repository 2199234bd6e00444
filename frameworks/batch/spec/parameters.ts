// Dispatch-time substitution of `${name}` into a job's command, args and env.
import { joinPath } from './problems.js';
import { PARAM_REF } from './rules.js';
import type { JobSpec, SpecProblem } from './types.js';

/** What one task runs, parameters substituted; env includes BERTH_TASK_INDEX and friends. */
export interface ResolvedRun {
  kind: 'container' | 'process';
  image: string | undefined;
  command: string | undefined;
  args: string[] | undefined;
  env: Record<string, string>;
  user: string | undefined;
}

export interface DispatchContext {
  /** Values given when the run was started (`berth jobs run /etl --param day=2026-12-01`). */
  values: Readonly<Record<string, string>>;
  runId: string;
  taskIndex: number;
}

export type ResolveResult = { ok: true; run: ResolvedRun } | { ok: false; problems: SpecProblem[] };

/**
 * Checks the values given for a run against the job's parameters: every required one present,
 * no undeclared one. Problems name `parameters.NAME`.
 */
export function checkParameterValues(job: JobSpec, values: Readonly<Record<string, string>>): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const [name, p] of Object.entries(job.parameters)) {
    if (p.default === undefined && values[name] === undefined) {
      const path = joinPath('parameters', name);
      problems.push({ path, rule: 'required', message: `parameter ${name} of ${job.id} is required and has no default${p.description ? ` (${p.description})` : ''}` });
    }
  }
  for (const name of Object.keys(values)) {
    if (!(name in job.parameters)) {
      problems.push({ path: joinPath('parameters', name), rule: 'unknown-parameter', message: `${job.id} declares no parameter ${name}` });
    }
  }
  return problems;
}

/** Substitutes parameters (given, else default) and the built-ins taskIndex, runId and jobId. */
export function resolveRun(job: JobSpec, ctx: DispatchContext): ResolveResult {
  const problems = checkParameterValues(job, ctx.values);
  if (problems.length > 0) return { ok: false, problems };
  const table: Record<string, string> = {};
  for (const [name, p] of Object.entries(job.parameters)) table[name] = ctx.values[name] ?? p.default!;
  Object.assign(table, { taskIndex: String(ctx.taskIndex), runId: ctx.runId, jobId: job.id });
  const sub = (text: string): string =>
    text.replace(PARAM_REF, (whole: string, name: string | undefined) => (name === undefined ? whole.slice(1) : table[name]!));
  const subEnv = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, sub(v)]));
  const builtins = {
    BERTH_JOB_ID: job.id,
    BERTH_RUN_ID: ctx.runId,
    BERTH_TASK_INDEX: String(ctx.taskIndex),
    BERTH_TASK_COUNT: String(job.completions),
  };
  const r = job.run;
  const run: ResolvedRun = r.kind === 'container'
    ? { kind: 'container', image: r.image, command: r.command && sub(r.command), args: r.args?.map(sub), env: { ...subEnv(r.env), ...builtins }, user: r.user }
    : { kind: 'process', image: undefined, command: sub(r.command), args: undefined, env: { ...subEnv(r.env), ...builtins }, user: undefined };
  return { ok: true, run };
}
