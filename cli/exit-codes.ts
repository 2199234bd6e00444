// The exit codes of berth, one per kind of outcome, so scripts can tell "no such thing" from "the
// master said no" from "nobody answered" (said in `berth help` and docs/api.md).
import { UsageError } from './flags.js';

export const ExitCode = {
  OK: 0,
  /** Anything else: a failure the message explains. */
  FAILED: 1,
  /** Bad flags or arguments. */
  USAGE: 2,
  /** The API answered 404: the agent, task, framework or role does not exist. */
  NOT_FOUND: 3,
  /** The API refused the request (400, 409), or its caller: no or a wrong token (401), not allowed (403). */
  REFUSED: 4,
  /** Nothing answered, or the master cannot serve now (503: no leader, store down). */
  UNAVAILABLE: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code an error ends the command with. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof UsageError) return ExitCode.USAGE;
  const e = err as { status?: unknown; unreachable?: unknown };
  if (e?.unreachable === true) return ExitCode.UNAVAILABLE;
  if (typeof e?.status !== 'number') return ExitCode.FAILED;
  if (e.status === 404) return ExitCode.NOT_FOUND;
  if (e.status === 503) return ExitCode.UNAVAILABLE;
  if (e.status >= 400 && e.status < 500) return ExitCode.REFUSED;
  return ExitCode.FAILED;
}

export const EXIT_CODES_HELP = 'Exit codes: 0 done, 1 failed, 2 bad usage, 3 not found, 4 refused by the master, 5 master unavailable.';
