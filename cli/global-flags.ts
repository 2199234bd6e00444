// Flags every command that calls berth's APIs takes, wherever they stand on the command line:
// --ca-file (env BERTH_CA_FILE), the CA that signed the https:// and wss:// servers' certificates.
// A command that has a flag of the same name (berth agent, lb, dns) reads it itself.
import { readClientTls } from '../protocol/index.js';
import type { Command } from './flags.js';
import { UsageError } from './flags.js';
import { useClientTls } from './http.js';

export const GLOBAL_FLAGS_HELP = "--ca-file FILE (or BERTH_CA_FILE): trust the https:// and wss:// servers whose certificates this CA signed (docs/operations.md, \"TLS\").";

/** Takes the global flags out of argv, applies them, and answers the rest for the command's own parser. */
export function applyGlobalFlags(command: Command, argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  if ('ca-file' in command.flags) return [...argv];
  const rest: string[] = [];
  let caFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--ca-file') {
      caFile = argv[++i];
      if (caFile === undefined || caFile.startsWith('--')) throw new UsageError(`berth ${command.name}: --ca-file needs a FILE (a PEM CA certificate). Run 'berth ${command.name} --help'.`);
    } else if (arg.startsWith('--ca-file=')) caFile = arg.slice('--ca-file='.length);
    else rest.push(arg);
  }
  const fromEnv = caFile === undefined && env.BERTH_CA_FILE ? env.BERTH_CA_FILE : undefined;
  const { tls, problems } = readClientTls({ caFile: caFile ?? fromEnv });
  if (problems.length > 0) {
    const said = fromEnv ? problems.map((p) => p.replace('--ca-file', 'BERTH_CA_FILE (used for --ca-file, which was not given)')) : problems;
    throw new UsageError(`berth ${command.name}: ${said.join('; ')}`);
  }
  useClientTls(tls);
  return rest;
}
