// Turns the text of a service file (YAML or JSON) into a plain value, refusing files that are too
// big, too deep or full of YAML aliases before anything else looks at them.
import { parseDocument } from 'yaml';
import type { SpecProblem } from './types.js';

export interface ReadLimits {
  /** The largest file accepted, in bytes (UTF-8). Default 1 MiB. */
  maxBytes?: number;
  /** The deepest nesting of objects and arrays accepted. Default 32. */
  maxDepth?: number;
  /** How many YAML alias expansions are accepted (a billion-laughs guard). Default 100. */
  maxAliases?: number;
}

export const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_MAX_DEPTH = 32;
const DEFAULT_MAX_ALIASES = 100;

export type ReadResult = { ok: true; document: unknown } | { ok: false; problems: SpecProblem[] };

const fileProblem = (rule: string, message: string): ReadResult => ({ ok: false, problems: [{ path: '', rule, message }] });

/**
 * Parses `text` as JSON when the file name ends in `.json` (or, without a name, when the text
 * starts with `{` or `[`), else as YAML 1.2. Never throws: a bad file comes back as problems.
 */
export function readDocument(text: string, options: ReadLimits & { filename?: string } = {}): ReadResult {
  const name = options.filename ?? 'the file';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return fileProblem('file too large', `${name} is ${bytes} bytes; the limit is ${maxBytes} bytes`);
  }
  if (text.trim() === '') return fileProblem('empty file', `${name} is empty`);
  const json = options.filename ? /\.json$/i.test(options.filename) : /^\s*[[{]/.test(text);
  const parsed = json ? readJson(text, name) : readYaml(text, name, options.maxAliases ?? DEFAULT_MAX_ALIASES);
  if (!parsed.ok) return parsed;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (depthOf(parsed.document, maxDepth) > maxDepth) {
    return fileProblem('too deeply nested', `${name} nests objects and arrays more than ${maxDepth} levels deep`);
  }
  return parsed;
}

function readJson(text: string, name: string): ReadResult {
  try {
    return { ok: true, document: JSON.parse(text) as unknown };
  } catch (e) {
    if (e instanceof RangeError) return fileProblem('too deeply nested', `${name} is nested too deeply to read`);
    const message = (e as Error).message;
    const at = /position (\d+)/.exec(message);
    const where = at ? `:${lineAndColumn(text, Number(at[1]))}` : '';
    return fileProblem('invalid JSON', `${name}${where}: ${message}`);
  }
}

function readYaml(text: string, name: string, maxAliases: number): ReadResult {
  try {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, merge: true });
    const error = doc.errors[0];
    if (error) {
      // The parser turns a stack overflow on deep flow collections into an ordinary error.
      if (/call stack/i.test(error.message)) return fileProblem('too deeply nested', `${name} is nested too deeply to read`);
      const where = error.linePos ? `:${error.linePos[0].line}:${error.linePos[0].col}` : '';
      const what = error.code === 'MULTIPLE_DOCS' ? 'holds more than one YAML document' : firstLine(error.message).replace(/ at line \d+, column \d+:?$/, '');
      return fileProblem('invalid YAML', `${name}${where}: ${what}`);
    }
    return { ok: true, document: doc.toJS({ maxAliasCount: maxAliases }) as unknown };
  } catch (e) {
    if (e instanceof RangeError) return fileProblem('too deeply nested', `${name} is nested too deeply to read`);
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      return fileProblem('too many aliases', `${name} expands YAML aliases more than ${maxAliases} times`);
    }
    return fileProblem('invalid YAML', `${name}: ${firstLine((e as Error).message)}`);
  }
}

/** The nesting depth of a value, counted without recursion and given up once past `limit`. */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const level = depth + 1;
    deepest = Math.max(deepest, level);
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push({ node: child, depth: level });
  }
  return deepest;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}
