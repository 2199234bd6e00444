// Records the master keeps for a long time (one per task) are copied once into fresh, compact
// values. Measured: a status decoded off the wire takes about 1.2 KB of heap as kept, and the same
// status copied through JSON about 0.3 KB (its strings become compact); at 100,000 tasks that is
// the difference between meeting and missing a memory budget. Values are validated before this,
// so nothing JSON cannot carry (NaN, Infinity) reaches it: never call it before validation.
export function compact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
