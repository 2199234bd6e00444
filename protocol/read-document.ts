// Turns the text of a file from outside (a spec, the auth file; YAML or JSON) into a plain value,
// refusing files that are too big, too long, too full of entries, too deep or full of YAML aliases
// before anything else looks at them, and mappings whose keys are not strings (YAML allows
// `? [a, b] : 1`; a plain object cannot hold it, and the parser would only warn on stderr). The
// frameworks read their files through it (the SDK re-exports it), and so can a framework of your
// own.
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

/** What is wrong with a file: `path` is where in it (`services[0].env`; empty for the whole file or its top level), `rule` the short rule it breaks. */
export interface DocumentProblem {
  path: string;
  rule: string;
  message: string;
}

export interface ReadLimits {
  /** The largest file accepted, in bytes (UTF-8). Default 1 MiB. */
  maxBytes?: number;
  /** The deepest nesting of objects and arrays accepted. Default 32. */
  maxDepth?: number;
  /** How many YAML alias expansions are accepted (a billion-laughs guard). Default 100. */
  maxAliases?: number;
  /**
   * The most lines a YAML file may have. Default 20,000 (a group of a hundred services is a few
   * thousand): the YAML parser is slow on long files full of errors, so they are refused unread.
   */
  maxYamlLines?: number;
  /**
   * The most flow indicators (`{`, `}`, `[`, `]`, wherever they stand) a YAML file may hold.
   * Default 10,000 (a hundred services with flow-style lists use a few hundred): the YAML parser
   * slows down faster than linearly on long runs of them, so such files are refused unread.
   */
  maxYamlFlowIndicators?: number;
  /**
   * The most entries and node markers a YAML file may hold: `:`, `,`, `"`, `&`, `*`, `!`, and `-`
   * or `?` before a space. Default 40,000 (a file of a hundred services has a few thousand): the
   * parser's time grows with the nodes it builds, and one line of 100,000 anchors, tags, quoted
   * scalars or flow entries took seconds, so such files are refused unread.
   */
  maxYamlSeparators?: number;
}

export const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_MAX_DEPTH = 32;
const DEFAULT_MAX_ALIASES = 100;
const DEFAULT_MAX_YAML_LINES = 20_000;
const DEFAULT_MAX_YAML_FLOW_INDICATORS = 10_000;
const DEFAULT_MAX_YAML_SEPARATORS = 40_000;

export type ReadResult = { ok: true; document: unknown } | { ok: false; problems: DocumentProblem[] };

const fileProblem = (rule: string, message: string): ReadResult => ({ ok: false, problems: [{ path: '', rule, message }] });

/**
 * Parses `text` as JSON when `syntax` says so, or the file name ends in `.json` (or, with neither,
 * when the text starts with `{` or `[`), else as YAML 1.2. Never throws: a bad file comes back as
 * problems.
 */
