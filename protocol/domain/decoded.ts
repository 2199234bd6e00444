// What a decoder returns, and the field reader every decoder uses: it fills a default for an
// absent field and records a problem, naming the field and the rule, for a value of the wrong kind.
import { BerthError, ErrorCode } from '../errors.js';

/** One thing wrong with a decoded message: the field as a dotted wire path, and the rule it breaks. */
export interface Problem {
  /** For example launch.tasks[0].resources.mem_mb (wire names, as in Error.field). */
  field: string;
  /** A sentence that starts with the field, for example "task.resources.cpus must be greater than 0, got 0". */
  message: string;
  code: ErrorCode;
}

/**
 * A decoded value with every field filled, and what was wrong with the input. The value is always
 * there so a caller can log or show it; act on it only when `problems` is empty.
 */
export interface Decoded<T> {
  value: T;
  problems: Problem[];
}

/** The problems as one BerthError (the first problem's code and field), or undefined when there are none. */
export function decodeError(problems: readonly Problem[]): BerthError | undefined {
  const first = problems[0];
  if (!first) return undefined;
  return new BerthError(first.code, problems.map((p) => p.message).join('; '), { field: first.field });
}

const show = (v: unknown): string => (typeof v === 'string' ? `"${v.slice(0, 40)}"` : typeof v === 'object' ? (v === null ? 'null' : Array.isArray(v) ? 'a list' : 'an object') : String(v));

/** Reads one message's fields. A null or undefined field is absent and takes its default silently. */
export class FieldReader {
  constructor(
    readonly problems: Problem[],
    readonly code: ErrorCode,
  ) {}

  add(field: string, rule: string, code: ErrorCode = this.code): void {
    this.problems.push({ field, message: `${field} ${rule}`, code });
  }

  /** A reader whose problems carry another code (resources problems are INVALID_RESOURCES). */
  with(code: ErrorCode): FieldReader {
    return new FieldReader(this.problems, code);
  }

  str(v: unknown, field: string): string {
    if (v === undefined || v === null) return '';
    if (typeof v === 'string') return v;
    this.add(field, `must be a string, got ${show(v)}`);
    return '';
  }

  bool(v: unknown, field: string): boolean {
    if (v === undefined || v === null) return false;
    if (typeof v === 'boolean') return v;
    this.add(field, `must be true or false, got ${show(v)}`);
    return false;
  }

  /** A finite number at least `min`; whole when `integer`. Absent is `fallback`. */
  num(v: unknown, field: string, rule: { min?: number; integer?: boolean; fallback?: number } = {}): number {
    const fallback = rule.fallback ?? 0;
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.add(field, `must be a finite number, got ${show(v)}`);
      return fallback;
    }
    if (rule.integer && !Number.isInteger(v)) {
      this.add(field, `must be a whole number, got ${v}`);
      return fallback;
    }
    if (rule.min !== undefined && v < rule.min) {
      this.add(field, `must be at least ${rule.min}, got ${v}`);
      return fallback;
    }
    return v;
  }

  /** A value of a wire enum, given as its number or its name; absent is the enum's 0. */
  enumValue<E extends Record<string, string | number>>(v: unknown, field: string, values: E): E[keyof E] & number {
    if (v === undefined || v === null) return 0 as E[keyof E] & number;
    const n = typeof v === 'string' ? values[v] : v;
    if (typeof n === 'number' && typeof values[n] === 'string') return n as E[keyof E] & number;
    const names = Object.keys(values).filter((k) => Number.isNaN(Number(k)));
    this.add(field, `must be one of ${names.join(', ')}, got ${show(v)}`);
    return 0 as E[keyof E] & number;
  }

  strings(v: unknown, field: string): string[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.add(field, `must be a list of strings, got ${show(v)}`);
      return [];
    }
    return v.map((s, i) => this.str(s, `${field}[${i}]`));
  }

  list<T>(v: unknown, field: string, item: (value: unknown, field: string) => T): T[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.add(field, `must be a list, got ${show(v)}`);
      return [];
    }
    return v.map((x, i) => item(x, `${field}[${i}]`));
  }

  /** A map<string, string>, copied into a fresh object. */
  map(v: unknown, field: string): Record<string, string> {
    const out: Record<string, string> = {};
    if (v === undefined || v === null) return out;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.add(field, `must be a map of strings, got ${show(v)}`);
      return out;
    }
    for (const [k, value] of Object.entries(v)) out[k] = this.str(value, `${field}.${k}`);
    return out;
  }

  /** A sub-message: a plain object, or absent (undefined). */
  message(v: unknown, field: string): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    this.add(field, `must be a message, got ${show(v)}`);
    return undefined;
  }
}

/** Whether a field was set: own properties only, since a decoded protobufjs message keeps defaults on its prototype. */
export function isSet(message: object | undefined, key: string): boolean {
  return message !== undefined && Object.prototype.hasOwnProperty.call(message, key) && (message as Record<string, unknown>)[key] != null;
}
