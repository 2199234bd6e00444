// Loaded into a master process (`node --expose-gc --import gc-probe.js cli/main.js master`) by the
// memory bench: answers 'measure' on the IPC channel with the heap after full collections and the
// RSS, so the figures are live memory, not garbage waiting for the collector. Any build's CLI
// can be run this way, which is how the bench measures a previous build next to this one.
import { readFileSync } from 'node:fs';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';

export interface MemoryReading {
  type: 'measured';
  /** V8 heap in use after the collections. */
  heapUsedBytes: number;
  /** VmRSS after the collections (V8 may keep pages it freed, so this is above the heap). */
  rssBytes: number;
  externalBytes: number;
  /** Memory V8 holds for its heap (live objects, free space in its pages): what of RSS is V8's. */
  heapPhysicalBytes: number;
  /** What V8 itself took with malloc (outside the heap). */
  mallocedBytes: number;
  /** Whether global.gc was there (the process ran with --expose-gc). */
  collected: boolean;
}

const gc = (globalThis as { gc?: () => void }).gc;

function rssBytes(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) * 1024;
}

process.on('message', (message: { type?: string; file?: string }) => {
  if (message?.type === 'snapshot' && message.file) {
    process.send?.({ type: 'snapshot-written', file: writeHeapSnapshot(message.file) });
    return;
  }
  if (message?.type !== 'measure') return;
  // Twice: objects with finalizers (weak maps, sockets' buffers) are freed by the second.
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  const heap = getHeapStatistics();
  const reading: MemoryReading = {
    type: 'measured',
    heapUsedBytes: usage.heapUsed,
    rssBytes: rssBytes(),
    externalBytes: usage.external,
    heapPhysicalBytes: heap.total_physical_size,
    mallocedBytes: heap.malloced_memory,
    collected: gc !== undefined,
  };
  process.send?.(reading);
});
// The channel must not keep a master that was asked to stop alive.
process.channel?.unref();
