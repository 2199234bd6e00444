// Serving a StatePublisher on a WebSocket path: the query is checked before the upgrade (an HTTP
// 400 naming the field), then each reader gets the snapshot and the patches of its view; a reader
// too far behind is dropped (it reconnects and resumes). The master's /api/v1/stream and the
// frameworks' streams are built from these pieces; each names its own document's keys and filters.
import type { Server } from 'node:http';
import { ChannelServer, type TextRoute, type TextSocket } from './channel-ws.js';
import type { ResumePoint, StatePublisher, StreamView } from './state-stream.js';

/** A refused query: what is wrong, and which query field. */
export interface StreamRefusal {
  message: string;
  field: string;
}

export type StreamRequest = { ok: true; view: StreamView; since: ResumePoint | undefined } | ({ ok: false } & StreamRefusal);

/** Reads a stream's query: the view it asks for and where it resumes, or what is wrong. */
export type StreamQueryParser = (query: URLSearchParams) => StreamRequest;

/** A reader this far behind (bytes queued) is dropped; it reconnects and resumes or gets a snapshot. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** `include=a,b` checked against the document's top-level keys; every key when it is absent. */
export function includedKeys(query: URLSearchParams, keys: readonly string[]): Set<string> | StreamRefusal {
  const include = query.get('include');
  const asked = include === null ? [...keys] : include.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = asked.filter((k) => !keys.includes(k));
  if (unknown.length > 0 || asked.length === 0) {
    return { field: 'include', message: `include: must be a comma-separated list of ${keys.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}` };
  }
  return new Set(asked);
}

/** `stream` + `since` (both or neither): where a reader resumes. */
export function resumePoint(query: URLSearchParams): { since: ResumePoint | undefined } | StreamRefusal {
  const stream = query.get('stream');
  const sinceText = query.get('since');
  if ((stream === null) !== (sinceText === null)) return { field: stream === null ? 'stream' : 'since', message: 'since and stream: give both (the stream id and the last version applied) or neither' };
  if (stream === null || sinceText === null) return { since: undefined };
  const version = Number(sinceText);
  if (!(sinceText.trim() !== '' && Number.isInteger(version) && version >= 0)) return { field: 'since', message: `since: must be a whole number >= 0, got ${JSON.stringify(sinceText)}` };
  return { since: { stream, version } };
}

export const isRefusal = (v: object): v is StreamRefusal => 'message' in v && 'field' in v;

/** The text route of a stream; `redirect` names another server's stream (a standby's leader). */
export function stateStreamRoute(publisher: StatePublisher, parse: StreamQueryParser, redirect?: () => string | undefined): TextRoute {
  return {
    check(url) {
      const elsewhere = redirect?.();
      if (elsewhere) return { redirect: `${elsewhere}${url.search}` };
      const parsed = parse(url.searchParams);
      return parsed.ok ? undefined : { message: parsed.message, field: parsed.field };
    },
    open(socket: TextSocket, url) {
      const parsed = parse(url.searchParams);
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

/** Serves `publisher` on `path` of an HTTP server (its own upgrade handling) and ticks it every tickMs. */
export function serveStateStream(server: Server, path: string, publisher: StatePublisher, parse: StreamQueryParser, options: { tickMs?: number; onError?: (err: unknown) => void } = {}): StateStreamServer {
  const channels = new ChannelServer(server);
  channels.textRoute(path, stateStreamRoute(publisher, parse));
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
