// Reading a framework's state through the master's proxy (/ui/proxy/NAME/...): its state stream
// (/api/v1/stream, a snapshot then patches, as the master's), and only when the framework has no
// stream (an older version answers 404) its API polled every FRAMEWORK_POLL_MS while on screen.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { authFetch } from './auth.js';
import { LiveState } from './live-state.js';
import { streamUrl } from './stream-frames.js';

export const FRAMEWORK_POLL_MS = 2_000;

export type FrameworkName = 'services' | 'batch';

export interface Polled<T> {
  data: T | undefined;
  error: string;
}

/** GETs `path` now and every FRAMEWORK_POLL_MS while the component is mounted; nothing without a path. */
export function usePolled<T>(path: string | undefined): Polled<T> {
  const [polled, setPolled] = useState<Polled<T>>({ data: undefined, error: '' });
  useEffect(() => {
    if (!path) return undefined;
    let stopped = false;
    const stop = new AbortController();
    const load = async (): Promise<void> => {
      try {
        const res = await authFetch(path, { signal: stop.signal });
        const body = (await res.json()) as T & { message?: string };
        if (!stopped) setPolled(res.ok ? { data: body, error: '' } : (p) => ({ data: p.data, error: body.message ?? `HTTP ${res.status}` }));
      } catch (err) {
        if (!stopped) setPolled((p) => ({ data: p.data, error: (err as Error).message }));
      }
    };
    void load();
    const timer = setInterval(() => void load(), FRAMEWORK_POLL_MS);
    return () => {
      stopped = true;
      stop.abort();
      clearInterval(timer);
    };
  }, [path]);
  return polled;
}

/** How a view is reading its framework: the stream, or polling (no stream), or not yet either. */
export type FrameworkMode = 'connecting' | 'live' | 'reconnecting' | 'polling';

export interface FrameworkDoc<T> extends Polled<T> {
  mode: FrameworkMode;
}

export interface FrameworkDocOptions<T> {
  /** The stream's query (`include=jobs`, `job=/etl/load&include=runs`). */
  query: string;
  /** Without a stream: the API path polled instead, and how its answer becomes the document. */
  fallback: { path: string; toDoc(body: unknown): T };
}

/** The framework's document for a view, kept live by its stream; polled only when it has none. */
export function useFrameworkDoc<T>(name: FrameworkName, enabled: boolean, options: FrameworkDocOptions<T>): FrameworkDoc<T> {
  const [live, setLive] = useState<{ doc: T | undefined; mode: FrameworkMode; problem: string }>({ doc: undefined, mode: 'connecting', problem: '' });
  const path = `/ui/proxy/${name}/api/v1/stream`;
  useEffect(() => {
    if (!enabled) return undefined;
    setLive({ doc: undefined, mode: 'connecting', problem: '' });
    const stream = new LiveState<T>({ url: (position) => streamUrl(location.origin, position, path, options.query), probe: path });
    const off = stream.subscribe(() => {
      const mode = stream.connection === 'absent' ? 'polling' : stream.connection;
      setLive({ doc: stream.state, mode, problem: stream.connection === 'reconnecting' ? stream.problem : '' });
    });
    stream.start();
    return () => {
      off();
      stream.stop();
    };
  }, [enabled, path, options.query]);
  const polled = usePolled<unknown>(enabled && live.mode === 'polling' ? options.fallback.path : undefined);
  if (live.mode === 'polling') return { mode: 'polling', data: polled.data === undefined ? undefined : options.fallback.toDoc(polled.data), error: polled.error };
  return { mode: live.mode, data: live.doc, error: live.problem };
}

/** How the view reads its framework, next to its title ("live", or "polling: the framework has no stream"). */
export function ModeTag({ mode, name }: { mode: FrameworkMode; name: FrameworkName }) {
  const title = mode === 'polling' ? `this ${name} framework has no state stream (an older version): read every ${FRAMEWORK_POLL_MS / 1000} s` : `the ${name} framework's state stream`;
  return html`<small class="conn ${mode}" data-testid="${name}-mode" title=${title}>${mode}</small>`;
}

/** A job id (`/etl/load`) as one URL path segment, as the batch API takes it. */
export const idSegment = (id: string): string => encodeURIComponent(id);

/** A service id (`/team/web`) as the services API writes it in URLs: without its leading slash (`team/web`). */
export const servicePath = (id: string): string => id.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
