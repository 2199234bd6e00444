// The rules a schema cannot say clearly: cron and time zone, command or container, completions
// of a gang, parameters used but not declared.
import { Cron } from 'croner';
import { joinPath } from './problems.js';
import type { SpecProblem } from './types.js';

/** A parsed-but-unchecked job, as it passed the schema. */
export interface JobInput {
  id: string;
  container?: { image: string; command?: string; args?: string[]; env?: Record<string, string>; user?: string };
  command?: string;
  env?: Record<string, string>;
  parallelism?: number;
  completions?: number;
  gang?: boolean;
  retries?: { limit?: number; backoff?: { initialSeconds?: number; factor?: number; maxSeconds?: number } };
  parameters?: Record<string, { default?: string; description?: string }>;
  schedule?: { cron: string; timeZone?: string };
  [field: string]: unknown;
}

/**
 * Compiles a cron expression the way schedules will run it: five fields, six with seconds first
 * (`*\/10 * * * * *`, every ten seconds), or a nickname.
 */
export function compileCron(cron: string, timeZone: string): Cron {
  return new Cron(cron, { timezone: timeZone, mode: '5-or-6-parts', paused: true });
}

/** True when `tz` is an IANA time zone this Node knows (or UTC). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** `${name}` is a reference; `$${name}` is a literal `${name}` (for the shell's own variables). */
export const PARAM_REF = /\$\$\{[^}]*\}|\$\{([^}]*)\}/g;

/** Parameters every task gets without declaring them: its index among the run's completions. */
export const BUILTIN_PARAMETERS = ['taskIndex', 'runId', 'jobId'] as const;

/** The `${name}` references in a text (escaped `$${name}` left out). */
export function parameterRefs(text: string): string[] {
  return [...text.matchAll(PARAM_REF)].flatMap((m) => (m[1] === undefined ? [] : [m[1]]));
}

/** Checks one job beyond the schema; `at` is the job's path (`jobs[2]`, or '' for a lone job). */
export function checkJob(job: JobInput, at: string): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const add = (path: string, rule: string, message: string) => problems.push({ path, rule, message });
  const has = (k: string) => job[k] !== undefined;

  if (job.container && job.command !== undefined) {
    add(joinPath(at, 'command'), 'exclusive', `${joinPath(at, 'command')} and ${joinPath(at, 'container')} exclude each other: give a container, or a command for the process runtime`);
  } else if (!job.container && job.command === undefined) {
    add(joinPath(at, 'command'), 'required', `${joinPath(at, 'command')} or ${joinPath(at, 'container')} is required: what should the task run?`);
  }
  if (job.container && has('env')) {
    add(joinPath(at, 'env'), 'exclusive', `${joinPath(at, 'env')} is for a plain command; a container takes its env in ${joinPath(at, 'container.env')}`);
  }
  if (job.container && job.container.command !== undefined && job.container.args !== undefined) {
    const c = joinPath(at, 'container');
    add(joinPath(c, 'args'), 'exclusive', `${c}.command (run by a shell) and ${c}.args (run as they are) exclude each other`);
  }

  const parallelism = job.parallelism ?? 1;
  if (job.gang && job.completions !== undefined && job.completions !== parallelism) {
    add(joinPath(at, 'completions'), 'gang-completions', `${joinPath(at, 'completions')} must equal parallelism (${parallelism}) for a gang, whose tasks all start and finish together; got ${job.completions}`);
  }
  if (job.gang && parallelism < 2) {
    add(joinPath(at, 'parallelism'), 'gang-size', `${joinPath(at, 'parallelism')} must be at least 2 for a gang; got ${parallelism}`);
  }
  const b = job.retries?.backoff;
  if (b && b.initialSeconds !== undefined && b.maxSeconds !== undefined && b.maxSeconds < b.initialSeconds) {
    const path = joinPath(at, 'retries.backoff.maxSeconds');
    add(path, 'minimum', `${path} must be at least initialSeconds (${b.initialSeconds}); got ${b.maxSeconds}`);
  }

  if (job.schedule) {
    const s = joinPath(at, 'schedule');
    const tz = job.schedule.timeZone ?? 'UTC';
    if (!isTimeZone(tz)) {
      add(joinPath(s, 'timeZone'), 'time-zone', `${s}.timeZone must be an IANA time zone like Europe/Berlin or UTC; got ${JSON.stringify(tz)}`);
    } else {
      try {
        // Cron has no year field, so a time that never comes after 1970 never comes (`0 0 30 2 *`).
        if (compileCron(job.schedule.cron, tz).nextRun(new Date(0)) === null) {
          add(joinPath(s, 'cron'), 'cron', `${s}.cron ${JSON.stringify(job.schedule.cron)} names a time that never comes`);
        }
      } catch (e) {
        const why = (e as Error).message.replace(/^CronPattern:\s*/, '');
        add(joinPath(s, 'cron'), 'cron', `${s}.cron must be five cron fields (minute hour day month weekday), six with seconds first, or a nickname like @daily; ${JSON.stringify(job.schedule.cron)}: ${why}`);
      }
    }
  }

  // Every ${name} used must be declared, so a typo is found at submit rather than at dispatch.
  const declared = new Set<string>([...Object.keys(job.parameters ?? {}), ...BUILTIN_PARAMETERS]);
  for (const name of Object.keys(job.parameters ?? {})) {
    if ((BUILTIN_PARAMETERS as readonly string[]).includes(name)) {
      const path = joinPath(joinPath(at, 'parameters'), name);
      add(path, 'reserved', `${path}: ${name} is set by berth for every task and cannot be declared`);
    }
  }
  const texts: [string, string][] = [];
  if (job.command !== undefined) texts.push([joinPath(at, 'command'), job.command]);
  for (const [k, v] of Object.entries(job.env ?? {})) texts.push([joinPath(joinPath(at, 'env'), k), v]);
  const c = job.container;
  if (c?.command !== undefined) texts.push([joinPath(at, 'container.command'), c.command]);
  c?.args?.forEach((a, i) => texts.push([joinPath(joinPath(at, 'container.args'), i), a]));
  for (const [k, v] of Object.entries(c?.env ?? {})) texts.push([joinPath(joinPath(at, 'container.env'), k), v]);
  for (const [path, text] of texts) {
    for (const name of parameterRefs(text)) {
      if (!declared.has(name)) add(path, 'unknown-parameter', `${path} uses \${${name}}, but parameters declares no ${JSON.stringify(name)}`);
    }
  }
  return problems;
}
