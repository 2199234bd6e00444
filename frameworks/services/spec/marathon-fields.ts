// Reading a Marathon object field by field, so that whatever the translation did not take is
// listed as unsupported instead of being dropped without a word.
import { formatPath, joinPath } from './field-path.js';
import type { SpecProblem } from './types.js';

/** Where the translation reports what it could not carry over, and what it found wrong. */
export interface MarathonSink {
  warnings: SpecProblem[];
  problems: SpecProblem[];
}

/** Whether a value asks for anything: null, false-ish empties and `{}` / `[]` ask for nothing. */
export function meaningful(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Whether a value is a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Records `path` as a field berth does not support, with the reason when there is one. */
export function unsupported(sink: MarathonSink, path: string, why = 'berth has no equivalent; it was left out'): void {
  sink.warnings.push({ path, rule: 'unsupported field', message: `${path} is not supported: ${why}` });
}

/** A Marathon object whose fields are taken one by one; `finish` lists the rest. */
export class FieldReader {
  readonly #value: Record<string, unknown>;
  readonly #seen = new Set<string>();

  constructor(value: Record<string, unknown>, readonly path: string, readonly sink: MarathonSink) {
    this.#value = value;
  }

  /** The path of one of this object's fields. */
  at(key: string | number): string {
    return joinPath(this.path, formatPath([key]));
  }

  /** The object's field names. */
  keys(): string[] {
    return Object.keys(this.#value);
  }

  /** Takes a field: the translation carries it over (or reports it itself). */
  take(key: string): unknown {
    this.#seen.add(key);
    return this.#value[key];
  }

  /** Takes a field that must be an object when present; reports it otherwise. */
  object(key: string): FieldReader | undefined {
    const v = this.take(key);
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) {
      this.problem(key, 'must be an object', `${this.at(key)} must be an object`);
      return undefined;
    }
    return new FieldReader(v, this.at(key), this.sink);
  }

  /** Takes a field that must be an array when present; reports it otherwise. */
  array(key: string): unknown[] {
    const v = this.take(key);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.problem(key, 'must be an array', `${this.at(key)} must be an array`);
      return [];
    }
    return v;
  }

  /** Takes a field and lists it as unsupported when it asks for anything but `harmless`. */
  refuse(key: string, why?: string, harmless?: unknown): void {
    const v = this.take(key);
    if (meaningful(v) && !sameValue(v, harmless)) unsupported(this.sink, this.at(key), why);
  }

  problem(key: string | number, rule: string, message: string): void {
    this.sink.problems.push({ path: this.at(key), rule, message });
  }

  /** Lists every field not taken that asks for something (fields equal to `harmless` do not). */
  finish(harmless: Record<string, unknown> = {}): void {
    for (const [key, v] of Object.entries(this.#value)) {
      if (this.#seen.has(key) || !meaningful(v) || sameValue(v, harmless[key])) continue;
      unsupported(this.sink, this.at(key));
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
