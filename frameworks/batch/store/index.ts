// The batch framework's store: one interface, in memory or in Redis.
export type { BatchStore, BatchChange, StoredJob, RunEvent, RunRecord, WorkflowRunRecord, ScheduleCursor } from './batch-store.js';
export { MemoryBatchStore } from './memory-store.js';
export { RedisBatchStore, type RedisBatchStoreOptions } from './redis-store.js';
export { batchKeys, DEFAULT_BATCH_KEY_PREFIX, type BatchKeys } from './keys.js';
