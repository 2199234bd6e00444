// The DNS server's sockets: one UDP socket and one TCP server on the same port. TCP messages carry
// the 2-byte length prefix of RFC 1035 4.2.2; a connection may send several queries, pipelined,
// and is closed when idle. Each message goes to `answer`, which never throws.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { DnsTransport } from './answer.js';
import type { DnsLog } from './options.js';

export type Answerer = (message: Buffer, transport: DnsTransport) => Buffer | undefined;

export interface Listeners {
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  host: string;
  port: number;
  tcpIdleTimeoutMs: number;
  log: DnsLog;
}

/** A client that sends queries and reads no answers is dropped once this much waits for it. */
const MAX_UNREAD_BYTES = 1024 * 1024;
/** At most this many TCP connections at once; more are closed as they arrive. */
const MAX_TCP_CONNECTIONS = 512;
/** With port 0, how many free UDP ports are tried before giving up on one TCP also has free. */
const PORT_TRIES = 20;

function bindUdp(host: string, port: number, answer: Answerer, log: DnsLog): Promise<UdpSocket> {
  const udp = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, host, () => {
      udp.off('error', reject);
      udp.on('error', (err) => log.warn({ err: err.message }, 'dns udp socket error'));
      udp.on('message', (msg, rinfo) => {
        const out = answer(msg, 'udp');
        if (out) udp.send(out, rinfo.port, rinfo.address, (err) => err && log.debug({ err: err.message, to: rinfo.address }, 'dns udp send failed'));
      });
      resolve(udp);
    });
  });
}

/** Reads length-prefixed messages off one connection and writes each answer back, prefixed. */
function serveConnection(socket: Socket, answer: Answerer, idleMs: number): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.setTimeout(idleMs, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const size = pending.readUInt16BE(0);
      if (pending.length < 2 + size) break;
      const message = pending.subarray(2, 2 + size);
      pending = pending.subarray(2 + size);
      const out = answer(message, 'tcp');
      if (!out) continue;
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(out.length);
      socket.write(Buffer.concat([prefix, out]));
      if (socket.writableLength > MAX_UNREAD_BYTES) return void socket.destroy();
    }
  });
}

interface TcpListener {
  server: Server;
  connections: Set<Socket>;
}

function listenTcp(host: string, port: number, answer: Answerer, o: ListenOptions): Promise<TcpListener> {
  const connections = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    serveConnection(socket, answer, o.tcpIdleTimeoutMs);
  });
  server.maxConnections = MAX_TCP_CONNECTIONS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (err) => o.log.warn({ err: err.message }, 'dns tcp server error'));
      resolve({ server, connections });
    });
  });
}

const closeUdp = (udp: UdpSocket): Promise<void> => new Promise((resolve) => udp.close(() => resolve()));

function closeTcp(tcp: TcpListener): Promise<void> {
  return new Promise((resolve) => {
    tcp.server.close(() => resolve());
    for (const socket of tcp.connections) socket.destroy();
  });
}

/** Binds UDP and TCP on `port` (with 0, on one port free for both). */
export async function listen(answer: Answerer, o: ListenOptions): Promise<Listeners> {
  for (let attempt = 1; ; attempt++) {
    const udp = await bindUdp(o.host, o.port, answer, o.log);
    const port = udp.address().port;
    try {
      const tcp = await listenTcp(o.host, port, answer, o);
      return { port, close: async () => void (await Promise.all([closeUdp(udp), closeTcp(tcp)])) };
    } catch (err) {
      await closeUdp(udp);
      if (o.port !== 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= PORT_TRIES) throw err;
    }
  }
}
