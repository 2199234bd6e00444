// Applying the state stream's frames to the UI's copy of the state, and the URL that resumes the
// stream from the last version applied. Pure: the socket lives in live-state.ts.
import { applyStatePatch, type PatchOperation } from '../../../protocol/state-diff.js';

export interface StreamPosition {
  stream: string;
  version: number;
}

export type StreamFrame =
  | { stream: string; version: number; snapshot: Record<string, unknown> }
  | { stream: string; version: number; patch: PatchOperation[] };

export type Applied =
  | { kind: 'applied'; doc: Record<string, unknown>; position: StreamPosition }
  | { kind: 'ignored' }
  | { kind: 'error'; message: string };

/** Parses one text frame, naming what is wrong when it is not a frame. */
export function parseFrame(text: string): StreamFrame | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `the stream sent a frame that is not JSON: ${(err as Error).message}`;
  }
  const f = value as Partial<{ stream: unknown; version: unknown; snapshot: unknown; patch: unknown }>;
  if (typeof f !== 'object' || f === null || typeof f.stream !== 'string' || !Number.isInteger(f.version)) return 'the stream sent a frame without stream and version';
  if (typeof f.snapshot === 'object' && f.snapshot !== null) return f as StreamFrame;
  if (Array.isArray(f.patch)) return f as StreamFrame;
  return `frame ${String(f.version)} has neither snapshot nor patch`;
}

/**
 * A snapshot replaces the document; a patch applies to it when it is newer than the position
 * (a patch already applied, as after a resume, is ignored). The document is changed in place.
 */
export function applyFrame(doc: Record<string, unknown> | undefined, position: StreamPosition | undefined, frame: StreamFrame): Applied {
  if ('snapshot' in frame) return { kind: 'applied', doc: frame.snapshot, position: { stream: frame.stream, version: frame.version } };
  if (!doc || !position) return { kind: 'error', message: `the stream sent a patch (version ${frame.version}) before any snapshot` };
  if (frame.stream === position.stream && frame.version <= position.version) return { kind: 'ignored' };
  try {
    return { kind: 'applied', doc: applyStatePatch(doc, frame.patch), position: { stream: frame.stream, version: frame.version } };
  } catch (err) {
    return { kind: 'error', message: `patch ${frame.version} does not apply: ${(err as Error).message}` };
  }
}

/** ws(s)://HOST/PATH?QUERY for the page's origin (the master's stream by default), resuming from `position` when given. */
export function streamUrl(origin: string, position: StreamPosition | undefined, path = '/api/v1/stream', query = ''): string {
  const url = new URL(`${path}${query ? `?${query}` : ''}`, origin.replace(/^http/, 'ws'));
  if (position) {
    url.searchParams.set('stream', position.stream);
    url.searchParams.set('since', String(position.version));
  }
  return url.toString();
}
