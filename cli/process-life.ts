// What the long-running commands (master, agent, dns, lb, dev) share about their own process:
// where an agent keeps its files by default, the host's name, and running until a signal. Kept
// apart from compose.ts so that a command's --help does not load the master and the agent.
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** ~/.berth/NAME: where an agent keeps its sandboxes and checkpoints unless told otherwise. */
export function defaultWorkDir(name: string): string {
  return join(homedir(), '.berth', name);
}

export const defaultHostname = (): string => hostname();

/** Runs until SIGINT or SIGTERM, then calls stop(); a second signal exits at once. */
export function untilSignal(log: Logger, stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal; exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'stopping');
      stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err }, 'error while stopping');
          resolve(1);
        },
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
