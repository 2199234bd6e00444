// Flags of the benches that take some (`npm run bench -- batch --tasks 500`): each declared with
// its kind and range, every problem named by its flag, all of them listed in one error.

export class UsageError extends Error {}

/** `--help` after a bench's name: its message is that bench's flags, printed to stdout, exit 0. */
export class HelpAsked extends Error {}

export type FlagSpec =
  | { kind: 'int' | 'number'; min: number; max?: number; default: number; help: string }
  | { kind: 'string'; default?: string; help: string };

export type FlagValues<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K] extends { kind: 'int' | 'number' } ? number : S[K] extends { default: string } ? string : string | undefined;
};

/** One line per flag, for usage messages. */
export function flagHelp(spec: Record<string, FlagSpec>): string {
  return Object.entries(spec)
    .map(([name, f]) => `  --${name} ${f.kind === 'string' ? 'VALUE' : 'N'}  ${f.help}${f.default === undefined ? '' : ` (default ${f.default})`}`)
    .join('\n');
}

/** Parses `--name value` pairs; throws a UsageError listing every problem. */
export function parseFlags<S extends Record<string, FlagSpec>>(bench: string, args: readonly string[], spec: S): FlagValues<S> {
  const out: Record<string, number | string | undefined> = {};
  for (const [name, f] of Object.entries(spec)) out[name] = f.default;
  const problems: string[] = [];
  if (args.includes('--help') || args.includes('-h')) throw new HelpAsked(`usage: npm run bench -- ${bench} [--json FILE] [FLAGS...]\nflags of ${bench}:\n${flagHelp(spec)}`);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const f = name === undefined ? undefined : spec[name];
    if (name === undefined || f === undefined) {
      problems.push(`${arg}: not a flag of ${bench} (${Object.keys(spec).map((k) => `--${k}`).join(', ')})`);
      // An unknown flag's value is not a problem of its own.
      if (name !== undefined && args[i + 1] !== undefined && !args[i + 1]!.startsWith('--')) i++;
      continue;
    }
    const value = args[++i];
    if (value === undefined || value.startsWith('--')) {
      problems.push(`--${name} needs a value`);
      if (value !== undefined) i--;
      continue;
    }
    if (f.kind === 'string') {
      out[name] = value;
      continue;
    }
    const n = Number(value);
    const whole = f.kind === 'int';
    if (!Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < f.min || (f.max !== undefined && n > f.max)) {
      problems.push(`--${name} must be a ${whole ? 'whole number' : 'number'} ${f.max === undefined ? `>= ${f.min}` : `from ${f.min} to ${f.max}`}, got ${JSON.stringify(value)}`);
      continue;
    }
    out[name] = n;
  }
  if (problems.length > 0) throw new UsageError(`${problems.join('\n')}\nflags of ${bench}:\n${flagHelp(spec)}`);
  return out as FlagValues<S>;
}
