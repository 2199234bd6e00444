// Counting HTTP/1.x requests on the client side of a proxied connection, cheaply: a connection
// is taken for HTTP when its first chunk starts with a request line; after that only the first
// bytes of each chunk are compared (a request that starts mid-chunk, as in pipelining, is not
// seen). No allocation per chunk.

const METHODS = ['GET ', 'POST ', 'PUT ', 'HEAD ', 'DELETE ', 'OPTIONS ', 'PATCH ', 'CONNECT ', 'TRACE '].map((m) => Buffer.from(m, 'latin1'));
/** The methods by their first byte, so a chunk is compared with one or two of them at most. */
const BY_FIRST = new Map<number, Buffer[]>();
for (const m of METHODS) BY_FIRST.set(m[0] as number, [...(BY_FIRST.get(m[0] as number) ?? []), m]);

/** Whether `chunk` starts with an HTTP method and a space. */
export function startsRequest(chunk: Buffer): boolean {
  const candidates = BY_FIRST.get(chunk[0] as number);
  if (candidates === undefined) return false;
  next: for (const m of candidates) {
    if (chunk.length < m.length) continue;
    for (let i = 1; i < m.length; i++) if (chunk[i] !== m[i]) continue next;
    return true;
  }
  return false;
}

/** Whether a connection's first chunk is the start of an HTTP/1.x request (a request line cut short counts). */
export function looksLikeHttp(first: Buffer): boolean {
  if (!startsRequest(first)) return false;
  const end = first.indexOf('\r\n', 0, 'latin1');
  if (end < 0) return true;
  const version = first.indexOf(' HTTP/1.', 0, 'latin1');
  return version > 0 && version < end;
}
