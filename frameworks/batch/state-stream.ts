// The batch framework's state stream, GET /api/v1/stream (WebSocket, the frames of the master's
// stream): the document { jobs, runs, workflows } as a snapshot, then versioned JSON Patch deltas.
// `jobs` is GET /api/v1/jobs's list, `runs` the recent runs as GET /api/v1/jobs/{id}/runs shows
// them (every unfinished one and the newest finished ones of each job), `workflows` the recent
// workflow runs. Query: `include` (keys), `job` (only that job, its runs and the workflow runs
// with it), `stream` + `since` (resume).
import { parseInclude, parseResume, StatePublisher, type StreamQuery, type StreamView } from '../../protocol/index.js';
import type { BatchCommands } from './commands.js';
import { JOB_ID_PATTERN } from './spec/index.js';

export const BATCH_STREAM_KEYS = ['jobs', 'runs', 'workflows'] as const;

const JOB_ID = new RegExp(JOB_ID_PATTERN);

export function parseBatchStreamQuery(q: URLSearchParams): StreamQuery {
  const include = parseInclude(q, BATCH_STREAM_KEYS);
  if (!include.ok) return include;
  const resume = parseResume(q);
  if (!resume.ok) return resume;
  const chosen = include.keys;
  const job = q.get('job');
  if (job !== null && !(job.length <= 256 && JOB_ID.test(job))) return { ok: false, field: 'job', message: `job: must be a job id like /etl/nightly, got ${JSON.stringify(job)}` };
  const view: StreamView = {
    key: `${[...chosen].sort().join(',')}|${job ?? ''}`,
    select(doc) {
      const out: Record<string, unknown> = {};
      for (const k of BATCH_STREAM_KEYS) if (chosen.has(k)) out[k] = doc[k];
      if (job !== null) {
        if (out.jobs) out.jobs = (doc.jobs as { id: string }[]).filter((j) => j.id === job);
        if (out.runs) out.runs = (doc.runs as { jobId: string }[]).filter((r) => r.jobId === job);
        if (out.workflows) out.workflows = (doc.workflows as { jobs: string[] }[]).filter((w) => w.jobs.includes(job));
      }
      return out;
    },
  };
  return { ok: true, view, since: resume.since };
}

/** The publisher of the batch framework's document. */
export function batchStatePublisher(commands: BatchCommands): StatePublisher {
  return new StatePublisher({ read: () => ({ ...commands.state() }) });
}
