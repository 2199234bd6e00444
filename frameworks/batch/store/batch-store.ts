// The batch framework's state, behind one interface: jobs, runs with their task attempts, workflow
// runs, schedule cursors and the framework id. A run is stored as a summary plus an append-only
// list of the events its RunTracker was fed, so a restarted process replays them into the same state.
import type { NodeStatus } from '../dag.js';
import type { RunOutcome, RunState, TaskEnd } from '../run-state.js';
import type { FrameworkAuditStore } from '../sdk-adapter.js';
import type { JobSpec } from '../spec/types.js';

/** A submitted job. */
export interface StoredJob {
  spec: JobSpec;
  submittedMs: number;
}

/** What happened to a run, in the order its tracker saw it. Replaying them rebuilds the tracker. */
export type RunEvent =
  /** Written before the launch is sent: the intent. */
  | { type: 'launch'; index: number; taskId: string; agentId: string; atMs: number }
  | { type: 'end'; taskId: string; end: TaskEnd; atMs: number }
  /** A deadline check that changed something. */
  | { type: 'tick'; atMs: number }
  | { type: 'cancel'; reason: string; atMs: number };

/** A run's summary: what the API lists without replaying events. */
export interface RunRecord {
  runId: string;
  jobId: string;
  /** The job as it was when the run started: a job submitted again later does not change a run. */
  spec: JobSpec;
  /** Place in line, for first come, first served among equal priorities. */
  seq: number;
  params: Record<string, string>;
  createdMs: number;
  /** The cron time it was started for; undefined when started by hand or by a workflow. */
  scheduledMs: number | undefined;
  workflowRunId: string | undefined;
  state: RunState;
  reason: string;
  outcome: RunOutcome | undefined;
}

/** A run of a workflow: a job and everything that depends on it. */
export interface WorkflowRunRecord {
  id: string;
  rootJobId: string;
  /** The job ids in the workflow, in topological order. */
  jobs: string[];
  states: Record<string, NodeStatus>;
  /** Every run started for a job of this workflow run, oldest first. */
  runs: Record<string, string[]>;
  params: Record<string, string>;
  createdMs: number;
  outcome: 'succeeded' | 'failed' | undefined;
}

/** Where a cron schedule is: the latest due time handled, and since when it counts. */
export interface ScheduleCursor {
  jobId: string;
  lastScheduledMs: number | undefined;
  sinceMs: number;
}

/** One state change, written atomically: all of it or nothing. */
export interface BatchChange {
  frameworkId?: string;
  jobs?: StoredJob[];
  deleteJobs?: string[];
  /** Run summaries to write (created or updated). */
  runs?: RunRecord[];
  /** Events to append to runs' event lists. */
  events?: { runId: string; events: RunEvent[] }[];
  workflows?: WorkflowRunRecord[];
  cursors?: ScheduleCursor[];
  deleteCursors?: string[];
  /** Forgotten runs (history limits): summary and events. */
  deleteRuns?: string[];
}

/**
 * The batch framework's store. `apply` resolves once the change is durable (for Redis, once the
 * MULTI has been executed); the scheduler acts on a change and acknowledges only after that. It
 * also keeps the audit log of operator changes (appendAudit, audit), bounded to its newest events.
 */
export interface BatchStore extends FrameworkAuditStore {
  apply(change: BatchChange): Promise<void>;
  frameworkId(): Promise<string | undefined>;
  getJob(id: string): Promise<StoredJob | undefined>;
  listJobs(): Promise<StoredJob[]>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(jobId?: string): Promise<RunRecord[]>;
  runEvents(runId: string): Promise<RunEvent[]>;
  getWorkflowRun(id: string): Promise<WorkflowRunRecord | undefined>;
  listWorkflowRuns(): Promise<WorkflowRunRecord[]>;
  listCursors(): Promise<ScheduleCursor[]>;
  close(): Promise<void>;
}
