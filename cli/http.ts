// Calls to berth's HTTP APIs (the master's, the batch and services frameworks') from the CLI, with
// errors that say what to do next. An error answer becomes an ApiError listing each problem. Every
// call names the local user in x-berth-user, which audit logs record next to the principal, and
// carries the token given with --token or BERTH_TOKEN as `Authorization: Bearer`.
import { userInfo } from 'node:os';
import { fetchWithTls, tlsAdvice, type ClientTls } from '../protocol/index.js';
import { formatProblem } from './output.js';

/** The bearer token of this command (the CLI runs one command per process); set once by main. */
let bearer: string | undefined;

/** Sends `token` on every call of this process from now on (undefined: none). */
export function useToken(token: string | undefined): void {
  bearer = token;
}

/** The headers that carry the token, for calls made outside this module (WebSocket streams). */
export function authHeaders(): Record<string, string> {
  return bearer === undefined ? {} : { authorization: `Bearer ${bearer}` };
}

/** What to do after a 401, said under the server's own message. */
export function unauthenticatedHint(): string {
  return bearer === undefined
    ? 'set BERTH_TOKEN (berth dev prints it) or pass --token'
    : 'the token given (--token or BERTH_TOKEN) was not accepted: check it, or take the one berth dev prints';
}
/** What the CLI trusts and shows over TLS (the global --ca-file, --cert-file, --key-file), set once by main before a command runs. */
let clientTls: ClientTls | undefined;
let send: typeof fetch = fetch;

export function useClientTls(tls: ClientTls | undefined): void {
  clientTls = tls;
  send = fetchWithTls(tls);
}

/** The TLS settings of this run, for the commands that open streams. */
export const cliTls = (): ClientTls | undefined => clientTls;

/** How the CLI is given a CA and a client certificate, for the messages of TLS failures. */
export const CLI_TLS_HINTS = { caHint: '--ca-file FILE (or BERTH_CA_FILE)', certHint: '--cert-file FILE --key-file FILE (or BERTH_CERT_FILE and BERTH_KEY_FILE)' };

function localUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Who is being called, for the message when it cannot be reached. */
export interface Peer {
  name: string;
  /** What to try, said after "Is it running?". */
  hint: string;
}

export const MASTER: Peer = { name: 'the master', hint: "Start one with 'berth dev'." };

/** One problem with a request, as the APIs list them. */
export interface ApiProblem {
  path: string;
  rule: string;
  message: string;
}

/** An error answer: the HTTP status and the API's `{code, message, field, problems}`. */
export class ApiError extends Error {
  constructor(readonly url: string, readonly status: number, readonly code: string, readonly detail: string, readonly field: string, readonly problems: readonly ApiProblem[]) {
    const lines = problems.map((p) => `\n  ${formatProblem(p)}`).join('');
    const hint = status === 401 ? `\n  ${unauthenticatedHint()}` : '';
    super(`${url} answered ${status}: ${`${code} ${detail}`.trim()}${lines}${hint}`);
    this.name = 'ApiError';
  }
}

async function call(url: string, init: RequestInit | undefined, peer: Peer): Promise<Response> {
  try {
    return await send(url, { ...init, headers: { 'x-berth-user': localUser(), ...authHeaders(), ...(init?.headers as Record<string, string> | undefined) } });
  } catch (err) {
    if (init?.signal?.aborted) throw err;
    const cause = (err as Error & { cause?: unknown }).cause;
    const advice = tlsAdvice(cause ?? err, url, CLI_TLS_HINTS);
    if (advice) throw new Error(`cannot call ${peer.name}: ${advice}`);
    if (/bad port/i.test(String(cause))) {
      throw new Error(`cannot call ${peer.name} at ${url}: its port is one that fetch refuses (ports of other protocols, such as 5060 and 6000, as browsers do); run it on another port`);
    }
    throw Object.assign(new Error(`cannot reach ${peer.name} at ${url}: ${cause ? String(cause) : (err as Error).message}. Is it running? ${peer.hint}`), { unreachable: true });
  }
}

function problemsOf(value: unknown): ApiProblem[] {
  if (!Array.isArray(value)) return [];
  return value.filter((p): p is ApiProblem => typeof p === 'object' && p !== null).map((p) => ({ path: String(p.path ?? ''), rule: String(p.rule ?? ''), message: String(p.message ?? '') }));
}

async function json<T>(url: string, res: Response): Promise<T> {
  const text = await res.text().catch(() => '');
  let body: unknown = {};
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    if (res.ok) throw new Error(`${url} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const b = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; message?: unknown; field?: unknown; problems?: unknown };
    throw new ApiError(url, res.status, String(b.code ?? ''), String(b.message ?? text.slice(0, 200)), String(b.field ?? ''), problemsOf(b.problems));
  }
  return body as T;
}

export async function getJson<T>(url: string, peer: Peer = MASTER): Promise<T> {
  return json<T>(url, await call(url, undefined, peer));
}

/** POSTs `body` as JSON; undefined sends no body at all. */
export async function postJson<T>(url: string, body: unknown, peer: Peer = MASTER): Promise<T> {
  const init: RequestInit = body === undefined ? { method: 'POST' } : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  return json<T>(url, await call(url, init, peer));
}

/** POSTs a file's text as it is (a spec), with the content type its name suggests. */
export async function postText<T>(url: string, text: string, contentType: string, peer: Peer): Promise<T> {
  return json<T>(url, await call(url, { method: 'POST', body: text, headers: { 'content-type': contentType } }, peer));
}

export async function deleteJson<T>(url: string, peer: Peer): Promise<T> {
  return json<T>(url, await call(url, { method: 'DELETE' }, peer));
}

/** Streams a text response into `write` (stdout by default) until it ends or the signal aborts. */
export async function streamText(url: string, signal: AbortSignal, write: (chunk: Uint8Array) => void = (c) => process.stdout.write(c)): Promise<void> {
  let res: Response;
  try {
    res = await call(url, { signal }, MASTER);
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  }
  if (!res.ok || !res.body) await json(url, res);
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) write(chunk);
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}
