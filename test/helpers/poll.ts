// Polling with a deadline, instead of sleeping in tests.

export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits for an item of a growing list (at index >= from) that pick() turns into a value. */
export function untilPicked<E, T>(what: string, items: readonly E[], pick: (item: E) => T | undefined, from = 0, timeoutMs = 20_000): Promise<T> {
  return until(what, () => {
    for (const item of items.slice(from)) {
      const v = pick(item);
      if (v !== undefined) return v;
    }
    return undefined;
  }, timeoutMs);
}
