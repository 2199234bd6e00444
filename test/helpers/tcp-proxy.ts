// A loopback TCP proxy whose connections a test can cut, to drop an agent's or a framework's
// connection mid-way without touching either end.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Test } from 'tap';

export class TcpProxy {
  #server: Server;
  #pairs = new Set<[Socket, Socket]>();
  cuts = 0;
  /** While true, new connections are closed at once (as to a host that is down). */
  refusing = false;

  private constructor(targetPort: number) {
    this.#server = createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        this.#pairs.delete(pair);
      };
      for (const s of pair) {
        s.on('error', drop);
        s.on('close', drop);
      }
    });
  }

  /** Starts a proxy on a free loopback port to 127.0.0.1:targetPort, closed at test end. */
  static async start(t: Test, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', () => resolve()));
    t.teardown(() => proxy.close());
    return proxy;
  }

  get port(): number {
    const a = this.#server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  get connections(): number {
    return this.#pairs.size;
  }

  /** Destroys every open connection; new ones are still accepted. */
  cut(): number {
    const n = this.#pairs.size;
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
    this.#pairs.clear();
    this.cuts++;
    return n;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