export function readDocument(text: string, options: ReadLimits & { filename?: string; syntax?: 'json' | 'yaml' | 'auto' } = {}): ReadResult {
  const name = options.filename ?? 'the file';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return fileProblem('file too large', `${name} is ${bytes} bytes; the limit is ${maxBytes} bytes`);
  }
  if (text.trim() === '') return fileProblem('empty file', `${name} is empty`);
  const syntax = options.syntax ?? 'auto';
  const json = syntax !== 'auto' ? syntax === 'json' : options.filename ? /\.json$/i.test(options.filename) : /^\s*[[{]/.test(text);
  if (!json) {
    const maxLines = options.maxYamlLines ?? DEFAULT_MAX_YAML_LINES;
    const lines = countLines(text, maxLines);
    if (lines > maxLines) return fileProblem('too many lines', `${name} has more than ${maxLines} lines; the limit for YAML is ${maxLines}`);
    const refused = checkStructure(text, name, {
      indicators: options.maxYamlFlowIndicators ?? DEFAULT_MAX_YAML_FLOW_INDICATORS,
      separators: options.maxYamlSeparators ?? DEFAULT_MAX_YAML_SEPARATORS,
      depth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    });
    if (refused) return refused;
  }
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
    // Not the parser's own uniqueKeys and prettyErrors: both are quadratic (every key against every
    // other, a line scan per error), and the fuzz bench found 300 KB files that took minutes. Its
    // warnings go to stderr, where a user of a command would see them out of place: what is wrong
    // with a file is told as a problem instead.
    const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, merge: true, logLevel: 'error' });
    const error = doc.errors[0];
    if (error) {
      // The parser turns a stack overflow on deep flow collections into an ordinary error.
      if (/call stack/i.test(error.message)) return fileProblem('too deeply nested', `${name} is nested too deeply to read`);
      const where = `:${lineAndColumn(text, error.pos[0])}`;
      const what = error.code === 'MULTIPLE_DOCS' ? 'holds more than one YAML document' : firstLine(error.message).replace(/ at line \d+, column \d+:?$/, '');
      return fileProblem('invalid YAML', `${name}${where}: ${what}`);
    }
    const bad = badKey(doc);
    if (bad?.duplicate !== undefined) return fileProblem('invalid YAML', `${name}:${lineAndColumn(text, bad.offset)}: the key "${bad.duplicate}" appears twice in one mapping`);
    if (bad) {
      const where = bad.path === '' ? 'a top-level key' : `a key in ${bad.path}`;
      return { ok: false, problems: [{ path: bad.path, rule: 'keys must be strings', message: `${name}:${lineAndColumn(text, bad.offset)}: ${where} is ${bad.what}; keys must be strings` }] };
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

/**
 * A key repeated within one mapping, or a key that is not a scalar (a list, a mapping, or an alias
 * of one), with the path of its mapping (`services[0].env`), in one pass over the tree (without
 * recursion).
 */
function badKey(doc: Document): { path: string; offset: number; duplicate?: string; what?: string } | undefined {
  const stack: { node: unknown; path: string }[] = [{ node: doc.contents, path: '' }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const offset = (pair.key as Node | null)?.range?.[0] ?? 0;
        const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
        if (key !== null && key !== undefined && !(isScalar(key) && (key.value === null || typeof key.value !== 'object'))) {
          return { path, offset, what: isSeq(key) ? 'a list' : isMap(key) ? 'a mapping' : 'not a string' };
        }
        const name = isScalar(key) ? String(key.value) : '';
        if (isScalar(key)) {
          if (seen.has(name)) return { path, offset, duplicate: name };
          seen.add(name);
        }
        stack.push({ node: pair.value, path: path === '' ? name : `${path}.${name}` });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: `${path}[${i}]` }));
    }
  }
  return undefined;
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

/** : , " & * ! — each starts or separates a node the parser has to build. */
const MARKERS = new Set([0x3a, 0x2c, 0x22, 0x26, 0x2a, 0x21]);
/** A space, tab, line end, or the end of the text. */
const isBlank = (c: number): boolean => Number.isNaN(c) || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * Refuses YAML with too many flow collections, entries or levels before the parser sees it. Every
 * character counts, also inside quotes and comments: the bounds are generous, and a scan that knew
 * YAML's quoting would be a second parser.
 */
function checkStructure(text: string, name: string, max: { indicators: number; separators: number; depth: number }): ReadResult | undefined {
  let indicators = 0;
  let separators = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (MARKERS.has(c) || ((c === 0x2d || c === 0x3f) && isBlank(text.charCodeAt(i + 1)))) {
      if (++separators > max.separators) {
        return fileProblem('too many entries', `${name} has more than ${max.separators} YAML entries and node markers (':', ',', '"', '&', '*', '!', and '-' or '?' before a space); the limit is ${max.separators}`);
      }
      continue;
    }
    // { } [ ]
    if (c !== 0x7b && c !== 0x7d && c !== 0x5b && c !== 0x5d) continue;
    if (++indicators > max.indicators) {
      return fileProblem('too many flow indicators', `${name} has more than ${max.indicators} flow indicators ({, }, [ and ]); the limit for YAML is ${max.indicators}`);
    }
    depth = c === 0x7b || c === 0x5b ? depth + 1 : Math.max(0, depth - 1);
    if (depth > max.depth) return fileProblem('too deeply nested', `${name} nests flow collections ([...] and {...}) more than ${max.depth} levels deep`);
  }
  return undefined;
}

/** Lines in text, counting stops once past limit. */
function countLines(text: string, limit: number): number {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1 && lines <= limit; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}
