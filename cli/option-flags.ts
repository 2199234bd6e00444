// Flags that stand for fields of the master's and agent's options: the CLI parses their text into
// the option's shape (a duration into ms, a count into a number) and leaves ranges and defaults to
// the options modules, then names the flag, not the field, when a module finds a problem.
import { parseDuration } from '../protocol/index.js';
import type { FlagSpec, Flags, Problems } from './flags.js';

/** A problem as the options modules report it. */
export interface FieldProblem {
  field: string;
  rule: string;
  got: string;
}

/** "1s", "10m", "500ms", "1m30s": the shortest way to write ms as a duration flag takes it. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let left = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]] as const) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n}${unit}`);
    left -= n * size;
  }
  return parts.join('');
}

export const DURATION_FORMS = 'a duration like 500ms, 10s, 5m or 1h (a bare number is seconds)';

/** The note --help prints under flags that take a DURATION. */
export const DURATION_NOTE = `DURATION: ${DURATION_FORMS}.`;

/** A flag taking a duration, with the default shown as one (from the options module's defaults). */
export function durationFlag(help: string, defaultMs: number | undefined, rule: string): FlagSpec {
  return { type: 'string', help, rule, placeholder: 'DURATION', ...(defaultMs === undefined ? {} : { optionDefault: formatDuration(defaultMs) }) };
}

/** ms from a duration flag, or undefined (and a problem) when the text is not a duration. */
export function durationMs(flags: Flags, name: string, problems: Problems): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const ms = parseDuration(String(raw));
  if (ms === undefined) problems.add(`--${name} must be ${DURATION_FORMS}, got '${String(raw)}'`);
  return ms;
}

/** A number from a flag, or undefined (and a problem) when the text is not a number. */
export function numberOf(flags: Flags, name: string, problems: Problems): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const n = Number(text);
  if (text === '' || !Number.isFinite(n)) {
    problems.add(`--${name} must be a number, got '${text}'`);
    return undefined;
  }
  return n;
}

/**
 * Where a field's problems are reported: the flag, an optional label for the part of the flag's
 * value the field is (`cpus` of --resources), and what to show as got (the flag's own text).
 */
export interface FlagOf {
  flag: string;
  label?: string;
  raw?: string;
}

/**
 * Adds each module problem to `problems`, naming the flag `flagOf` maps its field to. A field with
 * no flag (a bug: the CLI set an option it has no flag for) is reported by its field name.
 */
export function reportFieldProblems(found: readonly FieldProblem[], flagOf: (field: string) => FlagOf | undefined, problems: Problems): void {
  for (const p of found) {
    const to = flagOf(p.field);
    const got = to?.raw !== undefined ? `'${to.raw}'` : p.got;
    const gotText = got ? `, got ${got}` : '';
    if (!to) problems.add(`${p.field} ${p.rule}${gotText}`);
    else if (to.label) problems.add(`--${to.flag}: ${to.label} ${p.rule}${gotText}`);
    else problems.add(`--${to.flag} ${p.rule}${gotText}`);
  }
}
