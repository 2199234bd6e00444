// Checks a parsed document against the JSON Schema with ajv and turns ajv's errors into problems a
// person can act on: one per real problem, each naming the field path and the rule it breaks.
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { formatPath, joinPath, pointerSegments } from './field-path.js';
import { serviceFileSchema } from './schema.js';
import type { SpecProblem } from './types.js';

// ajv is CommonJS: under NodeNext its class is the module's `default`.
const Ajv2020 = Ajv2020Module.default;

/** The keywords whose rule an `x-rule` next to them names; the others describe themselves. */
const X_RULE_KEYWORDS = new Set(['required', 'pattern', 'format', 'not', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'maxItems', 'minProperties', 'maxProperties']);

let compiled: ValidateFunction | undefined;

/** The schema's check, compiled on first use so that importing this module stays cheap. */
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false });
    ajv.addKeyword('x-rule');
    ajv.addFormat('regex', (s: string) => regexError(s) === undefined);
    compiled = ajv.compile(serviceFileSchema);
  }
  return compiled;
}

/** Why `source` is not a regular expression, or undefined when it is one. */
export function regexError(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Validates a document against the service file schema; an empty list means it conforms. */
export function schemaProblems(document: unknown): SpecProblem[] {
  const validate = validator();
  if (validate(document)) return [];
  const seen = new Set<string>();
  const problems: SpecProblem[] = [];
  for (const error of validate.errors ?? []) {
    const p = toProblem(error, document);
    if (!p) continue;
    const key = `${p.path}\u0000${p.rule}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  return problems;
}

function toProblem(e: ErrorObject, root: unknown): SpecProblem | undefined {
  // `if` only reports that a condition did not hold, and a propertyNames sub-error repeats the
  // propertyNames error itself: neither is a problem of its own.
  if (e.keyword === 'if' || (e as { propertyName?: string }).propertyName !== undefined) return undefined;
  const at = formatPath(pointerSegments(e.instancePath, root));
  const xRule = X_RULE_KEYWORDS.has(e.keyword) ? ((e.parentSchema as Record<string, unknown> | undefined)?.['x-rule'] as string | undefined) : undefined;
  const params = e.params as Record<string, unknown>;
  const field = (path: string) => (path === '' ? 'the file' : path);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const path = joinPath(at, formatPath([key]));
      const known = Object.keys(((e.parentSchema as { properties?: object }).properties) ?? {});
      // At the top, a misspelt `services` is read as a service; still suggest the group's key.
      const guess = closest(key, at === '' ? [...known, 'services'] : known);
      const hint = guess ? ` (did you mean "${guess}"?)` : known.length > 0 ? ` (known fields: ${known.join(', ')})` : '';
      return { path, rule: `unknown field "${key}"`, message: `${field(at)} has an unknown field "${key}"${hint}` };
    }
    case 'required': {
      const path = joinPath(at, formatPath([String(params.missingProperty)]));
      return { path, rule: xRule ?? 'required', message: `${path} is ${xRule ?? 'required'}` };
    }
    case 'type': {
      const rule = `must be ${String(params.type).split(',').map(withArticle).join(' or ')}`;
      const hint = /string/.test(String(params.type)) && ['number', 'boolean'].includes(typeof e.data) ? ' (quote it in YAML)' : '';
      return { path: at, rule, message: `${field(at)} ${rule}, not ${describe(e.data)}${hint}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const rule = xRule ?? `must be ${String(params.comparison)} ${String(params.limit)}`;
      return { path: at, rule, message: `${field(at)} ${rule}, not ${describe(e.data)}` };
    }
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties': {
      const rule = xRule ?? lengthRule(e.keyword, Number(params.limit));
      return { path: at, rule, message: sentence(field(at), rule) };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const rule = `must be one of ${allowed.join(', ')}`;
      return { path: at, rule, message: `${field(at)} ${rule}, not ${describe(e.data)}` };
    }
    case 'pattern': {
      const rule = xRule ?? `must match ${String(params.pattern)}`;
      return { path: at, rule, message: `${field(at)} ${rule}; ${describe(e.data)} does not` };
    }
    case 'format': {
      const why = params.format === 'regex' ? regexError(String(e.data)) : undefined;
      const rule = xRule ?? `must be a valid ${String(params.format)}`;
      return { path: at, rule, message: `${field(at)} ${rule}${why ? `: ${why}` : ''}` };
    }
    case 'not':
    case 'false schema': {
      const rule = xRule ?? 'not allowed';
      return { path: at, rule, message: sentence(field(at), rule) };
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      const rule = ((e.schema as Record<string, unknown>)['x-rule'] as string | undefined) ?? 'invalid key';
      return { path: joinPath(at, formatPath([name])), rule, message: `key "${name}" of ${field(at)} ${rule}` };
    }
    case 'uniqueItems': {
      const [first, again] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      const path = joinPath(at, `[${again}]`);
      return { path, rule: 'duplicate item', message: `${path} repeats ${at}[${first}]` };
    }
    default:
      return { path: at, rule: e.message ?? e.keyword, message: `${field(at)} ${e.message ?? `fails ${e.keyword}`}` };
  }
}

/** `field must be ...` or `field is not allowed ...`. */
function sentence(field: string, rule: string): string {
  return /^(must|has)\b/.test(rule) ? `${field} ${rule}` : `${field} is ${rule}`;
}

function lengthRule(keyword: string, limit: number): string {
  switch (keyword) {
    case 'minLength': return limit === 1 ? 'must not be empty' : `must be at least ${limit} characters`;
    case 'maxLength': return `must be at most ${limit} characters`;
    case 'minItems': return `must have at least ${limit} item${limit === 1 ? '' : 's'}`;
    default: return `must have at most ${limit} item${limit === 1 ? '' : 's'}`;
  }
}

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** A short description of a value for a message: `the string "8"`, `an array`, `-1`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** The known name nearest to `name` when it is close enough to be a typo, else undefined. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    // The distance is at least the difference in length: a name far longer than every known one
    // (the fuzz bench's 500 KB key) is never compared, which would cost its length times theirs.
    if (Math.abs(name.length - k.length) > limit) continue;
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
