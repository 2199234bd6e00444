// A run's output: each task's stdout and stderr read from the master (which asks the task's
// agent), as soon as the task has an id. With follow, new tasks are picked up until the run ends.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskView } from '../../frameworks/batch/commands.js';
import { isTerminalRun } from '../../frameworks/batch/run-state.js';
import type { RunRecord } from '../../frameworks/batch/store/index.js';
import { ApiError, streamText } from '../http.js';
import type { BatchClient } from './client.js';

/** How often the run is asked for new tasks and its end. */
const POLL_MS = 250;
/** How long a task's logs are still asked for after the run ended (its launch may be in flight). */
const GRACE_MS = 5_000;

export interface RunLogsOptions {
  batch: BatchClient;
  /** The master's http:// base. */
  master: string;
  runId: string;
  follow: boolean;
  /** Put `[task id] ` before each line (for runs of several tasks). */
  prefix: boolean;
  signal: AbortSignal;
  out?: (text: Uint8Array | string) => void;
  /** Told once about a task whose logs could not be read. */
  warn?: (line: string) => void;
}

/** Buffers a stream into whole lines, each written with a prefix. */
function prefixed(prefix: string, out: (text: string) => void): { write(chunk: Uint8Array): void; flush(): void } {
  const decoder = new TextDecoder();
  let partial = '';
  return {
    write(chunk) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) out(`${prefix}${line}\n`);
    },
    flush() {
      partial += decoder.decode();
      if (partial) out(`${prefix}${partial}\n`);
      partial = '';
    },
  };
}

/** Whether an error means "not there yet": the master or the agent does not know the task yet. */
function notYet(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 404 || err.status === 503);
}

/**
 * Streams one task's logs, asking again while the master or agent does not know it yet and
 * `keepTrying()` says so. Resolves when the logs ended (with follow: when the task's output did).
 */
export async function taskLogs(o: { master: string; taskId: string; follow: boolean; signal: AbortSignal; write: (chunk: Uint8Array) => void; keepTrying: () => boolean }): Promise<void> {
  const url = `${o.master}/api/v1/tasks/${encodeURIComponent(o.taskId)}/logs${o.follow ? '?follow=1' : ''}`;
  for (;;) {
    try {
      await streamText(url, o.signal, o.write);
      return;
    } catch (err) {
      if (!notYet(err) || !o.keepTrying() || o.signal.aborted) throw err;
      await sleep(POLL_MS, undefined, { signal: o.signal }).catch(() => undefined);
    }
  }
}

function runOf(answer: Awaited<ReturnType<BatchClient['run']>>, runId: string): { run: RunRecord; tasks: TaskView[] } {
  if ('workflow' in answer) throw new Error(`${runId} is a workflow run; its jobs' runs are ${Object.values(answer.workflow.runs).flat().join(', ') || 'not started yet'}: ask for one of them`);
  return answer;
}

/**
 * Prints the logs of every task of a run; with follow, until the run has ended and every task's
 * output has. Resolves with the run as it was last read.
 */
export async function runLogs(o: RunLogsOptions): Promise<{ run: RunRecord; tasks: TaskView[] }> {
  const out = o.out ?? ((text) => process.stdout.write(text));
  const streams = new Map<string, Promise<void>>();
  let endedAt: number | undefined;
  const keepTrying = (): boolean => o.follow && (endedAt === undefined || Date.now() - endedAt < GRACE_MS);
  const start = (taskId: string): void => {
    const sink = o.prefix ? prefixed(`[${taskId}] `, out) : { write: out, flush: () => undefined };
    streams.set(taskId, taskLogs({ master: o.master, taskId, follow: o.follow, signal: o.signal, write: (c) => sink.write(c), keepTrying })
      .then(() => sink.flush(), (err: unknown) => {
        sink.flush();
        if (!o.signal.aborted) o.warn?.(`no logs for task ${taskId}: ${(err as Error).message}`);
      }));
  };
  let last = runOf(await o.batch.run(o.runId), o.runId);
  for (;;) {
    for (const t of last.tasks) {
      if (streams.has(t.taskId)) continue;
      start(t.taskId);
      // Without follow, one task after the other, so their output does not interleave.
      if (!o.follow) await streams.get(t.taskId);
    }
    if (!o.follow && last.tasks.length === 0) o.warn?.(`${o.runId} has no tasks yet (${last.run.state}: ${last.run.reason}); --follow waits for them`);
    if (!o.follow || o.signal.aborted) break;
    if (isTerminalRun(last.run.state)) {
      endedAt ??= Date.now();
      break;
    }
    await sleep(POLL_MS, undefined, { signal: o.signal }).catch(() => undefined);
    if (o.signal.aborted) break;
    last = runOf(await o.batch.run(o.runId), o.runId);
  }
  await Promise.all(streams.values());
  return last;
}
