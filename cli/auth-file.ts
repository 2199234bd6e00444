// --auth-file for the servers the CLI starts (berth lb; berth master's is the master's own): the
// file read and checked once, a problem said of the flag, and the warning when authentication is off.
import type { Logger } from 'pino';
import { Authenticator, loadAuthFile, type AuthConfig } from '../protocol/auth/index.js';
import { UsageError, type Flags } from './flags.js';

/** The Authenticator of the --auth-file flag's file; without the flag, a disabled one (and a warning naming `what`). */
export async function authenticatorOf(flag: Flags[string], what: string, log: Pick<Logger, 'warn'>): Promise<Authenticator> {
  if (flag === undefined) {
    log.warn(`authentication is off: anyone who can reach ${what} may use it; give --auth-file FILE to turn it on (docs/security.md)`);
    return new Authenticator(undefined);
  }
  return new Authenticator(await readAuthFile(String(flag)));
}

/** The auth file of --auth-file, checked; every problem in it is a usage error naming the file and field. */
export async function readAuthFile(path: string): Promise<AuthConfig> {
  try {
    return await loadAuthFile(path);
  } catch (err) {
    throw new UsageError(`--auth-file: ${(err as Error).message}`);
  }
}
