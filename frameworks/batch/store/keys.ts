// Every Redis key of the batch framework, built here and nowhere else, under its own prefix.

export const DEFAULT_BATCH_KEY_PREFIX = 'berth-batch:';

export interface BatchKeys {
  /** String: the framework id the master gave us. */
  frameworkId: string;
  /** Hash: job id -> StoredJob JSON. */
  jobs: string;
  /** Hash: run id -> RunRecord JSON. */
  runs: string;
  /** List per run: RunEvent JSON, in order. */
  runEvents(runId: string): string;
  /** Hash: workflow run id -> WorkflowRunRecord JSON. */
  workflows: string;
  /** Hash: job id -> ScheduleCursor JSON. */
  cursors: string;
  /** List: FrameworkAuditEvent JSON, oldest first, trimmed to the newest. */
  audit: string;
}

export function batchKeys(prefix = DEFAULT_BATCH_KEY_PREFIX): BatchKeys {
  return {
    frameworkId: `${prefix}framework-id`,
    jobs: `${prefix}jobs`,
    runs: `${prefix}runs`,
    runEvents: (runId) => `${prefix}run-events:${runId}`,
    workflows: `${prefix}workflows`,
    cursors: `${prefix}cursors`,
    audit: `${prefix}audit`,
  };
}
