// GET /api/v1/stream (WebSocket): the master's state (the shape of GET /api/v1/state) as a
// snapshot, then versioned JSON Patch deltas batched per tick. Query: `include` (top-level keys,
// comma-separated), `framework` (only that framework and its tasks), `stream` + `since` (resume).
import type { ResumePoint, StatePublisher, StreamView, TextRoute, TextSocket } from '../../protocol/index.js';
import type { MasterState } from '../state-view.js';

/** The top-level keys of MasterState a client may ask for with `include`. */
export const STREAM_KEYS = ['masterId', 'url', 'leadership', 'epoch', 'leader', 'agents', 'frameworks', 'tasks', 'completedTasks', 'offers', 'counters'] as const;

/** A reader this far behind (bytes queued) is dropped; it reconnects and resumes or gets a snapshot. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

type Parsed = { ok: true; view: StreamView; since: ResumePoint | undefined } | { ok: false; message: string };

export function parseStreamQuery(q: URLSearchParams): Parsed {
  const include = q.get('include');
  const keys = include === null ? [...STREAM_KEYS] : include.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = keys.filter((k) => !(STREAM_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0 || keys.length === 0) {
    return { ok: false, message: `include: must be a comma-separated list of ${STREAM_KEYS.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}` };
  }
  const framework = q.get('framework') ?? '';
  const stream = q.get('stream');
  const sinceText = q.get('since');
  if ((stream === null) !== (sinceText === null)) return { ok: false, message: 'since and stream: give both (the stream id and the last version applied) or neither' };
  const version = Number(sinceText);
  if (sinceText !== null && !(Number.isInteger(version) && version >= 0)) return { ok: false, message: `since: must be a whole number >= 0, got ${JSON.stringify(sinceText)}` };
  const chosen = new Set(keys);
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
  return { ok: true, view, since: stream === null ? undefined : { stream, version } };
}

/** The WebSocket route; `leaderStreamUrl` names the leader's stream when this master is a standby. */
export function stateStreamRoute(publisher: StatePublisher, leaderStreamUrl: () => string | undefined): TextRoute {
  return {
    check(url) {
      const leader = leaderStreamUrl();
      if (leader) return { redirect: `${leader}${url.search}` };
      const parsed = parseStreamQuery(url.searchParams);
      return parsed.ok ? undefined : parsed.message;
    },
    open(socket: TextSocket, url) {
      const parsed = parseStreamQuery(url.searchParams);
      if (!parsed.ok) return socket.close(1008, parsed.message.slice(0, 120));
      const sink = (text: string): boolean => {
        if (!socket.open) return false;
        if (socket.buffered > MAX_BUFFERED_BYTES) {
          socket.close(1013, 'too far behind; reconnect to resume');
          return false;
        }
        socket.send(text);
        return true;
      };
      const unsubscribe = publisher.subscribe(parsed.view, sink, parsed.since);
      socket.onClose(unsubscribe);
    },
  };
}
