// Turns ajv's errors into problems a person can act on: the field's path, a rule, a sentence.
import type { ErrorObject } from 'ajv';
import { ENV_NAME_PATTERN, JOB_ID_PATTERN, PARAMETER_NAME_PATTERN, ROLE_PATTERN } from './schema.js';
import type { SpecProblem } from './types.js';

/** What each pattern means, in words, so a problem never shows a regular expression. */
const PATTERN_WORDS: Record<string, string> = {
  [JOB_ID_PATTERN]: 'a job id: "/" then lower-case segments of letters, digits, ".", "-" or "_", like /etl/nightly',
  [PARAMETER_NAME_PATTERN]: 'a parameter name: letters, digits and "_", not starting with a digit',
  [ENV_NAME_PATTERN]: 'an environment variable name: letters, digits and "_", not starting with a digit',
  [ROLE_PATTERN]: 'a role: "*" or lower-case segments separated by "/", like analytics/etl',
};

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object (a map of fields)',
  array: 'a list',
};

/** Joins a path and a field: `jobs[0]` + `cpus`, list indexes (numbers) in brackets. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

/** `/jobs/0/resources/cpus` → `jobs[0].resources.cpus`, under an optional prefix. */
export function pointerToPath(pointer: string, prefix = ''): string {
  let path = prefix;
  // Our schema's maps only take names that cannot be all digits, so a digits-only segment is an index.
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = joinPath(path, /^\d+$/.test(key) ? Number(key) : key);
  }
  return path;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function field(path: string): string {
  return path === '' ? 'the file' : path;
}

/** One ajv error → one problem, or undefined for ajv's summary errors that repeat another one. */
function translate(e: ErrorObject, prefix: string): SpecProblem | undefined {
  const at = pointerToPath(e.instancePath, prefix);
  const p = e.params as Record<string, unknown>;
  const got = e.data === undefined ? '' : `, got ${show(e.data)}`;
  switch (e.keyword) {
    case 'required': {
      const path = joinPath(at, String(p.missingProperty));
      return { path, rule: 'required', message: `${path} is required` };
    }
    case 'additionalProperties': {
      const path = joinPath(at, String(p.additionalProperty));
      return { path, rule: 'unknown-field', message: `${path} is not a known field (check its spelling; unknown fields are refused)` };
    }
    case 'propertyNames':
      return undefined;
    case 'type': {
      const words = String(p.type).split(',').map((t) => TYPE_WORDS[t] ?? t);
      return { path: at, rule: 'type', message: `${field(at)} must be ${words.join(' or ')}${got}` };
    }
    case 'exclusiveMinimum':
      return { path: at, rule: 'minimum', message: `${at} must be greater than ${String(p.limit)}${got}` };
    case 'minimum':
      return { path: at, rule: 'minimum', message: `${at} must be at least ${String(p.limit)}${got}` };
    case 'maximum':
    case 'exclusiveMaximum':
      return { path: at, rule: 'maximum', message: `${at} must be at most ${String(p.limit)}${got}` };
    case 'minLength':
      return { path: at, rule: 'min-length', message: `${at} must not be empty` };
    case 'maxLength':
      return { path: at, rule: 'max-length', message: `${at} must be at most ${String(p.limit)} characters long` };
    case 'minItems':
      return { path: at, rule: 'min-items', message: `${at} must have at least ${String(p.limit)} item(s)` };
    case 'maxItems':
      return { path: at, rule: 'max-items', message: `${at} must have at most ${String(p.limit)} items` };
    case 'uniqueItems':
      return { path: at, rule: 'unique', message: `${at} lists the same value twice (items ${String(p.j)} and ${String(p.i)})` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String).join(', ');
      return { path: at, rule: 'one-of', message: `${at} must be one of ${allowed}${got}` };
    }
    case 'pattern': {
      const words = PATTERN_WORDS[String(p.pattern)] ?? 'in the expected format';
      if (e.propertyName !== undefined) {
        const path = joinPath(at, e.propertyName);
        return { path, rule: 'name', message: `${path}: the name ${show(e.propertyName)} must be ${words}` };
      }
      return { path: at, rule: 'format', message: `${at} must be ${words}${got}` };
    }
    default:
      return { path: at, rule: e.keyword, message: `${field(at)} ${e.message ?? 'is not valid'}` };
  }
}

/** Every ajv error as a problem, duplicates dropped, in the order ajv found them. */
export function fromAjv(errors: readonly ErrorObject[] | null | undefined, prefix = ''): SpecProblem[] {
  const out: SpecProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    const problem = translate(e, prefix);
    if (!problem) continue;
    const key = `${problem.path}\u0000${problem.rule}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}
