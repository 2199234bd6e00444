// Flag parsing for every command: node:util parseArgs, then validation that lists every problem
// at once, each naming the flag and the rule.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DURATION_NOTE } from './option-flags.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /**
   * The default of the option the flag sets, for --help only: parseFlags leaves the flag unset, so
   * the options module fills its own default in (one source).
   */
  optionDefault?: string;
  /** Shown in --help: "NAME  description; rule (default: x)". */
  help: string;
  /** What a value must be (its form, unit and range), shown in --help after the description. */
  rule?: string;
  placeholder?: string;
  /** An environment variable that gives the flag's value when the flag is not given. */
  env?: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Lines shown after the flags in --help. */
  examples?: string[];
  /** The actions the first positional names (list, get ...), for shell completion. */
  actions?: readonly string[];
  run(flags: Flags, positionals: string[]): Promise<number>;
}

export type Flags = Record<string, string | boolean | string[] | undefined>;

const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', help: 'show this help' };

/**
 * The flags of the command being run whose value came from their environment variable, so that a
 * problem with one names the variable (the CLI runs one command per process).
 */
const fromEnv = new Map<string, string>();

/** A flag's value: the command line's, else its environment variable's (when set), else its default. */
function valueOf(name: string, spec: FlagSpec, given: Flags[string], env: NodeJS.ProcessEnv): Flags[string] {
  if (given !== undefined) return given;
  const fromVar = spec.env ? env[spec.env] : undefined;
  if (fromVar !== undefined && fromVar !== '' && spec.type === 'string') {
    fromEnv.set(name, spec.env as string);
    return spec.multiple ? [fromVar] : fromVar;
  }
  return spec.default;
}

export function parseFlags(command: Command, argv: string[], env: NodeJS.ProcessEnv = process.env): { flags: Flags; positionals: string[] } {
  const options: ParseArgsConfig['options'] = {};
  for (const [name, spec] of Object.entries({ ...command.flags, help: HELP_FLAG })) {
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    const flags: Flags = {};
    fromEnv.clear();
    for (const [name, spec] of Object.entries(command.flags)) flags[name] = valueOf(name, spec, values[name] as Flags[string], env);
    flags.help = values.help as boolean | undefined;
    return { flags, positionals };
  } catch (err) {
    throw new UsageError(`berth ${command.name}: ${(err as Error).message.replace(/\. To specify.*$/s, '')}. Run 'berth ${command.name} --help'.`);
  }
}

