// --auth-file for the servers the CLI starts (berth lb; berth master's is the master's own): the
// file read and checked once, a problem said of the flag, and the warning when authentication is off.
import type { Logger } from 'pino';
import { Authenticator } from '../protocol/auth/index.js';
import { readAuthFile } from './compose.js';
import type { Flags } from './flags.js';

/** The Authenticator of the --auth-file flag's file; without the flag, a disabled one (and a warning naming `what`). */
export async function authenticatorOf(flag: Flags[string], what: string, log: Pick<Logger, 'warn'>): Promise<Authenticator> {
  if (flag === undefined) {
    log.warn(`authentication is off: anyone who can reach ${what} may use it; give --auth-file FILE to turn it on (docs/security.md)`);
    return new Authenticator(undefined);
  }
  return new Authenticator(await readAuthFile(String(flag)));
}
