// One task: its details from the stream and its logs, followed live by reading the logs
// endpoint's chunked body as it comes (GET /api/v1/tasks/ID/logs?follow=1).
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { authFetch } from './auth.js';
import { ago } from './bars.js';
import { isEnded, TaskState } from './tasks.js';
import type { TaskView } from './types.js';

/** At most this many log lines are kept on the page. */
const KEEP_LINES = 5_000;

function useFollowedLogs(taskId: string): { lines: string[]; status: string } {
  const [lines, setLines] = useState<string[]>([]);
  const [status, setStatus] = useState('connecting');
  useEffect(() => {
    const stop = new AbortController();
    let kept: string[] = [];
    let partial = '';
    void (async () => {
      try {
        const res = await authFetch(`/api/v1/tasks/${encodeURIComponent(taskId)}/logs?follow=1&tail=200`, { signal: stop.signal });
        if (!res.ok || !res.body) {
          const err = (await res.json().catch(() => ({}))) as { message?: string };
          setStatus(`no logs: ${err.message ?? `HTTP ${res.status}`}`);
          return;
        }
        setStatus('following');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const parts = (partial + value).split('\n');
          partial = parts.pop() ?? '';
          kept = [...kept, ...parts].slice(-KEEP_LINES);
          setLines(kept);
        }
        if (partial) setLines((kept = [...kept, partial]));
        setStatus('ended');
      } catch (err) {
        if (!stop.signal.aborted) setStatus(`stopped: ${(err as Error).message}`);
      }
    })();
    return () => stop.abort();
  }, [taskId]);
  return { lines, status };
}

export function TaskPage({ taskId, task }: { taskId: string; task: TaskView | undefined }) {
  const { lines, status } = useFollowedLogs(taskId);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return html`<section>
    <h2>Task ${taskId}</h2>
    ${task ? html`<dl class="facts">
      <dt>state</dt><dd><${TaskState} state=${task.state} /> ${task.health && html`<span class="tag">${task.health}</span>`} ${task.message}</dd>
      <dt>agent</dt><dd>${task.agentId}</dd><dt>framework</dt><dd>${task.frameworkId}</dd><dt>role</dt><dd>${task.role}</dd>
      <dt>command</dt><dd><code>${task.command || task.image}</code></dd>
      <dt>resources</dt><dd>${task.resources.cpus} CPU, ${task.resources.memMb} MB</dd>
      <dt>updated</dt><dd>${ago(task.updatedAtMs)}</dd>
      ${isEnded(task.state) && html`<dt>exit code</dt><dd>${task.exitCode}</dd>`}
    </dl>` : html`<p class="muted">This task is not in the master's state (it may have ended long ago).</p>`}
    <h3>Logs <small class="muted" data-testid="log-status">${status}</small></h3>
    <pre class="logs" ref=${box} data-testid="task-logs">${lines.join('\n')}</pre>
  </section>`;
}
