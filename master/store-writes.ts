// Whether the store takes this master's fenced writes, by the latest outcome of any of them: the
// state batches (./persister.ts) and the lease renewals (./leader-lease.ts) both report here. One
// success after an outage clears it, whichever path got through: a fenced batch that lands proves
// the store takes writes as much as a renewal does, and a leader with nothing to write would
// otherwise stay degraded until its next change.
export class StoreWrites {
  /** When the writes began failing (epoch ms), or null while the latest one got through. */
  failingSinceMs: number | null = null;

  succeeded(): void {
    this.failingSinceMs = null;
  }

  failed(): void {
    this.failingSinceMs ??= Date.now();
  }
}
