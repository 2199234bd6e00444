// Cancelling a wait without cancelling what it waits for (runtimes' wait(id, signal)).

/** The error a wait() rejects with when its signal aborts. */
export function abortError(): Error {
  const err = new Error('the wait was aborted');
  err.name = 'AbortError';
  return err;
}

/** Races promise against signal: rejects with an AbortError when the signal aborts first. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}
