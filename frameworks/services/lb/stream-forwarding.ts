// Forwarding on node:net streams, for a Node whose TCP handles are not the shape tcp-handles.ts
// expects. While the backend connects, the client's first bytes are read and held (then the client
// is paused), so a refused or timed-out connect moves on to the next backend with nothing lost and
// nothing sent to the client; once connected, both directions are piped with backpressure.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Backend } from './backend-pool.js';
import type { Listener, PortSide, ProxiedConnection } from './forwarding.js';
import { looksLikeHttp, startsRequest } from './http-requests.js';

class StreamConnection implements ProxiedConnection {
  to: Backend | undefined;
  backend: Socket | undefined;
  tried: Set<Backend> | undefined;
  /** What the client sent before a backend took the connection. */
  early: Buffer[] = [];
  readonly client: Socket;
  readonly side: PortSide;
  readonly onEarly: (chunk: Buffer) => void;

  constructor(client: Socket, side: PortSide) {
    this.client = client;
    this.side = side;
    this.onEarly = (chunk) => {
      this.early.push(chunk);
      client.pause();
    };
    client.on('data', this.onEarly);
    client.on('error', () => this.backend?.destroy());
    client.once('close', () => {
      this.backend?.destroy();
      side.closed(this, client.bytesRead, client.bytesWritten);
    });
  }

  destroy(): void {
    this.backend?.destroy();
    this.client.destroy();
  }

  dial(): void {
    const b = this.side.pick(this.tried);
    if (b === undefined) {
      this.client.destroy();
      return;
    }
    const sock = connect({ host: b.host, port: b.port, noDelay: true, allowHalfOpen: true });
    this.backend = sock;
    this.side.dialing(b);
    let connected = false;
    const timeoutMs = this.side.connectTimeoutMs;
    sock.setTimeout(timeoutMs, () => {
      if (!connected) sock.destroy(new Error(`connect timed out after ${timeoutMs} ms`));
    });
    sock.on('error', () => {
      if (connected) this.client.destroy();
    });
    sock.once('connect', () => {
      connected = true;
      sock.setTimeout(0);
      this.#established(b, sock);
    });
    sock.once('close', () => {
      this.side.backendClosed(b);
      if (connected || this.client.destroyed) return;
      this.side.refused(b);
      (this.tried ??= new Set()).add(b);
      this.dial();
    });
  }

  #established(b: Backend, sock: Socket): void {
    const { client, side } = this;
    this.to = b;
    side.established(b);
    let seen = false;
    const onNext = (chunk: Buffer): void => {
      if (startsRequest(chunk)) side.request(b);
    };
    const onFirst = (chunk: Buffer): void => {
      seen = true;
      side.request(b);
      if (looksLikeHttp(chunk)) client.on('data', onNext);
    };
    client.removeListener('data', this.onEarly);
    const early = this.early;
    this.early = [];
    for (let i = 0; i < early.length; i++) {
      const chunk = early[i] as Buffer;
      if (!seen) onFirst(chunk);
      else onNext(chunk);
      sock.write(chunk);
    }
    if (!seen) client.once('data', onFirst);
    client.once('close', () => {
      if (!seen) side.request(b);
    });
    sock.pipe(client);
    client.pipe(sock);
  }
}

export class StreamListener implements Listener {
  #server: Server;
  #side: PortSide;

  constructor(side: PortSide) {
    this.#side = side;
    this.#server = createServer({ noDelay: true, allowHalfOpen: true }, (client) => this.#accept(client));
    // Once listening, the server's errors are failed accepts (out of file descriptors): the port
    // listens on, and they are counted, not thrown at the process.
    this.#server.on('error', (err: NodeJS.ErrnoException) => {
      if (this.#server.listening) side.acceptFailed(err.code ?? err.message);
    });
  }

  get listening(): boolean {
    return this.#server.listening;
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.#server.once('error', onError);
      this.#server.listen({ host, port }, () => {
        this.#server.removeListener('error', onError);
        resolve();
      });
    });
  }

  #accept(client: Socket): void {
    const c = new StreamConnection(client, this.#side);
    if (!this.#side.opened(c)) {
      client.destroy();
      return;
    }
    c.dial();
  }

  close(): void {
    if (this.#server.listening) this.#server.close();
  }
}
