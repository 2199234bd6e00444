// The client of a state stream: keeps a local copy of the document by applying the stream's
// snapshot and patches, and when the connection drops reconnects with the stream id and the last
// version it applied, so it gets only what it missed (or a snapshot when that is gone).
import { backoff, sleep } from './backoff.js';
import { ChannelError } from './channel.js';
import { dialText, type TextSocket } from './channel-ws.js';
import { applyStatePatch } from './state-diff.js';
import type { ResumePoint, StreamFrame } from './state-stream.js';
import type { ClientTls, TlsHints } from './tls.js';

type Doc = Record<string, unknown>;

export interface WatchOptions {
  /** Called after each frame is applied, with the document (owned by the watcher: copy to keep). */
  onUpdate(doc: Doc, frame: { version: number; snapshot: boolean }): void;
  /** Connection news for people ("reconnecting in 400 ms: ..."). */
  onStatus?(message: string): void;
  /** Start from here instead of a snapshot, when the stream still has the patches. */
  since?: ResumePoint;
  signal?: AbortSignal;
  /** Sent on every upgrade request (an `authorization: Bearer` header when the server asks for a token). */
  headers?: Record<string, string>;
  /** For wss:// streams: the CAs to trust and the client certificate to show. */
  tls?: ClientTls | undefined;
  /** How this client is given a CA and a certificate, for the message of a TLS failure. */
  tlsHints?: TlsHints | undefined;
}

export interface StateWatcher {
  /** The last version applied, with the stream's id; undefined before the first frame. */
  readonly position: ResumePoint | undefined;
  readonly doc: Doc | undefined;
  /** Resolves when the watcher stops (abort) or gives up (a refusal that retrying will not fix). */
  readonly done: Promise<void>;
  /** Drops the connection as a network failure would; the watcher reconnects and resumes. */
  dropConnection(): void;
}

function withResume(url: string, at: ResumePoint | undefined): string {
  if (!at) return url;
  const u = new URL(url);
  u.searchParams.set('stream', at.stream);
  u.searchParams.set('since', String(at.version));
  return u.toString();
}

/** Watches the stream at `url` (ws://host:port/api/v1/stream?...) until aborted. */
export function watchState(url: string, options: WatchOptions): StateWatcher {
  let position = options.since;
  let doc: Doc | undefined;
  let socket: TextSocket | undefined;
  const delay = backoff({ initialMs: 200, maxMs: 5_000 });
  const apply = (text: string): void => {
    const frame = JSON.parse(text) as StreamFrame;
    if ('snapshot' in frame) doc = frame.snapshot;
    else if (doc && position && frame.version > position.version) doc = applyStatePatch(doc, frame.patch);
    else if (!doc) throw new Error(`the stream sent a patch (version ${frame.version}) before any snapshot`);
    else return;
    position = { stream: frame.stream, version: frame.version };
    options.onUpdate(doc, { version: frame.version, snapshot: 'snapshot' in frame });
  };
  const run = async (): Promise<void> => {
    for (let attempt = 0; !options.signal?.aborted; attempt++) {
      try {
        const s = await dialText(withResume(url, doc ? position : options.since), { tls: options.tls, tlsHints: options.tlsHints, ...(options.headers ? { headers: options.headers } : {}) });
        socket = s;
        attempt = 0;
        const closed = new Promise<string>((resolve) => s.onClose((code, reason) => resolve(`closed (${code}${reason ? `: ${reason}` : ''})`)));
        s.onText((text) => {
          try {
            apply(text);
          } catch (err) {
            s.close(1002, (err as Error).message.slice(0, 120));
          }
        });
        const onAbort = (): void => s.close(1000, 'watcher stopped');
        options.signal?.addEventListener('abort', onAbort, { once: true });
        const why = await closed;
        options.signal?.removeEventListener('abort', onAbort);
        if (options.signal?.aborted) return;
        options.onStatus?.(`stream ${why}; resuming from version ${position?.version ?? 0}`);
      } catch (err) {
        if (err instanceof ChannelError && err.final) {
          options.onStatus?.(err.message);
          throw err;
        }
        const wait = delay(attempt);
        options.onStatus?.(`${(err as Error).message}; retrying in ${wait} ms`);
        await sleep(wait, options.signal);
      }
    }
  };
  const done = run();
  return {
    get position() {
      return position;
    },
    get doc() {
      return doc;
    },
    done,
    dropConnection: () => socket?.close(4000, 'dropped by the client'),
  };
}
