// One service port: a TCP listener on host:servicePort whose connections are proxied to the
// service's backends. While the backend connects, the client's first bytes are read and held
// (then the client is paused), so a refused or timed-out connect moves on to the next backend with
// nothing lost and nothing sent to the client; once connected, both directions are piped with
// backpressure.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { BackendPool, newCounters, REFUSED_PAUSE_MS, type Backend, type BackendAddress, type Counters } from './backend-pool.js';
import type { Algorithm } from './endpoints.js';
import { looksLikeHttp, startsRequest } from './http-requests.js';

export interface LbLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

interface Conn {
  client: Socket;
  backend: Socket | undefined;
  to: Backend | undefined;
  tried: Set<Backend> | undefined;
  /** What the client sent before a backend took the connection. */
  early: Buffer[];
  onEarly: ((chunk: Buffer) => void) | undefined;
}

export interface ServicePortOptions {
  serviceId: string;
  portName: string;
  servicePort: number;
  host: string;
  algorithm: Algorithm;
  connectTimeoutMs: number;
  log: LbLog;
}

export class ServicePort {
  readonly serviceId: string;
  readonly portName: string;
  readonly servicePort: number;
  readonly pool: BackendPool;
  /** Totals of the port, backends that went away included. */
  readonly counters: Counters = newCounters();
  /** Connections closed because no backend took them. */
  unavailableTotal = 0;
  #server: Server;
  #options: ServicePortOptions;
  #conns = new Set<Conn>();
  #drainTimers = new Map<Backend, { timer: NodeJS.Timeout; atMs: number }>();
  #listening: Promise<void> | undefined;
  #closed = false;

  constructor(options: ServicePortOptions) {
    this.#options = options;
    this.serviceId = options.serviceId;
    this.portName = options.portName;
    this.servicePort = options.servicePort;
    this.pool = new BackendPool(options.algorithm);
    this.#server = createServer({ noDelay: true, allowHalfOpen: true }, (client) => this.#accept(client));
  }

  get listening(): boolean {
    return this.#server.listening;
  }

