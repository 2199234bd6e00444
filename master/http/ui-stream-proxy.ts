// The WebSocket half of the UI's framework proxy: an upgrade of /ui/proxy/NAME/api/v1/stream is
// sent on to the linked framework's stream, and once it answers 101 the two sockets are joined
// byte for byte (so compression and close codes pass through as the framework sends them). Any
// other answer (a 400 naming a bad query, a 404 from a framework without a stream) is handed back
// as it came, so the browser sees what the framework said.
import { request, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** Only the frameworks' state streams go through: the proxy reads, it never changes a framework. */
export const PROXIED_STREAM = /^\/api\/v1\/stream$/;

// The caller's token (its Authorization header or a browser's berth.bearer.* subprotocol) goes on: the framework's stream checks it.
const FORWARDED = ['authorization', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol', 'user-agent'];

/** Ends the client's socket with an HTTP answer (the upgrade did not happen). */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, body: object): void {
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

function headLines(res: IncomingMessage): string {
  const lines: string[] = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  return lines.join('\r\n');
}

/** Sends the upgrade in `req` on to `target` (an http:// URL) and joins the sockets once it is accepted. */
export function proxyUpgrade(target: URL, name: string, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const headers: Record<string, string> = { connection: 'Upgrade', upgrade: 'websocket' };
  for (const h of FORWARDED) {
    const v = req.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  const out = request(target, { method: 'GET', headers, timeout: 10_000 });
  socket.on('error', () => out.destroy());
  out.on('upgrade', (res, upstream, upstreamHead) => {
    upstream.setTimeout(0);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\n${headLines(res)}\r\n\r\n`);
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  });
  out.on('response', (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      socket.write(`HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}\r\nContent-Type: ${res.headers['content-type'] ?? 'application/json'}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      socket.end(body);
    });
  });
  out.on('timeout', () => out.destroy(new Error('no answer in 10 s')));
  out.on('error', (err) => {
    if (socket.writable) refuseUpgrade(socket, 502, 'Bad Gateway', { code: 'UNAVAILABLE', message: `${name} at ${target.origin} did not answer: ${err.message}` });
  });
  out.end();
}
