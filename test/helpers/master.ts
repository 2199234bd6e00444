// Starts a master in this process on a free loopback port, stopped at the end of the test.
import type { Test } from 'tap';
import { MemoryStore, startMaster, type ClusterStore, type RunningMaster, type StartMasterOptions } from '../../master/index.js';
import { testLogger } from './log.js';

export async function testMaster(t: Test, options: Partial<StartMasterOptions> & { store?: ClusterStore } = {}): Promise<RunningMaster> {
  const store = options.store ?? (await MemoryStore.open());
  const running = await startMaster({
    host: '127.0.0.1',
    port: 0,
    log: testLogger(),
    allocationIntervalMs: 200,
    ...options,
    store,
  });
  t.teardown(() => running.close());
  return running;
}

export async function getState(httpUrl: string): Promise<import('../../master/index.js').MasterState> {
  const res = await fetch(`${httpUrl}/api/v1/state`);
  return (await res.json()) as import('../../master/index.js').MasterState;
}
