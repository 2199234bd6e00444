// The audit log of operator changes: each one is run, then recorded with who asked, what and when,
// and how it ended, in the cluster store before the caller hears the answer.
import type { Logger } from 'pino';
import { BerthError, ErrorCode, newId } from '../protocol/index.js';
import type { AuditEvent } from './store/records.js';

/** Who asks, when nobody says (there is no authentication yet). */
export const ANONYMOUS = 'anonymous';

/** At most this many events per read. */
export const AUDIT_READ_LIMIT = 10_000;

/** Details longer than this (as JSON) are kept as their size only, so a big body cannot fill the log. */
export const AUDIT_DETAILS_MAX_BYTES = 4_096;

function boundedDetails(details: Record<string, unknown>): Record<string, unknown> {
  const bytes = Buffer.byteLength(JSON.stringify(details));
  return bytes > AUDIT_DETAILS_MAX_BYTES ? { truncated: true, bytes } : details;
}

export interface AuditStore {
  appendAudit(event: AuditEvent): Promise<void>;
  audit(count: number): Promise<AuditEvent[]>;
}

/** What an operator change is, before it runs. */
export interface AuditSubject {
  who: string;
  action: string;
  subject: string;
  details?: Record<string, unknown>;
}

export class AuditLog {
  #store: AuditStore;
  #log: Logger;
  #now: () => number;

  constructor(store: AuditStore, log: Logger, now: () => number = Date.now) {
    this.#store = store;
    this.#log = log;
    this.#now = now;
  }

  /**
   * Runs change and records it, succeeded or failed. When the record cannot be written the caller
   * hears STORE_UNAVAILABLE (saying whether the change itself was made), never a silent success.
   */
  async record<T>(what: AuditSubject, change: () => Promise<T>): Promise<T> {
    const atMs = this.#now();
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await change() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const failure = outcome.ok ? undefined : outcome.error instanceof BerthError ? outcome.error : new BerthError(ErrorCode.INTERNAL, 'internal error; see the master log');
    const event: AuditEvent = {
      id: newId('audit'),
      atMs,
      who: what.who,
      action: what.action,
      subject: what.subject,
      details: boundedDetails(what.details ?? {}),
      result: failure ? 'failed' : 'ok',
      ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
    };
    try {
      await this.#store.appendAudit(event);
    } catch (err) {
      this.#log.error({ err, audit: event }, 'audit event not recorded');
      const done = outcome.ok ? 'the change was made' : 'the change failed';
      throw new BerthError(ErrorCode.STORE_UNAVAILABLE, `${done}, but its audit event could not be recorded: ${(err as Error).message}`, { cause: err });
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** The newest limit events, oldest first. */
  read(limit: number): Promise<AuditEvent[]> {
    return this.#store.audit(limit);
  }
}
