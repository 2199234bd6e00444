// Reading and checking request bodies for the services HTTP API: spec files as text (size-limited
// by the spec layer's limit, content types it can read), and the small JSON bodies of scale,
// restart and rollback, each field checked by name.
import type { IncomingMessage } from 'node:http';
import { DEFAULT_MAX_BYTES, MAX_INSTANCES, type SpecProblem } from './spec/index.js';

/** The largest spec body, the spec layer's own limit. */
export const MAX_SPEC_BODY_BYTES = DEFAULT_MAX_BYTES;
/** The largest body of scale, restart and rollback. */
export const MAX_ACTION_BODY_BYTES = 16 * 1024;
/** Past this the connection is cut instead of reading on to answer 413. */
const DRAIN_LIMIT_BYTES = 16 * DEFAULT_MAX_BYTES;

/** An error answered as `{code, message, field, ...extra}` with the status of its code. */
export class HttpError extends Error {
  constructor(readonly code: string, message: string, readonly field = '', readonly extra: { problems?: SpecProblem[] } = {}) {
    super(message);
  }
}

const SPEC_TYPES = new Set(['', 'text/yaml', 'application/yaml', 'application/x-yaml', 'text/x-yaml', 'application/json', 'text/plain']);
const JSON_TYPES = new Set(['', 'application/json']);

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The body as UTF-8 text. A body over `limit` is read to its end (so the client gets the answer
 * rather than a reset) but not kept, and refused with 413; a huge one cuts the connection.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > DRAIN_LIMIT_BYTES) {
      req.destroy();
      break;
    }
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) {
    const message = `the body is ${size > DRAIN_LIMIT_BYTES ? 'over ' : ''}${size} bytes; the limit is ${limit} bytes`;
    throw new HttpError('PAYLOAD_TOO_LARGE', message, 'body', { problems: [{ path: '', rule: 'file too large', message }] });
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A spec file's text: YAML, JSON or Marathon JSON, as the content type allows. */
export async function specBody(req: IncomingMessage): Promise<string> {
  const type = mediaType(req);
  if (!SPEC_TYPES.has(type)) {
    throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `content-type ${type} is not accepted; send the file as text/yaml, application/json or text/plain`, 'content-type');
  }
  return readBody(req, MAX_SPEC_BODY_BYTES);
}

/** A small JSON object body; an empty body is `{}`. */
export async function jsonObjectBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = mediaType(req);
  if (!JSON_TYPES.has(type)) throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `content-type ${type} is not accepted; send application/json`, 'content-type');
  const text = await readBody(req, MAX_ACTION_BODY_BYTES);
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError('BAD_REQUEST', `the body is not JSON: ${(err as Error).message}`, 'body');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError('BAD_REQUEST', 'the body must be a JSON object', 'body');
  return value as Record<string, unknown>;
}

function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).find((k) => !allowed.includes(k));
  if (extra !== undefined) {
    const which = allowed.length === 0 ? 'this call takes no fields' : `only ${allowed.join(', ')} ${allowed.length === 1 ? 'is' : 'are'} allowed`;
    throw new HttpError('BAD_REQUEST', `unknown field "${extra}"; ${which}`, extra);
  }
}

/** `{"instances": N}`, N an integer from 0 to MAX_INSTANCES. */
export function scaleBody(body: Record<string, unknown>): number {
  onlyFields(body, ['instances']);
  const n = body.instances;
  if (n === undefined) throw new HttpError('BAD_REQUEST', 'instances is required: {"instances": N}', 'instances');
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_INSTANCES) {
    throw new HttpError('BAD_REQUEST', `instances must be an integer from 0 to ${MAX_INSTANCES}, not ${JSON.stringify(n)}`, 'instances');
  }
  return n;
}

/** `{}` or `{"toVersion": N}`, N a positive integer. */
export function rollbackBody(body: Record<string, unknown>): number | undefined {
  onlyFields(body, ['toVersion']);
  const v = body.toVersion;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new HttpError('BAD_REQUEST', `toVersion must be a version number (an integer >= 1), not ${JSON.stringify(v)}`, 'toVersion');
  return v;
}

/** Nothing, or `{}`. */
export function emptyBody(body: Record<string, unknown>): void {
  onlyFields(body, []);
}
