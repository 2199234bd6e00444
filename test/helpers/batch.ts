// The batch framework in a test: started on a cluster's master with an in-memory (or given) store,
// stopped in teardown; helpers to submit jobs and wait for runs.
import type { Test } from 'tap';
import { startBatchFramework, type BatchFramework, type StartBatchFrameworkOptions } from '../../frameworks/batch/start.js';
import { MemoryBatchStore, type BatchStore, type RunRecord } from '../../frameworks/batch/store/index.js';
import { getState } from './master.js';
import { testLogger } from './log.js';
import { until } from './poll.js';

export async function testBatch(t: Test, masterUrl: string, store: BatchStore = new MemoryBatchStore(), options: Partial<Pick<StartBatchFrameworkOptions, 'roles' | 'http'>> = {}): Promise<BatchFramework> {
  const fw = await startBatchFramework({ masterUrl, store, http: { port: 0 }, log: testLogger(), failoverTimeoutMs: 60_000, ...options });
  t.teardown(() => fw.stop());
  return fw;
}

export async function submit(fw: BatchFramework, job: object | object[]): Promise<string[]> {
  const r = await fw.commands.submit(JSON.stringify(Array.isArray(job) ? { jobs: job } : job));
  if (!r.ok) throw new Error(`submit refused: ${r.message}`);
  return r.jobs;
}

export async function runNow(fw: BatchFramework, jobId: string, params: Record<string, string> = {}): Promise<{ runId: string; workflowRunId: string | undefined }> {
  const r = await fw.commands.runNow(jobId, params);
  if (!r.ok) throw new Error(`run refused: ${r.message}`);
  return r;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'deadline-exceeded']);

/** Waits until the run has finished and returns its record. */
export async function finished(fw: BatchFramework, runId: string, timeoutMs = 60_000): Promise<RunRecord> {
  return until(`run ${runId} finished`, async () => {
    const r = await fw.commands.getRun(runId);
    return r.ok && 'run' in r && TERMINAL.has(r.run.state) ? r.run : undefined;
  }, timeoutMs, 100);
}

/** The master's tasks (live and the last 100 completed) whose id starts with prefix, with their states. */
export async function masterTasks(httpUrl: string, prefix: string): Promise<{ taskId: string; state: string }[]> {
  const state = await getState(httpUrl);
  const all = new Map([...state.completedTasks, ...state.tasks].map((x) => [x.id, x.state]));
  return [...all].filter(([id]) => id.startsWith(prefix)).map(([taskId, s]) => ({ taskId, state: s }));
}
