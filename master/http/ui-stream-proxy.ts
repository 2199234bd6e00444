// The WebSocket half of the UI's framework proxy: an upgrade of /ui/proxy/NAME/api/v1/stream is
// sent on to the linked framework's stream, and once it answers 101 the two sockets are joined
// byte for byte (so compression and close codes pass through as the framework sends them). Any
// other answer (a 400 naming a bad query, a 404 from a framework without a stream) is handed back
// as it came, so the browser sees what the framework said.
import { request as plainRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as tlsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { tlsAdvice, type ClientTls } from '../../protocol/index.js';

/** Only the frameworks' state streams go through: the proxy reads, it never changes a framework. */
export const PROXIED_STREAM = /^\/api\/v1\/stream$/;

// The caller's credentials go on (the Authorization header, or the browser's berth.bearer
// subprotocol), so the framework checks them itself, as it does for a direct call.
const FORWARDED = ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol', 'authorization', 'user-agent'];

/**
 * A request to a linked framework: over https (trusting `tls.ca`, else the system's CAs, and
 * showing `tls.cert` to a framework that asks for a client certificate) for an https:// link.
 */
export function frameworkRequest(target: URL, options: RequestOptions, tls: ClientTls | undefined, onAnswer?: (res: IncomingMessage) => void): ClientRequest {
  return target.protocol === 'https:' ? tlsRequest(target, { ...options, ...tls }, onAnswer) : plainRequest(target, options, onAnswer);
}

const TLS_HINTS = { caHint: "berth master's --ca-file FILE (the option frameworkTls.ca)", certHint: "berth master's --tls-cert FILE --tls-key FILE (the option frameworkTls.cert and key)" };

/** Why a linked framework did not answer, with what to do when TLS is the reason. */
export function unanswered(name: string, base: string, err: Error): string {
  return `${name} at ${base} did not answer: ${tlsAdvice(err, base, TLS_HINTS) ?? err.message}`;
}

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

/** Sends the upgrade in `req` on to `target` (an http:// or https:// URL) and joins the sockets once it is accepted. */
export function proxyUpgrade(target: URL, name: string, req: IncomingMessage, socket: Duplex, head: Buffer, tls?: ClientTls): void {
  const headers: Record<string, string> = { connection: 'Upgrade', upgrade: 'websocket' };
  for (const h of FORWARDED) {
    const v = req.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  const out = frameworkRequest(target, { method: 'GET', headers, timeout: 10_000 }, tls);
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
    if (socket.writable) refuseUpgrade(socket, 502, 'Bad Gateway', { code: 'UNAVAILABLE', message: unanswered(name, target.origin, err) });
  });
  out.end();
}
