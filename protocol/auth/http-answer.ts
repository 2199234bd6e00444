// The HTTP answer to a refused call, the same for a request and a WebSocket upgrade: the status of
// the code, the JSON body, and WWW-Authenticate (401) or Retry-After (429).
import { BerthError, ErrorCode, httpStatus } from '../errors.js';
import { RateLimitedError } from './authenticator.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The headers an error's answer carries besides content-type. */
export function authHeaders(err: BerthError): Record<string, string> {
  if (err.code === ErrorCode.UNAUTHENTICATED) return { 'www-authenticate': 'Bearer realm="berth"' };
  if (err instanceof RateLimitedError) return { 'retry-after': String(err.retryAfterSeconds) };
  return {};
}

export function httpAnswer(err: BerthError): HttpAnswer {
  const body = JSON.stringify({ code: err.code, message: err.message, field: err.field || undefined });
  return { status: httpStatus[err.code], headers: { 'content-type': 'application/json', ...authHeaders(err) }, body };
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/** The answer as raw HTTP/1.1 bytes, for a socket whose upgrade is refused. */
export function rawHttpAnswer(err: BerthError): string {
  const a = httpAnswer(err);
  const lines = [`HTTP/1.1 ${a.status} ${REASONS[a.status] ?? 'Error'}`];
  for (const [k, v] of Object.entries({ ...a.headers, 'content-length': String(Buffer.byteLength(a.body)), connection: 'close' })) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n${a.body}`;
}

/** The {code, message} of a refused upgrade's JSON body, as one line; the raw text otherwise. */
export function refusalText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === 'string' && typeof parsed.message === 'string') return `${parsed.code}: ${parsed.message}`;
  } catch {
    // Not JSON: the text itself says why.
  }
  return body.trim().slice(0, 300);
}
