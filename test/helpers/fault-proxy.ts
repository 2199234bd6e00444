// A loopback TCP proxy that injects network faults between one client and its server (a master
// and Redis, say): pass traffic, drop it silently (a partition: nothing arrives, nothing is
// refused, the client only times out), or refuse it (connections reset at once). It remembers the
// local ports of its upstream connections, so a Redis MONITOR line can be traced to this client.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Test } from 'tap';
import { listenLoopback } from './processes.js';

export type ProxyMode = 'pass' | 'drop' | 'refuse';

export class FaultProxy {
  #server: Server;
  /** The loopback port clients connect to. */
  port = 0;
  #mode: ProxyMode = 'pass';
  #clients = new Set<Socket>();
  #upstreams = new Set<Socket>();
  readonly #ports = new Set<number>();
  /** Bytes from clients that a drop swallowed: proof the client tried to talk during it. */
  droppedBytes = 0;

  private constructor(readonly targetPort: number) {
    this.#server = createServer((client) => this.#accept(client));
  }

  /** A proxy on a free loopback port to 127.0.0.1:targetPort, closed at test end. */
  static async start(t: Test, targetPort: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetPort);
    proxy.port = await listenLoopback(proxy.#server);
    t.teardown(() => proxy.close());
    return proxy;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  /** Whether an upstream connection (seen from the server) with this local port was this proxy's. */
  owns(localPort: number): boolean {
    return this.#ports.has(localPort);
  }

  /**
   * Stops delivering bytes either way; connections stay open and new ones are accepted and held,
   * as behind a partition where packets are lost.
   */
  drop(): void {
    this.#mode = 'drop';
  }

  /** Resets every connection and every new one, as when the server's host refuses them. */
  refuse(): void {
    this.#mode = 'refuse';
    this.#resetAll();
  }

  /**
   * Passes traffic again. Connections that lived through a drop are reset (their bytes are gone,
   * so the streams are broken, as TCP would find out): clients reconnect.
   */
  heal(): void {
    if (this.#mode === 'drop') this.#resetAll();
    this.#mode = 'pass';
  }

  close(): Promise<void> {
    this.#resetAll();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    this.#clients.add(client);
    client.on('close', () => this.#clients.delete(client));
    client.on('error', () => client.destroy());
    if (this.#mode === 'drop') {
      // Held: it is connected but never reaches the server.
      client.on('data', (chunk: Buffer) => (this.droppedBytes += chunk.length));
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.#upstreams.add(upstream);
    upstream.on('connect', () => {
      if (upstream.localPort !== undefined) this.#ports.add(upstream.localPort);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      this.#upstreams.delete(upstream);
    };
    upstream.on('error', end);
    upstream.on('close', end);
    client.on('close', end);
    client.on('data', (chunk: Buffer) => {
      if (this.#mode === 'pass') upstream.write(chunk);
      else this.droppedBytes += chunk.length;
    });
    upstream.on('data', (chunk) => {
      if (this.#mode === 'pass') client.write(chunk);
    });
  }

  #resetAll(): void {
    for (const s of [...this.#clients, ...this.#upstreams]) s.resetAndDestroy();
    this.#clients.clear();
    this.#upstreams.clear();
  }
}
