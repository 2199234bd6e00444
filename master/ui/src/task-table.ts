// The task table's logic: filtering by text and state, sorting, and which rows a scrolled
// viewport shows (only those are rendered, so 10,000 tasks stay fast). Pure.
import type { TaskView } from './types.js';

export interface TaskFilter {
  /** Matched against id, name, agent, framework and role (case-insensitive). */
  text: string;
  /** '' for any state. */
  state: string;
}

export function filterTasks(tasks: readonly TaskView[], filter: TaskFilter): TaskView[] {
  const needle = filter.text.trim().toLowerCase();
  return tasks.filter((t) => {
    if (filter.state && t.state !== filter.state) return false;
    if (!needle) return true;
    return t.id.toLowerCase().includes(needle) || t.name.toLowerCase().includes(needle) || t.agentId.toLowerCase().includes(needle)
      || t.frameworkId.toLowerCase().includes(needle) || t.role.toLowerCase().includes(needle);
  });
}

/** The states present, for the filter's choices. */
export function statesOf(tasks: readonly TaskView[]): string[] {
  return [...new Set(tasks.map((t) => t.state))].sort();
}

/** Rows [start, end) to render for a viewport, with `overscan` extra rows on each side. */
export function visibleRows(count: number, view: { scrollTop: number; heightPx: number; rowPx: number; overscan?: number }): { start: number; end: number } {
  const overscan = view.overscan ?? 10;
  if (count === 0 || view.rowPx <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, view.scrollTop) / view.rowPx);
  const shown = Math.ceil(Math.max(0, view.heightPx) / view.rowPx) + 1;
  const start = Math.max(0, Math.min(count - 1, first) - overscan);
  return { start, end: Math.min(count, first + shown + overscan) };
}
