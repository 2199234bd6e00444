// A loopback TCP proxy between a client (an agent, a framework) and a server (a master) that a test
// uses to inject network faults without touching either end: cut the connections (both ends see a
// close), blackhole them (a silent partition: nothing gets through and nothing is closed, so only
// heartbeats can notice), or delay every chunk. A healed blackhole delivers what it held, in
// order, as TCP retransmission would after a short partition; ends that closed meanwhile are
// closed on the other side at the heal, as the peer would then find out.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Test } from 'tap';
import { listenLoopback } from './processes.js';

type Mode = { kind: 'pass' } | { kind: 'blackhole' } | { kind: 'delay'; ms: number };

/** One client connection and its upstream (opened late when the client came during a blackhole). */
interface Pair {
  client: Socket;
  upstream: Socket | undefined;
  /** Bytes held by a blackhole, per direction, in arrival order. */
  held: { up: Buffer[]; down: Buffer[] };
  /** An end closed during a blackhole; the other end learns it at the heal. */
  closedDuringBlackhole: boolean;
  /** When the last delayed chunk each way goes out; later chunks never overtake it. */
  dueAtMs: { up: number; down: number };
}

export class TcpProxy {
  #server: Server;
  #pairs = new Set<Pair>();
  #mode: Mode = { kind: 'pass' };
  /** The loopback port clients connect to. */
  port = 0;
  cuts = 0;
  /** While true, new connections are closed at once (as to a host that is down). */
  refusing = false;

  private constructor(readonly targetPort: number) {
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Starts a proxy on a free loopback port to 127.0.0.1:targetPort, closed at test end. */
  static async start(t: Test, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    proxy.port = await listenLoopback(proxy.#server);
    t.teardown(() => proxy.close());
    return proxy;
  }

  get connections(): number {
    return this.#pairs.size;
  }

  get blackholed(): boolean {
    return this.#mode.kind === 'blackhole';
  }

  /** Destroys every open connection; new ones are still accepted. */
  cut(): number {
    const n = this.#pairs.size;
    for (const pair of this.#pairs) this.#drop(pair);
    this.cuts++;
    return n;
  }

  /** A silent partition: bytes are held both ways, closes are not passed on, new connections wait. */
  blackhole(): void {
    this.#mode = { kind: 'blackhole' };
  }

  /** Every chunk, both ways, is forwarded ms later (in order). */
  delay(ms: number): void {
    this.#mode = { kind: 'delay', ms };
  }

  /** Ends a blackhole or a delay: held bytes are delivered, ends closed meanwhile are closed. */
  heal(): void {
    this.#mode = { kind: 'pass' };
    for (const pair of [...this.#pairs]) {
      if (pair.closedDuringBlackhole) {
        this.#drop(pair);
        continue;
      }
      if (!pair.upstream) this.#connectUpstream(pair);
      const { up, down } = pair.held;
      pair.held = { up: [], down: [] };
      for (const chunk of up) pair.upstream?.write(chunk);
      for (const chunk of down) pair.client.write(chunk);
    }
  }

  close(): Promise<void> {
    this.#mode = { kind: 'pass' };
    this.cut();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined, held: { up: [], down: [] }, closedDuringBlackhole: false, dueAtMs: { up: 0, down: 0 } };
    this.#pairs.add(pair);
    client.on('data', (chunk: Buffer) => this.#forward(pair, 'up', chunk));
    this.#watchEnd(pair, client);
    if (this.#mode.kind !== 'blackhole') this.#connectUpstream(pair);
  }

  #connectUpstream(pair: Pair): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    pair.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => this.#forward(pair, 'down', chunk));
    this.#watchEnd(pair, upstream);
  }

  #watchEnd(pair: Pair, socket: Socket): void {
    const ended = (): void => {
      if (!this.#pairs.has(pair)) return;
      if (this.#mode.kind === 'blackhole') pair.closedDuringBlackhole = true;
      else this.#drop(pair);
    };
    socket.on('error', ended);
    socket.on('close', ended);
  }

  #forward(pair: Pair, direction: 'up' | 'down', chunk: Buffer): void {
    const mode = this.#mode;
    if (mode.kind === 'blackhole') return void pair.held[direction].push(chunk);
    const send = (): void => {
      if (this.#mode.kind === 'blackhole') pair.held[direction].push(chunk);
      else (direction === 'up' ? pair.upstream : pair.client)?.write(chunk);
    };
    const now = Date.now();
    const last = pair.dueAtMs[direction];
    const dueAtMs = Math.max(now + (mode.kind === 'delay' ? mode.ms : 0), last > now ? last + 1 : 0);
    if (dueAtMs <= now) return send();
    pair.dueAtMs[direction] = dueAtMs;
    setTimeout(send, dueAtMs - now);
  }

  #drop(pair: Pair): void {
    pair.client.destroy();
    pair.upstream?.destroy();
    this.#pairs.delete(pair);
  }
}
