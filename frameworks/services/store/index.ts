// The services framework's store: one interface, in memory or in Redis.
export type { ServicesStore, ServicesStoreChange, InstanceRecord } from './services-store.js';
export { MemoryServicesStore } from './memory-store.js';
export { RedisServicesStore } from './redis-store.js';
export { servicesKeys, DEFAULT_SERVICES_KEY_PREFIX, type ServicesKeys } from './keys.js';
