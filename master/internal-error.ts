// What a call that failed answers: its BerthError as it is, anything else as INTERNAL (logged
// here, once, since the caller only sees "internal error").
import type { Logger } from 'pino';
import { BerthError, ErrorCode } from '../protocol/index.js';

export function asBerthError(err: unknown, log: Logger, what: string): BerthError {
  if (err instanceof BerthError) return err;
  log.error({ err }, `${what} failed`);
  return new BerthError(ErrorCode.INTERNAL, 'internal error; see the master log', { cause: err });
}
