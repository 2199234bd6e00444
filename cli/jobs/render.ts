// How `berth jobs` prints the batch framework's answers as text: jobs, a job, its runs, one run.
// Pure: answers in, lines out.
import type { TaskView } from '../../frameworks/batch/commands.js';
import type { JobSpec } from '../../frameworks/batch/index.js';
import type { RunRecord, WorkflowRunRecord } from '../../frameworks/batch/store/index.js';
import { clock, span, table } from '../output.js';

/** What a job runs: the image and command, or the host command. */
export function runsAs(job: JobSpec): string {
  const r = job.run;
  if (r.kind === 'process') return `process: ${r.command}`;
  const what = r.command !== undefined ? r.command : r.args ? r.args.join(' ') : "(the image's entrypoint)";
  return `${r.image}: ${what}`;
}

const tasks = (j: JobSpec): string => `${j.completions}${j.parallelism < j.completions ? ` (${j.parallelism} at once)` : ''}${j.gang ? ' gang' : ''}`;
const res = (j: JobSpec): string => `${j.resources.cpus} cpus, ${j.resources.memMb} MB${j.resources.diskMb ? `, ${j.resources.diskMb} MB disk` : ''}`;

export function jobsText(jobs: readonly JobSpec[]): string {
  return table(['ID', 'TASKS', 'RESOURCES', 'ROLE', 'SCHEDULE', 'RUNS'], jobs.map((j) => [
    j.id, tasks(j), res(j), j.role, j.schedule ? `${j.schedule.cron} ${j.schedule.timeZone}` : '', runsAs(j),
  ]));
}

export function jobText(job: JobSpec, nextRunsMs: readonly number[]): string {
  const lines = [
    `${job.id}${job.description ? `  ${job.description}` : ''}`,
    `  runs        ${runsAs(job)}`,
    `  tasks       ${tasks(job)}, each ${res(job)}`,
    `  role        ${job.role}, priority ${job.priority}${job.preemptible ? ', preemptible' : ''}`,
    `  retries     ${job.retries.limit}${job.retries.limit ? ` (backoff ${span(job.retries.backoff.initialMs)} x${job.retries.backoff.factor}, at most ${span(job.retries.backoff.maxMs)})` : ''}`,
  ];
  if (job.deadlineMs !== undefined || job.taskDeadlineMs !== undefined) {
    lines.push(`  deadlines   ${[job.deadlineMs !== undefined ? `run ${span(job.deadlineMs)}` : '', job.taskDeadlineMs !== undefined ? `task ${span(job.taskDeadlineMs)}` : ''].filter(Boolean).join(', ')}`);
  }
  const params = Object.entries(job.parameters);
  if (params.length) lines.push(`  parameters  ${params.map(([name, p]) => (p.default === undefined ? `${name} (required)` : `${name}=${p.default}`)).join(', ')}`);
  if (job.dependsOn.length) lines.push(`  depends on  ${job.dependsOn.join(', ')}`);
  if (job.schedule) {
    const s = job.schedule;
    lines.push(`  schedule    ${s.cron} (${s.timeZone}), ${s.concurrencyPolicy}${nextRunsMs.length ? `; next ${nextRunsMs.map(clock).join(', ')} UTC` : ''}`);
  }
  return lines.join('\n');
}

function duration(r: RunRecord): string {
  const d = r.outcome?.durationMs;
  return d === undefined ? '' : span(d);
}

export function runsText(runs: readonly RunRecord[]): string {
  return table(['RUN', 'STATE', 'CREATED', 'DURATION', 'SUCCEEDED', 'EXIT', 'REASON'], runs.map((r) => [
    r.runId, r.state, clock(r.createdMs), duration(r), r.outcome ? `${r.outcome.succeeded}/${r.spec.completions}` : '',
    r.outcome?.exitCode === undefined ? '' : String(r.outcome.exitCode), r.reason,
  ]));
}

export function runText(run: RunRecord, attempts: readonly TaskView[]): string {
  const params = Object.entries(run.params);
  const lines = [
    `${run.runId}  of ${run.jobId}  ${run.state}: ${run.reason}`,
    `  created     ${clock(run.createdMs)}${run.scheduledMs !== undefined ? ` (scheduled for ${clock(run.scheduledMs)})` : ''}`,
  ];
  if (params.length) lines.push(`  params      ${params.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (run.workflowRunId) lines.push(`  workflow    ${run.workflowRunId}`);
  const o = run.outcome;
  if (o) lines.push(`  outcome     ${o.state}, ${o.succeeded} of ${run.spec.completions} succeeded${o.exitCode === undefined ? '' : `, exit code ${o.exitCode}`}${o.durationMs === undefined ? '' : `, took ${span(o.durationMs)}`}`);
  lines.push('', `TASKS (${attempts.length} attempts)`, table(['TASK', 'INDEX', 'AGENT', 'LAUNCHED', 'RESULT', 'EXIT', 'MESSAGE'], attempts.map((t) => [
    t.taskId, String(t.index), t.agentId, clock(t.launchedMs), t.result, t.exitCode === undefined ? '' : String(t.exitCode), t.message ?? '',
  ])));
  return lines.join('\n');
}

export function workflowText(w: WorkflowRunRecord): string {
  return [
    `${w.id}  workflow from ${w.rootJobId}  ${w.outcome ?? 'running'}`,
    '',
    table(['JOB', 'STATE', 'RUNS', 'REASON'], w.jobs.map((id) => [id, w.states[id]?.state ?? '', (w.runs[id] ?? []).join(', '), w.states[id]?.reason ?? ''])),
  ].join('\n');
}
