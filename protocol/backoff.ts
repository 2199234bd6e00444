// Exponential backoff with full jitter, for reconnects and re-sends.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  random?: () => number;
}

/** Returns a function giving the delay before attempt n (0-based). */
export function backoff(options: BackoffOptions = {}): (attempt: number) => number {
  const { initialMs = 100, maxMs = 10_000, factor = 2, random = Math.random } = options;
  return (attempt) => {
    const cap = Math.min(maxMs, initialMs * factor ** attempt);
    return Math.round(cap / 2 + (random() * cap) / 2);
  };
}

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
