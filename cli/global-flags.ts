// Flags every command that calls berth's APIs takes, wherever they stand on the command line:
// --ca-file (env BERTH_CA_FILE), the CA that signed the https:// and wss:// servers' certificates,
// and --cert-file with --key-file (env BERTH_CERT_FILE, BERTH_KEY_FILE), the client certificate
// shown to a server that asks for one (mutual TLS). A command that has a flag of the same name
// (berth agent, lb, dns) reads it itself.
import { readClientTls } from '../protocol/index.js';
import type { Command } from './flags.js';
import { UsageError } from './flags.js';
import { useClientTls } from './http.js';

/** The global flags, what each names, and the variable read when the flag is not given. */
const GLOBAL_FLAGS = {
  ca: { flag: '--ca-file', env: 'BERTH_CA_FILE', what: 'a PEM CA certificate' },
  cert: { flag: '--cert-file', env: 'BERTH_CERT_FILE', what: 'a PEM client certificate' },
  key: { flag: '--key-file', env: 'BERTH_KEY_FILE', what: 'the PEM private key of --cert-file' },
} as const;
type GlobalFlag = keyof typeof GLOBAL_FLAGS;

export const GLOBAL_FLAGS_HELP = [
  '--ca-file FILE (or BERTH_CA_FILE): trust the https:// and wss:// servers whose certificates this CA signed (docs/operations.md, "TLS").',
  '--cert-file FILE --key-file FILE (or BERTH_CERT_FILE, BERTH_KEY_FILE): show this client certificate to a server that asks for one, as a master started with --tls-client-ca does (mutual TLS); both or neither.',
].join('\n');

function globalFlagOf(arg: string): { name: GlobalFlag; value?: string } | undefined {
  for (const [name, g] of Object.entries(GLOBAL_FLAGS) as [GlobalFlag, (typeof GLOBAL_FLAGS)[GlobalFlag]][]) {
    if (arg === g.flag) return { name };
    if (arg.startsWith(`${g.flag}=`)) return { name, value: arg.slice(g.flag.length + 1) };
  }
  return undefined;
}

/** Takes the global flags out of argv, applies them, and answers the rest for the command's own parser. */
export function applyGlobalFlags(command: Command, argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  if ('ca-file' in command.flags) return [...argv];
  const rest: string[] = [];
  const given: Partial<Record<GlobalFlag, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const found = globalFlagOf(arg);
    if (!found) {
      rest.push(arg);
      continue;
    }
    const value = found.value ?? argv[++i];
    const g = GLOBAL_FLAGS[found.name];
    if (value === undefined || value === '' || (found.value === undefined && value.startsWith('--'))) {
      throw new UsageError(`berth ${command.name}: ${g.flag} needs a FILE (${g.what}). Run 'berth ${command.name} --help'.`);
    }
    given[found.name] = value;
  }
  // A value from the environment is named as its variable in the messages, so the fix is plain.
  const files: Partial<Record<GlobalFlag, string>> = {};
  const names = {} as Record<GlobalFlag, string>;
  for (const name of Object.keys(GLOBAL_FLAGS) as GlobalFlag[]) {
    const g = GLOBAL_FLAGS[name];
    const fromEnv = given[name] === undefined && env[g.env] ? env[g.env] : undefined;
    files[name] = given[name] ?? fromEnv;
    names[name] = fromEnv ? `${g.env} (used for ${g.flag}, which was not given)` : g.flag;
  }
  const { tls, problems } = readClientTls({ caFile: files.ca, certFile: files.cert, keyFile: files.key }, names);
  if (problems.length > 0) throw new UsageError(`berth ${command.name}: ${problems.join('; ')}`);
  useClientTls(tls);
  return rest;
}

/** The help of a command, with the global flags when it takes them (it calls an API and has no TLS flags of its own). */
export function commandHelp(command: Command, text: string): string {
  return command.flags.token && !('ca-file' in command.flags) ? `${text}\n\nTLS flags (anywhere on the line):\n${GLOBAL_FLAGS_HELP.replace(/^/gm, '  ')}` : text;
}
