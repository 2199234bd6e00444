// One service port: a listener on host:servicePort whose connections are proxied to the service's
// backends, by the forwarding given (Node's TCP handles by default, node:net streams where those
// are missing). The port keeps the backends, the counters, the open connections and the draining
// backends' deadlines; the forwarding accepts, connects and moves the bytes.
import { BackendPool, newCounters, REFUSED_PAUSE_MS, type Backend, type BackendAddress, type Counters } from './backend-pool.js';
import type { Algorithm } from './endpoints.js';
import { Forwarding, type Listener, type PortSide, type ProxiedConnection } from './forwarding.js';
import { HandleListener } from './handle-forwarding.js';
import { StreamListener } from './stream-forwarding.js';
import { tcpHandles } from './tcp-handles.js';

/** A port that cannot accept warns once per this, not once per client. */
const ACCEPT_WARNING_EVERY_MS = 60_000;

export interface LbLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface ServicePortOptions {
  serviceId: string;
  portName: string;
  servicePort: number;
  host: string;
  algorithm: Algorithm;
  connectTimeoutMs: number;
  forwarding: Forwarding;
  log: LbLog;
}

/** The forwarding to use when none is asked for: the handles when this Node has them. */
export const defaultForwarding = (): Forwarding => (tcpHandles() ? Forwarding.HANDLES : Forwarding.STREAMS);

export class ServicePort {
  readonly serviceId: string;
  readonly portName: string;
  readonly servicePort: number;
  readonly pool: BackendPool;
  /** Totals of the port, backends that went away included. */
  readonly counters: Counters = newCounters();
  /** Connections closed because no backend took them. */
  unavailableTotal = 0;
  /** Clients the listener could not accept (EMFILE and the like). */
  acceptFailuresTotal = 0;
  #lastAcceptWarningMs = Number.NEGATIVE_INFINITY;
  #listener: Listener;
  #options: ServicePortOptions;
  #conns = new Set<ProxiedConnection>();
  #drainTimers = new Map<Backend, { timer: NodeJS.Timeout; atMs: number }>();
  #listening: Promise<void> | undefined;
  #closed = false;
  #idle: (() => void) | undefined;

  constructor(options: ServicePortOptions) {
    this.#options = options;
    this.serviceId = options.serviceId;
    this.portName = options.portName;
    this.servicePort = options.servicePort;
    this.pool = new BackendPool(options.algorithm);
    const side = this.#side();
    const handles = options.forwarding === Forwarding.HANDLES ? tcpHandles() : undefined;
    this.#listener = handles ? new HandleListener(handles, side) : new StreamListener(side);
  }

  get listening(): boolean {
    return this.#listener.listening;
  }

  /** Starts listening; a failure (the port in use) rejects, and listen() may be called again. */
  listen(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the service port is closed'));
    this.#listening ??= this.#listener.listen(this.#options.host, this.servicePort).then(
      () => {
        if (this.#closed) this.#listener.close();
      },
      (err: unknown) => {
        this.#listening = undefined;
        throw err;
      },
    );
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

  /** Stops accepting; with `connections`, closes the open ones too (else it resolves when they have finished on their own). */
  async close(connections: boolean): Promise<void> {
    this.#closed = true;
    await this.#listening?.catch(() => undefined);
    for (const { timer } of this.#drainTimers.values()) clearTimeout(timer);
    this.#drainTimers.clear();
    this.#listener.close();
    if (connections) for (const c of [...this.#conns]) c.destroy();
    if (this.#conns.size > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
  }

  #closeConnectionsOf(b: Backend): void {
    this.#drainTimers.delete(b);
    let n = 0;
    for (const c of [...this.#conns]) {
      if (c.to !== b) continue;
      c.destroy();
      n++;
    }
    if (n > 0) this.#options.log.info({ service: this.serviceId, port: this.portName, backend: b.id, connections: n }, 'closed the connections of a draining backend at the end of its grace period');
  }

  #side(): PortSide {
    const port = this.counters;
    return {
      connectTimeoutMs: this.#options.connectTimeoutMs,
      opened: (c) => {
        if (this.#closed) return false;
        this.#conns.add(c);
        return true;
      },
      acceptFailed: (code) => {
        this.acceptFailuresTotal++;
        const now = Date.now();
        if (now - this.#lastAcceptWarningMs < ACCEPT_WARNING_EVERY_MS) return;
        this.#lastAcceptWarningMs = now;
        this.#options.log.warn({ service: this.serviceId, port: this.portName, code, acceptFailuresTotal: this.acceptFailuresTotal }, 'cannot accept connections on the service port (out of file descriptors? raise its ulimit -n); the port keeps listening');
      },
      pick: (tried) => {
        const b = this.pool.pick(Date.now(), tried);
        if (b === undefined) {
          this.unavailableTotal++;
          this.#options.log.debug({ service: this.serviceId, port: this.portName, tried: tried?.size ?? 0 }, 'no backend took the connection');
        }
        return b;
      },
      dialing: (b) => {
        b.counters.active++;
        port.active++;
      },
      refused: (b) => {
        b.counters.connectFailuresTotal++;
        port.connectFailuresTotal++;
        b.refusedUntilMs = Date.now() + REFUSED_PAUSE_MS;
      },
      established: (b) => {
        b.counters.connectionsTotal++;
        port.connectionsTotal++;
      },
      request: (b) => {
        b.counters.requestsTotal++;
        port.requestsTotal++;
      },
      backendClosed: (b) => {
        b.counters.active--;
        port.active--;
      },
      closed: (c, bytesIn, bytesOut) => {
        if (!this.#conns.delete(c)) return;
        const b = c.to;
        if (b !== undefined) {
          b.counters.bytesIn += bytesIn;
          b.counters.bytesOut += bytesOut;
          port.bytesIn += bytesIn;
          port.bytesOut += bytesOut;
        }
        if (this.#conns.size === 0) this.#idle?.();
      },
    };
  }
}
