// The calls sent to the master and not yet answered, each a promise settled by the master's
// Accepted (resolve) or Error (reject) with the same request id, or by the connection closing.
import { CloseCode } from '../../protocol/index.js';
import { CallErrorCode, SchedulerCallError, type CallKind } from './call-error.js';

/** What the tracker needs of a connection: to hear when it closes. */
export interface Closable {
  onClose(handler: (code: number, reason: string) => void): void;
}

interface Pending {
  call: CallKind;
  connection: Closable;
  resolve: () => void;
  reject: (error: SchedulerCallError) => void;
}

export class PendingCalls {
  #calls = new Map<string, Pending>();
  #watched = new WeakSet<Closable>();

  get size(): number {
    return this.#calls.size;
  }

  /**
   * Tracks a call about to be sent on `connection`. The promise is marked as handled, so a caller
   * that does not await it (fire and forget, common for declines) never causes an unhandled
   * rejection; a caller that awaits it still sees the rejection.
   */
  add(requestId: string, call: CallKind, connection: Closable): Promise<void> {
    this.#watch(connection);
    const promise = new Promise<void>((resolve, reject) => {
      this.#calls.set(requestId, { call, connection, resolve, reject });
    });
    promise.catch(() => undefined);
    return promise;
  }

  /** The master took the call. False when no call with this id is pending. */
  accept(requestId: string): boolean {
    const pending = this.#take(requestId);
    pending?.resolve();
    return pending !== undefined;
  }

  /** The master refused the call. False when no call with this id is pending (the error is someone else's). */
  refuse(requestId: string, error: { code: string; message: string; field: string }): boolean {
    const pending = this.#take(requestId);
    if (!pending) return false;
    pending.reject(new SchedulerCallError(pending.call, error.code, `${pending.call} refused: ${error.message}`, { requestId, field: error.field }));
    return true;
  }

  /** The call never left (it could not be encoded); nothing took effect. */
  fail(requestId: string, cause: unknown): void {
    const pending = this.#take(requestId);
    pending?.reject(new SchedulerCallError(pending.call, CallErrorCode.NOT_SENT, `${pending.call} was not sent: ${(cause as Error).message}`, { requestId, cause }));
  }

  #take(requestId: string): Pending | undefined {
    if (!requestId) return undefined;
    const pending = this.#calls.get(requestId);
    this.#calls.delete(requestId);
    return pending;
  }

  #watch(connection: Closable): void {
    if (this.#watched.has(connection)) return;
    this.#watched.add(connection);
    connection.onClose((code, reason) => this.#closed(connection, code, reason));
  }

  #closed(connection: Closable, code: number, reason: string): void {
    for (const [requestId, pending] of this.#calls) {
      if (pending.connection !== connection) continue;
      this.#calls.delete(requestId);
      // The master closes a torn-down framework's connection once the teardown is persisted.
      if (pending.call === 'teardown' && code === CloseCode.TORN_DOWN) {
        pending.resolve();
        continue;
      }
      pending.reject(new SchedulerCallError(
        pending.call,
        CallErrorCode.CONNECTION_CLOSED,
        `the connection closed (${code}${reason ? ` ${reason}` : ''}) before the master answered ${pending.call}; it may or may not have taken effect`,
        { requestId },
      ));
    }
  }
}

/** A call that could not be sent because there is no open connection. */
export function notConnected(call: CallKind): Promise<void> {
  const promise = Promise.reject(new SchedulerCallError(call, CallErrorCode.NOT_CONNECTED, `${call} was not sent: not connected to the master, or not subscribed yet (no effect)`));
  promise.catch(() => undefined);
  return promise;
}
