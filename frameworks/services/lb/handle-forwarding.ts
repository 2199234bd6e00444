// Forwarding on Node's TCP handles (tcp-handles.ts): the listener accepts a client, connects to a
// backend before reading a byte from the client (what the client sends meanwhile waits in the
// kernel, so a refused or timed-out connect moves on to the next backend with nothing lost), then
// moves each chunk read on one side into a write on the other. A write the kernel cannot take at
// once stops reading on the side it came from until it drains. An end of stream from one side is
// passed on as a shutdown of the other (half-close); once both directions are shut, or on any
// error, both handles are closed. The callbacks are shared functions that find their connection
// through the handle's or request's `owner`, so a connection costs no closures.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { getSystemErrorName } from 'node:util';
import type { Backend } from './backend-pool.js';
import type { Listener, PortSide, ProxiedConnection } from './forwarding.js';
import { looksLikeHttp, startsRequest } from './http-requests.js';
import type { ConnectReq, ShutdownReq, TcpHandle, TcpHandles, WriteReq } from './tcp-handles.js';

/** The listen queue node:net uses too. */
const BACKLOG = 511;

const CLIENT_EOF = 1;
const BACKEND_EOF = 2;
const CLIENT_SHUT = 4;
const BACKEND_SHUT = 8;
const CLIENT_PAUSED = 16;
const BACKEND_PAUSED = 32;
const SEEN = 64;
const HTTP = 128;
const CLOSED = 256;

const uvError = (code: number, what: string): NodeJS.ErrnoException => {
  const name = getSystemErrorName(code);
  return Object.assign(new Error(`${what}: ${name}`), { code: name, errno: code });
};

const families = new Map<string, number>();
/** 4 or 6 for an IP address, 0 for a name to look up (remembered: backends' hosts repeat). */
function familyOf(host: string): number {
  let f = families.get(host);
  if (f === undefined) {
    f = isIP(host);
    if (families.size > 10_000) families.clear();
    families.set(host, f);
  }
  return f;
}

async function address(host: string): Promise<{ ip: string; family: number }> {
  const family = familyOf(host);
  if (family !== 0) return { ip: host, family };
  const found = await lookup(host);
  return { ip: found.address, family: found.family };
}

class HandleConnection implements ProxiedConnection {
  to: Backend | undefined;
  readonly client: TcpHandle;
  backend: TcpHandle | undefined;
  /** The backend being connected to. */
  dialed: Backend | undefined;
  tried: Set<Backend> | undefined;
  timer: NodeJS.Timeout | undefined;
  flags = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly h: TcpHandles;
  readonly side: PortSide;

  constructor(h: TcpHandles, side: PortSide, client: TcpHandle) {
    this.h = h;
    this.side = side;
    this.client = client;
    client.owner = this;
    client.onread = onRead;
  }

  dial(): void {
    const b = this.side.pick(this.tried);
    if (b === undefined) {
      this.destroy();
      return;
    }
    this.side.dialing(b);
    this.dialed = b;
    const family = familyOf(b.host);
    if (family !== 0) this.#connect(b, b.host, family);
    else {
      address(b.host).then(
        (a) => {
          if (this.dialed === b && !(this.flags & CLOSED)) this.#connect(b, a.ip, a.family);
        },
        () => {
          if (this.dialed === b) this.failed(b);
        },
      );
    }
  }

  #connect(b: Backend, ip: string, family: number): void {
    const sock = this.h.newSocket();
    sock.owner = this;
    sock.setNoDelay(true);
    this.backend = sock;
    const req = this.h.newConnectReq();
    req.oncomplete = afterConnect;
    req.owner = this;
    req.address = ip;
    req.port = b.port;
    const err = family === 6 ? sock.connect6(req, ip, b.port) : sock.connect(req, ip, b.port);
    if (err !== 0) {
      this.failed(b);
      return;
    }
    this.timer = setTimeout(connectTimedOut, this.side.connectTimeoutMs, this, sock);
  }

  /** The connect to `b` was refused, timed out or could not start: the next backend is tried. */
  failed(b: Backend): void {
    if (this.flags & CLOSED) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.backend?.close();
    this.backend = undefined;
    this.dialed = undefined;
    this.side.backendClosed(b);
    this.side.refused(b);
    (this.tried ??= new Set()).add(b);
    this.dial();
  }

  connected(sock: TcpHandle): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const b = this.dialed as Backend;
    this.to = b;
    this.side.established(b);
    sock.onread = onRead;
    if (sock.readStart() !== 0 || this.client.readStart() !== 0) this.destroy();
  }

  /** A chunk from the client, on to the backend. */
  fromClient(chunk: Uint8Array): void {
    this.bytesIn += chunk.length;
    const b = this.to as Backend;
    if (!(this.flags & SEEN)) {
      this.flags |= SEEN;
      this.side.request(b);
      if (looksLikeHttp(chunk)) this.flags |= HTTP;
    } else if (this.flags & HTTP && startsRequest(chunk)) this.side.request(b);
    this.#write(this.backend as TcpHandle, chunk, CLIENT_PAUSED);
  }

  fromBackend(chunk: Uint8Array): void {
    this.bytesOut += chunk.length;
    this.#write(this.client, chunk, BACKEND_PAUSED);
  }

  /** Writes `chunk` to `to`; when it has to wait, the side it came from (`paused`) stops reading. */
  #write(to: TcpHandle, chunk: Uint8Array, paused: number): void {
    const req = this.h.newWriteReq();
    req.handle = to;
    req.buffer = chunk;
    req.owner = this;
    req.oncomplete = paused === CLIENT_PAUSED ? afterWriteToBackend : afterWriteToClient;
    if (to.writeBuffer(req, chunk) !== 0) {
      this.destroy();
      return;
    }
    if (this.h.state[this.h.lastWriteWasAsync] !== 0 && to.writeQueueSize > 0 && !(this.flags & paused)) {
      this.flags |= paused;
      (paused === CLIENT_PAUSED ? this.client : (this.backend as TcpHandle)).readStop();
    }
  }

  /** A queued write to `to` completed: the side that waited for it reads again once `to` has drained. */
  drained(to: TcpHandle, paused: number): void {
    if (this.flags & CLOSED || !(this.flags & paused) || to.writeQueueSize > 0) return;
    this.flags &= ~paused;
    const from = paused === CLIENT_PAUSED ? this.client : (this.backend as TcpHandle);
    const eof = paused === CLIENT_PAUSED ? CLIENT_EOF : BACKEND_EOF;
    if (!(this.flags & eof) && from.readStart() !== 0) this.destroy();
  }

  /** One side ended its stream: the other side's write direction is shut after what is queued. */
  ended(eof: number): void {
    this.flags |= eof;
    const to = eof === CLIENT_EOF ? (this.backend as TcpHandle) : this.client;
    const req = this.h.newShutdownReq();
    req.handle = to;
    req.owner = this;
    req.oncomplete = eof === CLIENT_EOF ? afterShutdownBackend : afterShutdownClient;
    if (to.shutdown(req) !== 0) this.destroy();
  }

  shut(bit: number): void {
    this.flags |= bit;
    if ((this.flags & (CLIENT_SHUT | BACKEND_SHUT)) === (CLIENT_SHUT | BACKEND_SHUT)) this.destroy();
  }

  destroy(): void {
    if (this.flags & CLOSED) return;
    this.flags |= CLOSED;
    clearTimeout(this.timer);
    this.client.close();
    this.backend?.close();
    if (this.dialed !== undefined) this.side.backendClosed(this.dialed);
    const b = this.to;
    if (b !== undefined && !(this.flags & SEEN)) this.side.request(b);
    this.side.closed(this, this.bytesIn, this.bytesOut);
  }
}

