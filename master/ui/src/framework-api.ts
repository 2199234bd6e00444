// Reading a framework's own API through the master's read-only proxy (/ui/proxy/NAME/...). The
// frameworks offer no stream yet, so these views poll, and only while they are on screen.
import { useEffect, useState } from 'preact/hooks';

export const FRAMEWORK_POLL_MS = 2_000;

export interface Polled<T> {
  data: T | undefined;
  error: string;
}

/** GETs `path` now and every FRAMEWORK_POLL_MS while the component is mounted. */
export function usePolled<T>(path: string | undefined): Polled<T> {
  const [polled, setPolled] = useState<Polled<T>>({ data: undefined, error: '' });
  useEffect(() => {
    if (!path) return undefined;
    let stopped = false;
    const stop = new AbortController();
    const load = async (): Promise<void> => {
      try {
        const res = await fetch(path, { signal: stop.signal });
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

/** A job id (`/etl/load`) as one URL path segment, as the batch API takes it. */
export const idSegment = (id: string): string => encodeURIComponent(id);

/** A service id (`/team/web`) as the services API writes it in URLs: without its leading slash (`team/web`). */
export const servicePath = (id: string): string => id.replace(/^\/+/, '').split('/').map(encodeURIComponent).join('/');
