// The task table: filter by text and state, and render only the rows in view (a fixed row
// height and a spacer), so 10,000 live tasks scroll and update smoothly.
import { useMemo, useState } from 'preact/hooks';
import { html } from './html.js';
import { ago, Link } from './bars.js';
import { filterTasks, statesOf, visibleRows } from './task-table.js';
import type { TaskView } from './types.js';

const ROW_PX = 30;
const VIEW_PX = 600;

/** States as the master names them (RUNNING, FINISHED...): a colour per kind. */
const stateClass = (s: string): string => (s === 'RUNNING' ? 'ok' : s === 'FINISHED' ? 'done' : isEnded(s) ? 'bad' : 'warn');

export const isEnded = (s: string): boolean => /^(FINISHED|FAILED|ERROR|LOST|KILLED|GONE|GONE_BY_OPERATOR|DROPPED)$/.test(s);

export function TaskState({ state }: { state: string }) {
  return html`<span class="tag ${stateClass(state)}">${state}</span>`;
}

export function Tasks({ tasks, completed, version, initialText }: { tasks: readonly TaskView[]; completed: readonly TaskView[]; version: number; initialText: string }) {
  const [text, setText] = useState(initialText);
  const [state, setState] = useState('');
  const [scrollTop, setScrollTop] = useState(0);
  const all = useMemo(() => [...tasks, ...completed], [tasks, completed, version]);
  const rows = useMemo(() => filterTasks(all, { text, state }), [all, text, state]);
  const { start, end } = visibleRows(rows.length, { scrollTop, heightPx: VIEW_PX, rowPx: ROW_PX });
  return html`<section>
    <h2>Tasks</h2>
    <div class="filters">
      <input type="search" placeholder="filter by id, name, agent, framework, role" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} data-testid="task-filter" />
      <select value=${state} onChange=${(e: Event) => setState((e.target as HTMLSelectElement).value)}>
        <option value="">any state</option>
        ${statesOf(all).map((s) => html`<option key=${s} value=${s}>${s}</option>`)}
      </select>
      <span class="muted" data-testid="task-count">${rows.length} of ${all.length} tasks</span>
    </div>
    <div class="table-head task-grid"><span>task</span><span>state</span><span>agent</span><span>framework</span><span>role</span><span>resources</span><span>updated</span></div>
    <div class="scroller" style=${{ height: `${VIEW_PX}px` }} onScroll=${(e: Event) => setScrollTop((e.target as HTMLElement).scrollTop)}>
      <div style=${{ height: `${rows.length * ROW_PX}px`, position: 'relative' }}>
        ${rows.slice(start, end).map((t, i) => html`<div key=${t.id} class="task-grid row" data-task=${t.id} style=${{ top: `${(start + i) * ROW_PX}px`, height: `${ROW_PX}px` }}>
          <span><${Link} href=${`/tasks/${encodeURIComponent(t.id)}`}>${t.name || t.id}</${Link}></span>
          <span><${TaskState} state=${t.state} /></span>
          <span>${t.agentId}</span><span>${t.frameworkId}</span><span>${t.role}</span>
          <span>${t.resources.cpus} CPU, ${t.resources.memMb} MB</span>
          <span>${ago(t.updatedAtMs)}</span>
        </div>`)}
      </div>
    </div>
  </section>`;
}
