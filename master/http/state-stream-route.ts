// GET /api/v1/stream (WebSocket): the master's state (the shape of GET /api/v1/state) as a
// snapshot, then versioned JSON Patch deltas batched per tick. Query: `include` (top-level keys,
// comma-separated), `framework` (only that framework and its tasks), `stream` + `since` (resume).
import { parseInclude, parseResume, publisherRoute, type StatePublisher, type StreamQuery, type StreamView, type TextRoute } from '../../protocol/index.js';
import type { MasterState } from '../state-view.js';

/** The top-level keys of MasterState a client may ask for with `include`. */
export const STREAM_KEYS = ['masterId', 'url', 'leadership', 'epoch', 'leader', 'agents', 'frameworks', 'tasks', 'completedTasks', 'offers', 'counters'] as const;

export function parseStreamQuery(q: URLSearchParams): StreamQuery {
  const include = parseInclude(q, STREAM_KEYS);
  if (!include.ok) return include;
  const resume = parseResume(q);
  if (!resume.ok) return resume;
  const framework = q.get('framework') ?? '';
  const chosen = include.keys;
  const view: StreamView = {
    key: `${[...chosen].sort().join(',')}|${framework}`,
    select(doc) {
      const state = doc as unknown as MasterState;
      const out: Record<string, unknown> = {};
      for (const k of STREAM_KEYS) if (chosen.has(k)) out[k] = state[k];
      if (framework) {
        if (out.frameworks) out.frameworks = state.frameworks.filter((f) => f.id === framework);
        if (out.tasks) out.tasks = state.tasks.filter((t) => t.frameworkId === framework);
        if (out.completedTasks) out.completedTasks = state.completedTasks.filter((t) => t.frameworkId === framework);
      }
      return out;
    },
  };
  return { ok: true, view, since: resume.since };
}

/** The WebSocket route; `leaderStreamUrl` names the leader's stream when this master is a standby. */
export function stateStreamRoute(publisher: StatePublisher, leaderStreamUrl: () => string | undefined): TextRoute {
  return publisherRoute(publisher, { parse: parseStreamQuery, redirect: leaderStreamUrl });
}
