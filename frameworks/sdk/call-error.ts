// The error a scheduler call's promise rejects with: the master refused it, or it never got an
// answer because the client was not connected or the connection closed first.
import type { ErrorCode } from '../../protocol/index.js';

/** The calls that return a promise settled by the master's Accepted or Error answer. */
export type CallKind =
  | 'accept'
  | 'decline'
  | 'kill'
  | 'reconcile'
  | 'revive'
  | 'suppress'
  | 'requestGang'
  | 'cancelGang'
  | 'teardown';

/** Codes the client gives when the master never answered; the master's own codes are `ErrorCode`. */
export const CallErrorCode = {
  /** Nothing was sent: there was no open, subscribed connection. The call had no effect. */
  NOT_CONNECTED: 'NOT_CONNECTED',
  /** The call was sent, then the connection closed before the answer: it may or may not have taken effect. */
  CONNECTION_CLOSED: 'CONNECTION_CLOSED',
  /** The call could not be encoded or was over the frame limit; nothing was sent. */
  NOT_SENT: 'NOT_SENT',
} as const;
export type CallErrorCode = (typeof CallErrorCode)[keyof typeof CallErrorCode];

/**
 * Why a call did not succeed. `code` is one of `CallErrorCode` or a master `ErrorCode` (a newer
 * master may send codes this SDK does not know, so it is typed as a string too). A master refusal
 * means the call was not applied; only `CONNECTION_CLOSED` leaves the outcome unknown (see
 * `mayHaveTakenEffect`), and reconciliation tells what happened to any tasks it was about.
 */
export class SchedulerCallError extends Error {
  readonly code: CallErrorCode | ErrorCode | (string & {});
  /** The field the master's refusal is about, as a dotted path (empty when not about one field). */
  readonly field: string;
  readonly requestId: string;
  readonly call: CallKind;

  constructor(
    call: CallKind,
    code: string,
    message: string,
    options: { requestId?: string; field?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SchedulerCallError';
    this.call = call;
    this.code = code;
    this.requestId = options.requestId ?? '';
    this.field = options.field ?? '';
  }

  /** True when the connection closed after the call was sent and before the master answered. */
  get mayHaveTakenEffect(): boolean {
    return this.code === CallErrorCode.CONNECTION_CLOSED;
  }
}
