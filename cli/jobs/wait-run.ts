// `berth jobs run --wait`: follows a run until it ends, printing a line whenever its progress
// changes, and says how it ended.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskView } from '../../frameworks/batch/commands.js';
import { isTerminalRun } from '../../frameworks/batch/run-state.js';
import type { RunRecord } from '../../frameworks/batch/store/index.js';
import { span } from '../output.js';
import type { BatchClient } from './client.js';

const POLL_MS = 500;

function progress(run: RunRecord, tasks: readonly TaskView[]): string {
  const running = tasks.filter((t) => t.result === 'running').length;
  const succeeded = tasks.filter((t) => t.result === 'succeeded').length;
  const failed = tasks.filter((t) => t.result !== 'running' && t.result !== 'succeeded').length;
  const counts = run.state === 'pending' ? '' : `: ${succeeded} of ${run.spec.completions} succeeded, ${running} running${failed ? `, ${failed} attempts failed` : ''}`;
  return `${run.runId} ${run.state} (${run.reason})${counts}`;
}

/** How a finished run ended, in one line. */
export function endLine(run: RunRecord): string {
  const o = run.outcome;
  const took = o?.durationMs === undefined ? '' : ` in ${span(o.durationMs)}`;
  const exit = o?.exitCode === undefined || run.state === 'succeeded' ? '' : `, exit code ${o.exitCode}`;
  const done = o && run.state !== 'succeeded' ? `, ${o.succeeded} of ${run.spec.completions} tasks succeeded` : '';
  return `${run.runId} ${run.state.toUpperCase()}${took}: ${run.reason}${done}${exit}`;
}

export async function waitForRun(client: BatchClient, runId: string, write: (line: string) => void, intervalMs = POLL_MS): Promise<{ run: RunRecord; tasks: TaskView[] }> {
  let last = '';
  for (;;) {
    const answer = await client.run(runId);
    if ('workflow' in answer) throw new Error(`${runId} is a workflow run; follow one of its runs`);
    if (isTerminalRun(answer.run.state)) {
      write(endLine(answer.run));
      return answer;
    }
    const line = progress(answer.run, answer.tasks);
    if (line !== last) write(line);
    last = line;
    await sleep(intervalMs);
  }
}
