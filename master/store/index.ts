// The public surface of master/store: the ClusterStore contract, its two implementations, and
// openStore(), which picks one from the configured URL.
import type { ClusterStore } from './cluster-store.js';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
import { RedisStore, type RedisStoreOptions } from './redis-store.js';

export type { CampaignResult, Candidate, ClusterStore, LeaderInfo, Presence, Renewal } from './cluster-store.js';
export { parseRedisTarget, redactUrl, SENTINEL_URL_RULE } from './redis-connection.js';
export type { AgentRecord, AuditEvent, ClusterState, FrameworkRecord, StateChange, TaskRecord } from './records.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export { DEFAULT_KEY_PREFIX, storeKeys, type StoreKeys } from './keys.js';

/** Options of openStore: the RedisStore ones apply with a URL, dataDir without one. */
export type OpenStoreOptions = Omit<RedisStoreOptions, 'url'> & Pick<MemoryStoreOptions, 'dataDir'>;

/**
 * A RedisStore when url is given (redis://, rediss:// or a sentinel URL), otherwise the embedded MemoryStore
 * (snapshotted to options.dataDir when set).
 */
export async function openStore(url: string | undefined, options: OpenStoreOptions = {}): Promise<ClusterStore> {
  const { dataDir, ...redis } = options;
  if (url === undefined || url === '') return MemoryStore.open({ dataDir });
  return RedisStore.open({ ...redis, url });
}
