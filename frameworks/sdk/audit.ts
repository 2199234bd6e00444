// The audit log of a framework's operator changes (docs/api.md, "Audit events"): who asked (the
// x-berth-user header, not authenticated), what and when, and how it ended, written to the
// framework's store before the caller hears the answer. Shared by the services and batch APIs.
import { randomUUID } from 'node:crypto';
import { BerthError, ErrorCode } from '../../protocol/index.js';

/** The header that names the person or program making a change (not authenticated). */
export const AUDIT_USER_HEADER = 'x-berth-user';
/** Who asks, when nobody says. */
export const ANONYMOUS = 'anonymous';
/** At most this many events per read, and the default number a store keeps. */
export const AUDIT_READ_LIMIT = 10_000;
export const DEFAULT_AUDIT_RETENTION = 10_000;
/** Details longer than this (as JSON) are kept as their size only. */
export const AUDIT_DETAILS_MAX_BYTES = 4_096;

const USER_RULE = /^[\x21-\x7e][\x20-\x7e]{0,127}$/;

export interface FrameworkAuditEvent {
  id: string;
  atMs: number;
  who: string;
  /** `<kind>.<verb>`: service.apply, job.run, … */
  action: string;
  /** `<kind>/<id>`: service/team/web, job/etl/nightly, run/r-1. */
  subject: string;
  details: Record<string, unknown>;
  /** refused: the call was turned down (a bad body, an unknown id); failed: it broke. */
  result: 'ok' | 'refused' | 'failed';
  error?: { code: string; message: string } | undefined;
}

/** What a store keeps of the log: append (durable when it resolves) and the newest `count`, oldest first. */
export interface FrameworkAuditStore {
  appendAudit(event: FrameworkAuditEvent): Promise<void>;
  audit(count: number): Promise<FrameworkAuditEvent[]>;
}

/** A bad input of an audited call: its message and the field it names. */
export interface AuditInputProblem {
  message: string;
  field: string;
}

/** Who asks: the header (printable ASCII, 1 to 128 characters), else 'anonymous'. */
export function auditUser(raw: string | string[] | undefined): string | AuditInputProblem {
  if (raw === undefined) return ANONYMOUS;
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  if (!USER_RULE.test(value)) return { message: `header ${AUDIT_USER_HEADER} must be 1 to 128 printable ASCII characters, not starting with a space`, field: AUDIT_USER_HEADER };
  return value;
}

/** ?limit=N: a whole number from 1 to AUDIT_READ_LIMIT, 100 when absent. */
export function auditReadLimit(raw: string | null): number | AuditInputProblem {
  if (raw === null) return 100;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > AUDIT_READ_LIMIT) return { message: `limit must be a whole number from 1 to ${AUDIT_READ_LIMIT}, got ${JSON.stringify(raw)}`, field: 'limit' };
  return n;
}

/** A retention limit given to a store (default 10,000): a whole number of events, at least 1; INVALID_CALL naming `name` else. */
export function checkAuditRetention(limit: number | undefined, name: string): number {
  if (limit === undefined) return DEFAULT_AUDIT_RETENTION;
  if (!Number.isInteger(limit) || limit < 1) throw new BerthError(ErrorCode.INVALID_CALL, `${name} must be an integer >= 1, got ${limit}`, { field: name });
  return limit;
}

/** What one change is: its action, subject and parameters. */
export interface AuditWhat {
  action: string;
  subject: string;
  details?: Record<string, unknown>;
}

/** The audit event could not be written; the message says whether the change itself was made. */
export class AuditWriteError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
}

export interface AuditedCall<T> {
  who: string;
  /** What the call is, recorded when it is refused or fails. */
  what: AuditWhat;
  /** The events of a call that succeeded (default: `what`), like one per service of an apply. */
  done?: (value: T) => AuditWhat[];
  /** Whether an error is a refusal (the caller's fault) rather than a failure. */
  refused: (err: unknown) => boolean;
}

function bounded(details: Record<string, unknown>): Record<string, unknown> {
  const bytes = Buffer.byteLength(JSON.stringify(details));
  return bytes > AUDIT_DETAILS_MAX_BYTES ? { truncated: true, bytes } : details;
}

function errorOf(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : 'INTERNAL', message: typeof e?.message === 'string' ? e.message : String(err) };
}

export class FrameworkAudit {
  readonly #store: FrameworkAuditStore;
  readonly #now: () => number;

  constructor(store: FrameworkAuditStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /** Runs change and records it, succeeded, refused or failed; rethrows its error after recording. */
  async record<T>(call: AuditedCall<T>, change: () => Promise<T>): Promise<T> {
    const atMs = this.#now();
    const event = (w: AuditWhat, result: FrameworkAuditEvent['result'], err?: unknown): FrameworkAuditEvent => ({
      id: `audit-${randomUUID()}`, atMs, who: call.who, action: w.action, subject: w.subject, details: bounded(w.details ?? {}), result,
      ...(err === undefined ? {} : { error: errorOf(err) }),
    });
    let value: T;
    try {
      value = await change();
    } catch (err) {
      await this.#append([event(call.what, call.refused(err) ? 'refused' : 'failed', err)], 'the change was not made');
      throw err;
    }
    await this.#append((call.done ? call.done(value) : [call.what]).map((w) => event(w, 'ok')), 'the change was made');
    return value;
  }

  read(limit: number): Promise<FrameworkAuditEvent[]> {
    return this.#store.audit(limit);
  }

  async #append(events: FrameworkAuditEvent[], done: string): Promise<void> {
    try {
      for (const e of events) await this.#store.appendAudit(e);
    } catch (err) {
      throw new AuditWriteError(`${done}, but its audit event could not be recorded: ${(err as Error).message}`, { cause: err });
    }
  }
}
