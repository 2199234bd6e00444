// Calls to the master's HTTP API from the CLI, with errors that say what to do next. Every call
// names the local user in x-berth-user, which the master's audit log records (not authenticated).
import { userInfo } from 'node:os';

function localUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

async function call(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, headers: { 'x-berth-user': localUser(), ...(init?.headers as Record<string, string> | undefined) } });
  } catch (err) {
    const cause = (err as Error & { cause?: unknown }).cause;
    throw Object.assign(new Error(`cannot reach the master at ${url}: ${cause ? String(cause) : (err as Error).message}. Is it running? Start one with 'berth dev'.`), { unreachable: true });
  }
}

async function json<T>(url: string, res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as T & { code?: string; message?: string };
  if (!res.ok) throw Object.assign(new Error(`${url} answered ${res.status}: ${body.code ?? ''} ${body.message ?? ''}`.trim()), { status: res.status });
  return body;
}

export async function getJson<T>(url: string): Promise<T> {
  return json<T>(url, await call(url));
}

export async function postJson<T>(url: string, body: unknown): Promise<T> {
  return json<T>(url, await call(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }));
}

/** Streams a text response to stdout until it ends or the signal aborts. */
export async function streamText(url: string, signal: AbortSignal): Promise<void> {
  const res = await call(url, { signal });
  if (!res.ok || !res.body) await json(url, res);
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}