export function helpText(command: Command): string {
  const rows = Object.entries({ ...command.flags, help: HELP_FLAG }).map(([name, spec]) => {
    const left = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` ${spec.placeholder ?? 'VALUE'}` : ''}`;
    const shown = spec.default ?? spec.optionDefault;
    const def = shown !== undefined && shown !== false ? ` (default: ${String(shown)})` : '';
    const env = spec.env ? ` (env: ${spec.env}, the flag wins)` : '';
    return [left, `${spec.help}${spec.rule ? `; ${spec.rule}` : ''}${def}${env}${spec.multiple ? ' (repeatable)' : ''}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [`${command.summary}`, '', `Usage: ${command.usage}`, '', 'Flags:', ...rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`)];
  // Said once here rather than on every flag that takes one.
  if (rows.some(([l]) => l.endsWith(' DURATION'))) lines.push('', DURATION_NOTE);
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** Collects problems with flag values; throw() raises them all in one UsageError. */
export class Problems {
  #list: string[] = [];
  constructor(readonly command: string) {}

  add(problem: string): void {
    this.#list.push(problem);
  }

  int(flags: Flags, name: string, min: number, max: number): number {
    const raw = String(flags[name] ?? '');
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      this.add(`--${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
      return min;
    }
    return n;
  }

  oneOf<T extends string>(flags: Flags, name: string, allowed: readonly T[]): T {
    const raw = String(flags[name] ?? '');
    if (!(allowed as readonly string[]).includes(raw)) {
      this.add(`--${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
      return allowed[0] as T;
    }
    return raw as T;
  }

  url(flags: Flags, name: string, schemes: readonly string[]): string {
    const raw = String(flags[name] ?? '');
    try {
      const u = new URL(raw);
      if (!schemes.includes(u.protocol.replace(/:$/, ''))) throw new Error('scheme');
      return raw.replace(/\/$/, '');
    } catch {
      this.add(`--${name} must be a URL like ${schemes[0]}://127.0.0.1:5050, got '${raw}'`);
      return '';
    }
  }

  throwIfAny(): void {
    if (this.#list.length === 0) return;
    const lines = this.#list.map((p) => `  - ${namingEnv(p)}`).join('\n');
    throw new UsageError(`berth ${this.command}: ${this.#list.length === 1 ? 'a flag is' : 'flags are'} not valid:\n${lines}\nRun 'berth ${this.command} --help'.`);
  }
}

/** A problem with a flag whose value came from its environment variable, said of the variable. */
function namingEnv(problem: string): string {
  let out = problem;
  for (const [flag, variable] of fromEnv) out = out.replace(new RegExp(`--${flag}(?![\\w-])`, 'g'), `${variable} (used for --${flag}, which was not given)`);
  return out;
}

/** "a=1,b=2" or repeated "a=1" flags into a record. */
export function parsePairs(values: string[], flag: string, problems: Problems): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of values.flatMap((v) => v.split(','))) {
    if (part.trim() === '') continue;
    const m = /^\s*([A-Za-z0-9_.\-/]+)\s*=\s*(.*?)\s*$/.exec(part);
    if (!m) problems.add(`--${flag} entries must look like KEY=VALUE, got '${part}'`);
    else out[m[1] as string] = m[2] as string;
  }
  return out;
}

/**
 * Repeated "NAME=VALUE" flags into a record, the value being everything after the first '=' (so
 * it may hold '=' and ','); `name` is the rule a NAME must follow, said in words by `nameRule`.
 */
export function parseAssignments(values: readonly string[], flag: string, name: RegExp, nameRule: string, problems: Problems): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const at = v.indexOf('=');
    const key = at < 0 ? v : v.slice(0, at);
    if (at < 0) problems.add(`--${flag} must look like NAME=VALUE, got '${v}'`);
    else if (!name.test(key)) problems.add(`--${flag} ${v}: NAME must be ${nameRule}, got '${key}'`);
    else if (key in out) problems.add(`--${flag} ${key} is given twice`);
    else out[key] = v.slice(at + 1);
  }
  return out;
}

/** --master for commands that call the HTTP API. */
export const MASTER_API_FLAG: FlagSpec = {
  type: 'string',
  default: 'http://127.0.0.1:5050',
  env: 'BERTH_MASTER',
  help: 'the master to ask; a standby redirects to the leader',
  rule: 'an http://, https://, ws:// or wss:// URL',
  placeholder: 'URL',
};

/**
 * --token for every command that calls an API (the master's, the frameworks', the endpoints
 * stream): sent as `Authorization: Bearer`, and needed wherever authentication is on.
 */
export const TOKEN_FLAG: FlagSpec = {
  type: 'string',
  env: 'BERTH_TOKEN',
  help: "the bearer token to call the APIs with when they require one ('berth dev' prints an admin token as export BERTH_TOKEN=...)",
  rule: 'printable ASCII without spaces',
  placeholder: 'TOKEN',
};

const TOKEN_TEXT = /^[\x21-\x7e]{1,4096}$/;

/** The token of --token (or BERTH_TOKEN), checked so that it fits in a header; undefined when not given. */
export function tokenOf(flags: Flags, problems: Problems): string | undefined {
  const raw = flags.token;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !TOKEN_TEXT.test(raw)) {
    problems.add('--token must be 1 to 4096 printable ASCII characters without spaces (as berth dev prints it)');
    return undefined;
  }
  return raw;
}

/** -o/--output with its formats, the first being the default. */
export function outputFlag(formats: readonly [string, ...string[]]): FlagSpec {
  return { type: 'string', short: 'o', default: formats[0], help: 'how to print the answer', rule: formats.join(' or '), placeholder: 'FORMAT' };
}

/** The master's http:// base from --master (ws:// is accepted too). */
export function masterApi(flags: Flags, problems: Problems): string {
  return problems.url(flags, 'master', ['http', 'ws', 'https', 'wss']).replace(/^ws(s?):/, 'http$1:');
}
