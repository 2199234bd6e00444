// Serving a StatePublisher on a text WebSocket route: the query words every state stream shares
// (`include` of top-level keys, `stream` + `since` to resume), and the route that subscribes each
// socket to its view and drops readers that fall too far behind. The master's /api/v1/stream and
// the services framework's are built on it; each adds its own filters.
import type { Server } from 'node:http';
import { ChannelServer, type TextRoute, type TextSocket } from './channel-ws.js';
import type { ResumePoint, StatePublisher, StreamView } from './state-stream.js';

/** A reader this far behind (bytes queued) is dropped; it reconnects and resumes or gets a snapshot. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** A refused query: the query field it names and the sentence for a person. */
export type QueryRefusal = { ok: false; field: string; message: string };

export type StreamQuery = { ok: true; view: StreamView; since: ResumePoint | undefined } | QueryRefusal;

/**
 * `include`: a comma-separated list of `keys` (absent: `defaults`). Answers the chosen keys, or
 * the message naming the field and the rule.
 */
export function parseInclude(q: URLSearchParams, keys: readonly string[], defaults: readonly string[] = keys): { ok: true; keys: Set<string> } | QueryRefusal {
  const include = q.get('include');
  const asked = include === null ? [...defaults] : include.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = asked.filter((k) => !keys.includes(k));
  if (unknown.length > 0 || asked.length === 0) {
    return { ok: false, field: 'include', message: `include: must be a comma-separated list of ${keys.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}` };
  }
  return { ok: true, keys: new Set(asked) };
}

/** `stream` and `since`: both (where the client left off) or neither. */
export function parseResume(q: URLSearchParams): { ok: true; since: ResumePoint | undefined } | QueryRefusal {
  const stream = q.get('stream');
  const sinceText = q.get('since');
  if ((stream === null) !== (sinceText === null)) return { ok: false, field: stream === null ? 'stream' : 'since', message: 'since and stream: give both (the stream id and the last version applied) or neither' };
  if (stream === null || sinceText === null) return { ok: true, since: undefined };
  const version = Number(sinceText);
  if (!(sinceText.trim() !== '' && Number.isInteger(version) && version >= 0)) return { ok: false, field: 'since', message: `since: must be a whole number >= 0, got ${JSON.stringify(sinceText)}` };
  return { ok: true, since: { stream, version } };
}

export interface PublisherRouteOptions {
  /** Reads the request's query into a view and a resume point, or refuses it (HTTP 400). */
  parse(q: URLSearchParams): StreamQuery;
  /** Where to send the client instead (a standby naming its leader's stream), if anywhere. */
  redirect?(): string | undefined;
}

/** The WebSocket route of a publisher: each socket gets its view's frames until it closes. */
export function publisherRoute(publisher: StatePublisher, options: PublisherRouteOptions): TextRoute {
  return {
    check(url) {
      const elsewhere = options.redirect?.();
      if (elsewhere) return { redirect: `${elsewhere}${url.search}` };
      const parsed = options.parse(url.searchParams);
      return parsed.ok ? undefined : { message: parsed.message, field: parsed.field };
    },
    open(socket: TextSocket, url) {
      const parsed = options.parse(url.searchParams);
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

export interface StateStreamServer {
  readonly channels: ChannelServer;
  /** Stops the ticks and closes the open streams. */
  close(): void;
}

/** Serves `publisher` on `path` of an HTTP server (its own upgrade handling) and ticks it every tickMs (a framework's stream). */
export function serveStateStream(server: Server, path: string, publisher: StatePublisher, parse: PublisherRouteOptions['parse'], options: { tickMs?: number; onError?: (err: unknown) => void } = {}): StateStreamServer {
  const channels = new ChannelServer(server);
  channels.textRoute(path, publisherRoute(publisher, { parse }));
  const timer = setInterval(() => {
    try {
      publisher.tick();
    } catch (err) {
      options.onError?.(err);
    }
  }, options.tickMs ?? 250);
  timer.unref();
  return {
    channels,
    close() {
      clearInterval(timer);
      channels.closeAll(1001, 'server stopping');
    },
  };
}