function read(h: TcpHandles, data: ArrayBuffer | undefined): Uint8Array | number {
  const n = h.state[h.readBytesOrError] as number;
  return n > 0 ? new Uint8Array(data as ArrayBuffer, h.state[h.arrayBufferOffset], n) : n;
}

/** A handle's read: a chunk on to the other side, an end of stream passed on, an error closes both. */
function onRead(this: TcpHandle, data: ArrayBuffer | undefined): void {
  const c = this.owner as HandleConnection;
  const got = read(c.h, data);
  const fromClient = this === c.client;
  if (typeof got !== 'number') {
    if (fromClient) c.fromClient(got);
    else c.fromBackend(got);
  } else if (got === c.h.eof) c.ended(fromClient ? CLIENT_EOF : BACKEND_EOF);
  else if (got < 0) c.destroy();
}

function afterConnect(this: ConnectReq, status: number, sock: TcpHandle): void {
  const c = this.owner as HandleConnection;
  // A connect given up on (timed out, or the connection closed) still completes, cancelled.
  if (c.backend !== sock || c.flags & CLOSED) return;
  if (status < 0) c.failed(c.dialed as Backend);
  else c.connected(sock);
}

function connectTimedOut(c: HandleConnection, sock: TcpHandle): void {
  if (c.backend === sock && c.to === undefined && !(c.flags & CLOSED)) c.failed(c.dialed as Backend);
}

function afterWriteToBackend(this: WriteReq, status: number): void {
  const c = this.owner as HandleConnection;
  if (status < 0) c.destroy();
  else c.drained(this.handle, CLIENT_PAUSED);
}

function afterWriteToClient(this: WriteReq, status: number): void {
  const c = this.owner as HandleConnection;
  if (status < 0) c.destroy();
  else c.drained(this.handle, BACKEND_PAUSED);
}

function afterShutdownBackend(this: ShutdownReq, status: number): void {
  const c = this.owner as HandleConnection;
  if (status < 0) c.destroy();
  else c.shut(BACKEND_SHUT);
}

function afterShutdownClient(this: ShutdownReq, status: number): void {
  const c = this.owner as HandleConnection;
  if (status < 0) c.destroy();
  else c.shut(CLIENT_SHUT);
}

function onConnection(this: TcpHandle, status: number, client: TcpHandle | undefined): void {
  const listener = this.owner as HandleListener;
  if (status < 0 || client === undefined) {
    listener.acceptFailed(status);
    return;
  }
  listener.accept(client);
}

export class HandleListener implements Listener {
  #h: TcpHandles;
  #side: PortSide;
  #server: TcpHandle | undefined;

  constructor(h: TcpHandles, side: PortSide) {
    this.#h = h;
    this.#side = side;
  }

  get listening(): boolean {
    return this.#server !== undefined;
  }

  async listen(host: string, port: number): Promise<void> {
    const { ip, family } = await address(host);
    if (this.#server) return;
    const server = this.#h.newServer();
    let err = family === 6 ? server.bind6(ip, port, 0) : server.bind(ip, port);
    if (err === 0) err = server.listen(BACKLOG);
    if (err !== 0) {
      server.close();
      throw uvError(err, `listen ${host}:${port}`);
    }
    server.owner = this;
    server.onconnection = onConnection;
    this.#server = server;
  }

  acceptFailed(status: number): void {
    this.#side.acceptFailed(status < 0 ? getSystemErrorName(status) : 'no client handle');
  }

  accept(client: TcpHandle): void {
    client.setNoDelay(true);
    const c = new HandleConnection(this.#h, this.#side, client);
    if (!this.#side.opened(c)) {
      client.close();
      return;
    }
    c.dial();
  }

  close(): void {
    this.#server?.close();
    this.#server = undefined;
  }
}
