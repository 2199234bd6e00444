// The allocator's public surface: the pure interface, the weighted-DRF allocator, and the first
// simple allocator (the benchmark's baseline).
export * from './types.js';
export { DrfAllocator } from './drf-allocator.js';
export { NaiveDrfAllocator } from './naive-allocator.js';
export { DEFAULT_GANG_HOLD_MS } from './gang-placer.js';
