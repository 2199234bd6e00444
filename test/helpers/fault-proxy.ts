// A loopback TCP proxy between a client (an agent, a framework, a master) and its server (a master,
// Redis) that a test uses to inject network faults without touching either end:
// - cut: every open connection is closed (both ends see it); new ones are accepted;
// - refuse: every connection is closed and new ones are closed at once (a process that is gone);
//   refuseNew closes only the new ones;
// - blackhole: a short silent partition: bytes are held both ways and closes are not passed on,
//   so only heartbeats notice; the heal delivers what was held, in order, as TCP retransmission
//   would, and closes the ends whose peer closed meanwhile;
// - drop: a partition where packets are lost: bytes are swallowed (counted in droppedBytes), new
//   connections are held; the heal resets every connection, since its streams are broken;
// - delay: every chunk, both ways, goes out later, in order.
// It remembers the local ports of its upstream connections, so a Redis MONITOR line can be traced
// to the client behind it.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Test } from 'tap';
import { listenLoopback } from './processes.js';

type Mode = { kind: 'pass' } | { kind: 'refuse' } | { kind: 'blackhole' } | { kind: 'drop' } | { kind: 'delay'; ms: number };
export type ProxyMode = Mode['kind'];

/** One client connection and its upstream (opened late when the client came during a partition). */
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

export class FaultProxy {
  #server: Server;
  #pairs = new Set<Pair>();
  #mode: Mode = { kind: 'pass' };
  readonly #upstreamPorts = new Set<number>();
  /** The loopback port clients connect to. */
  port = 0;
  /** Bytes from clients that a drop swallowed: proof the client tried to talk during it. */
  droppedBytes = 0;

  private constructor(readonly targetPort: number) {
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Starts a proxy on a free loopback port to 127.0.0.1:targetPort, closed at test end. */
  static async start(t: Test, targetPort: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetPort);
    proxy.port = await listenLoopback(proxy.#server);
    t.teardown(() => proxy.close());
    return proxy;
  }

  get mode(): ProxyMode {
    return this.#mode.kind;
  }

  get connections(): number {
    return this.#pairs.size;
  }

  /** Whether an upstream connection (seen from the server) with this local port was this proxy's. */
  owns(localPort: number): boolean {
    return this.#upstreamPorts.has(localPort);
  }

  /** Closes every open connection and returns how many; new ones are still accepted. */
  cut(): number {
    const n = this.#pairs.size;
    for (const pair of [...this.#pairs]) this.#close(pair);
    return n;
  }

  /** Closes every connection, and every new one at once, until the heal. */
  refuse(): void {
    this.refuseNew();
    this.cut();
  }

  /** Closes every new connection at once, until the heal; the open ones go on. */
  refuseNew(): void {
    this.#mode = { kind: 'refuse' };
  }

  blackhole(): void {
    this.#mode = { kind: 'blackhole' };
  }

  drop(): void {
    this.#mode = { kind: 'drop' };
  }

  delay(ms: number): void {
    this.#mode = { kind: 'delay', ms };
  }

  /** Passes traffic again; what the fault left behind is settled as its mode says (see the top). */
  heal(): void {
    const was = this.#mode.kind;
    this.#mode = { kind: 'pass' };
    if (was === 'drop') {
      for (const pair of [...this.#pairs]) this.#reset(pair);
      return;
    }
    for (const pair of [...this.#pairs]) {
      if (pair.closedDuringBlackhole) {
        this.#close(pair);
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
    if (this.#mode.kind === 'refuse') {
      client.destroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined, held: { up: [], down: [] }, closedDuringBlackhole: false, dueAtMs: { up: 0, down: 0 } };
    this.#pairs.add(pair);
    client.on('data', (chunk: Buffer) => this.#forward(pair, 'up', chunk));
    this.#watchEnd(pair, client);
    if (this.#mode.kind !== 'blackhole' && this.#mode.kind !== 'drop') this.#connectUpstream(pair);
  }

  #connectUpstream(pair: Pair): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    pair.upstream = upstream;
    upstream.on('connect', () => {
      if (upstream.localPort !== undefined) this.#upstreamPorts.add(upstream.localPort);
    });
    upstream.on('data', (chunk: Buffer) => this.#forward(pair, 'down', chunk));
    this.#watchEnd(pair, upstream);
  }

  #watchEnd(pair: Pair, socket: Socket): void {
    const ended = (): void => {
      if (!this.#pairs.has(pair)) return;
      if (this.#mode.kind === 'blackhole') pair.closedDuringBlackhole = true;
      else this.#close(pair);
    };
    socket.on('error', ended);
    socket.on('close', ended);
  }

  #forward(pair: Pair, direction: 'up' | 'down', chunk: Buffer): void {
    const mode = this.#mode;
    if (mode.kind === 'blackhole') return void pair.held[direction].push(chunk);
    if (mode.kind === 'drop') return this.#swallow(direction, chunk);
    const send = (): void => {
      const now = this.#mode.kind;
      if (now === 'blackhole') pair.held[direction].push(chunk);
      else if (now === 'drop') this.#swallow(direction, chunk);
      else (direction === 'up' ? pair.upstream : pair.client)?.write(chunk);
    };
    const now = Date.now();
    const last = pair.dueAtMs[direction];
    const dueAtMs = Math.max(now + (mode.kind === 'delay' ? mode.ms : 0), last > now ? last + 1 : 0);
    if (dueAtMs <= now) return send();
    pair.dueAtMs[direction] = dueAtMs;
    setTimeout(send, dueAtMs - now);
  }

  #swallow(direction: 'up' | 'down', chunk: Buffer): void {
    if (direction === 'up') this.droppedBytes += chunk.length;
  }

  #close(pair: Pair): void {
    this.#pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  }

  #reset(pair: Pair): void {
    this.#pairs.delete(pair);
    pair.client.resetAndDestroy();
    pair.upstream?.resetAndDestroy();
  }
}