  /** Starts listening; a failure (the port in use) rejects, and listen() may be called again. */
  listen(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the service port is closed'));
    this.#listening ??= new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.#listening = undefined;
        reject(err);
      };
      this.#server.once('error', onError);
      this.#server.listen({ host: this.#options.host, port: this.servicePort }, () => {
        this.#server.removeListener('error', onError);
        resolve();
      });
    });
    return this.#listening;
  }

  /** Applies the service's endpoints: new connections follow at once; draining ones get a deadline. */
  update(inRotation: readonly BackendAddress[], draining: readonly (BackendAddress & { closeAtMs: number })[], algorithm: Algorithm): void {
    this.pool.algorithm = algorithm;
    this.pool.update(inRotation, draining);
    for (const [b, { timer, atMs }] of this.#drainTimers) {
      if (this.pool.get(b.id) === b && b.draining && b.closeAtMs === atMs) continue;
      clearTimeout(timer);
      this.#drainTimers.delete(b);
    }
    for (const b of this.pool.backends) {
      const atMs = b.closeAtMs;
      if (!b.draining || atMs === undefined || this.#drainTimers.has(b)) continue;
      const timer = setTimeout(() => this.#closeConnectionsOf(b), Math.max(0, atMs - Date.now()));
      timer.unref();
      this.#drainTimers.set(b, { timer, atMs });
    }
  }

  /** Stops accepting; with `connections`, closes the open ones too (else they finish on their own). */
  async close(connections: boolean): Promise<void> {
    this.#closed = true;
    await this.#listening?.catch(() => undefined);
    for (const { timer } of this.#drainTimers.values()) clearTimeout(timer);
    this.#drainTimers.clear();
    const closed = new Promise<void>((resolve) => (this.#server.listening ? this.#server.close(() => resolve()) : resolve()));
    if (connections) for (const c of this.#conns) this.#destroy(c);
    await closed;
  }

  #closeConnectionsOf(b: Backend): void {
    this.#drainTimers.delete(b);
    let n = 0;
    for (const c of this.#conns) {
      if (c.to !== b) continue;
      this.#destroy(c);
      n++;
    }
    if (n > 0) this.#options.log.info({ service: this.serviceId, port: this.portName, backend: b.id, connections: n }, 'closed the connections of a draining backend at the end of its grace period');
  }

  #destroy(c: Conn): void {
    c.backend?.destroy();
    c.client.destroy();
  }

  #accept(client: Socket): void {
    if (this.#closed) {
      client.destroy();
      return;
    }
    const conn: Conn = { client, backend: undefined, to: undefined, tried: undefined, early: [], onEarly: undefined };
    conn.onEarly = (chunk) => {
      conn.early.push(chunk);
      client.pause();
    };
    client.on('data', conn.onEarly);
    this.#conns.add(conn);
    client.on('error', () => conn.backend?.destroy());
    client.once('close', () => {
      this.#conns.delete(conn);
      conn.backend?.destroy();
      const b = conn.to;
      if (b === undefined) return;
      b.counters.bytesIn += client.bytesRead;
      b.counters.bytesOut += client.bytesWritten;
      this.counters.bytesIn += client.bytesRead;
      this.counters.bytesOut += client.bytesWritten;
    });
    this.#dial(conn);
  }

  #dial(conn: Conn): void {
    const b = this.pool.pick(Date.now(), conn.tried);
    if (b === undefined) {
      this.unavailableTotal++;
      this.#options.log.debug({ service: this.serviceId, port: this.portName, tried: conn.tried?.size ?? 0 }, 'no backend took the connection');
      conn.client.destroy();
      return;
    }
    const sock = connect({ host: b.host, port: b.port, noDelay: true, allowHalfOpen: true });
    conn.backend = sock;
    b.counters.active++;
    this.counters.active++;
    let connected = false;
    sock.setTimeout(this.#options.connectTimeoutMs, () => {
      if (!connected) sock.destroy(new Error(`connect timed out after ${this.#options.connectTimeoutMs} ms`));
    });
    sock.on('error', () => {
      if (connected) conn.client.destroy();
    });
    sock.once('connect', () => {
      connected = true;
      sock.setTimeout(0);
      this.#established(conn, b, sock);
    });
    sock.once('close', () => {
      b.counters.active--;
      this.counters.active--;
      if (connected || conn.client.destroyed) return;
      b.counters.connectFailuresTotal++;
      this.counters.connectFailuresTotal++;
      b.refusedUntilMs = Date.now() + REFUSED_PAUSE_MS;
      (conn.tried ??= new Set()).add(b);
      this.#dial(conn);
    });
  }

  #established(conn: Conn, b: Backend, sock: Socket): void {
    const { client } = conn;
    conn.to = b;
    b.counters.connectionsTotal++;
    this.counters.connectionsTotal++;
    const count = (): void => {
      b.counters.requestsTotal++;
      this.counters.requestsTotal++;
    };
    let seen = false;
    const onNext = (chunk: Buffer): void => {
      if (startsRequest(chunk)) count();
    };
    const onFirst = (chunk: Buffer): void => {
      seen = true;
      count();
      if (looksLikeHttp(chunk)) client.on('data', onNext);
    };
    client.removeListener('data', conn.onEarly as (chunk: Buffer) => void);
    const early = conn.early;
    conn.early = [];
    for (let i = 0; i < early.length; i++) {
      const chunk = early[i] as Buffer;
      if (!seen) onFirst(chunk);
      else onNext(chunk);
      sock.write(chunk);
    }
    if (!seen) client.once('data', onFirst);
    client.once('close', () => {
      if (!seen) count();
    });
    sock.pipe(client);
    client.pipe(sock);
  }
}
