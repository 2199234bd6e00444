// A standby that sees the leader's presence gone loads the cluster state while it waits out the
// presence grace (./presence-watch.ts), so that once elected it leads without a second load. The
// early copy is used only when the store says no write landed since it was read; the election
// fences every earlier leader, so none can land after that check.
import type { ClusterStore } from './store/cluster-store.js';
import type { ClusterState } from './store/records.js';

export class WarmState {
  #store: ClusterStore;
  #early: Promise<ClusterState | undefined> | undefined;

  constructor(store: ClusterStore) {
    this.#store = store;
  }

  /** Starts loading now (once until the next take()), when the store can tell versions apart. */
  prepare(): void {
    if (this.#early || !this.#store.stateVersion) return;
    this.#early = this.#store.load().catch(() => undefined);
  }

  /** Lets an early copy go (the takeover did not happen). */
  drop(): void {
    this.#early = undefined;
  }

  /** The state to lead with: the early copy when it is still current, else a fresh load. */
  async take(): Promise<{ state: ClusterState; early: boolean }> {
    const early = this.#early;
    this.#early = undefined;
    if (early && this.#store.stateVersion) {
      const [state, now] = await Promise.all([early, this.#store.stateVersion().catch(() => undefined)]);
      if (state?.version !== undefined && state.version === now) return { state, early: true };
    }
    return { state: await this.#store.load(), early: false };
  }
}
