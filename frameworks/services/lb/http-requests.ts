// Counting HTTP/1.x requests on the client side of a proxied connection, cheaply: a connection
// is taken for HTTP when its first chunk starts with a request line; after that only the first
// bytes of each chunk are compared (a request that starts mid-chunk, as in pipelining, is not
// seen). Plain loops over the bytes, no allocation and no call into C++ per chunk.

const METHODS = ['GET ', 'POST ', 'PUT ', 'HEAD ', 'DELETE ', 'OPTIONS ', 'PATCH ', 'CONNECT ', 'TRACE '].map((m) => Buffer.from(m, 'latin1'));
/** The methods by their first byte, so a chunk is compared with one or two of them at most. */
const BY_FIRST: (Buffer[] | undefined)[] = new Array(256).fill(undefined);
for (const m of METHODS) (BY_FIRST[m[0] as number] ??= []).push(m);

/** Whether `chunk` starts with an HTTP method and a space. */
export function startsRequest(chunk: Uint8Array): boolean {
  if (chunk.length === 0) return false;
  const candidates = BY_FIRST[chunk[0] as number];
  if (candidates === undefined) return false;
  for (let k = 0; k < candidates.length; k++) {
    const m = candidates[k] as Buffer;
    if (chunk.length < m.length) continue;
    let i = 1;
    while (i < m.length && chunk[i] === m[i]) i++;
    if (i === m.length) return true;
  }
  return false;
}

/** The request line's end is looked for this far into the first chunk. */
const LINE_LIMIT = 8 * 1024;
/** " HTTP/1." before the minor version digit that ends a request line. */
const VERSION = Buffer.from(' HTTP/1.', 'latin1');

/** Whether a connection's first chunk is the start of an HTTP/1.x request (a request line cut short counts). */
export function looksLikeHttp(first: Uint8Array): boolean {
  if (!startsRequest(first)) return false;
  const limit = Math.min(first.length, LINE_LIMIT);
  let end = 0;
  while (end < limit && first[end] !== 0x0d) end++;
  if (end === limit) return true;
  // The line ends in " HTTP/1.x": the version's 8 bytes and its minor digit.
  const at = end - VERSION.length - 1;
  if (at <= 0) return false;
  for (let i = 0; i < VERSION.length; i++) if (first[at + i] !== VERSION[i]) return false;
  return true;
}
