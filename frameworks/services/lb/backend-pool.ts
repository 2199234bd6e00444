// The backends of one service port and the choice among them (pure: no sockets, the clock is an
// argument). In-rotation backends take new connections by round robin or least connections;
// draining ones take none; one that just refused a connection is passed over for a moment while
// any other can be tried.
import { Algorithm } from './endpoints.js';

/** Counters since start, of a backend or of a whole service port. */
export interface Counters {
  connectionsTotal: number;
  requestsTotal: number;
  connectFailuresTotal: number;
  bytesIn: number;
  bytesOut: number;
  /** Connections open to it now (connecting ones included, so least connections sees them). */
  active: number;
}

export const newCounters = (): Counters => ({ connectionsTotal: 0, requestsTotal: 0, connectFailuresTotal: 0, bytesIn: 0, bytesOut: 0, active: 0 });

export interface Backend {
  readonly id: string;
  host: string;
  port: number;
  draining: boolean;
  /** When draining: the time its open connections are closed. */
  closeAtMs: number | undefined;
  /** It refused a connection: new ones go elsewhere until then, when there is elsewhere. */
  refusedUntilMs: number;
  readonly counters: Counters;
}

export interface BackendAddress {
  id: string;
  host: string;
  port: number;
}

/** How long a backend that refused a connection is passed over while others take the connections. */
export const REFUSED_PAUSE_MS = 1_000;

export class BackendPool {
  algorithm: Algorithm;
  #rotation: Backend[] = [];
  #byId = new Map<string, Backend>();
  #next = 0;

  constructor(algorithm: Algorithm) {
    this.algorithm = algorithm;
  }

  /** Every backend known now: in rotation, then draining. */
  get backends(): IterableIterator<Backend> {
    return this.#byId.values();
  }

  get rotation(): readonly Backend[] {
    return this.#rotation;
  }

  get(id: string): Backend | undefined {
    return this.#byId.get(id);
  }

  /**
   * Takes the endpoints in rotation and the draining ones (with the time their connections are
   * closed); returns the backends no longer listed (their open connections are the caller's to keep).
   */
  update(inRotation: readonly BackendAddress[], draining: readonly (BackendAddress & { closeAtMs: number })[]): Backend[] {
    const seen = new Map<string, Backend>();
    const take = (a: BackendAddress, closeAtMs: number | undefined): Backend => {
      const b = this.#byId.get(a.id) ?? { id: a.id, host: a.host, port: a.port, draining: false, closeAtMs: undefined, refusedUntilMs: 0, counters: newCounters() };
      b.host = a.host;
      b.port = a.port;
      b.draining = closeAtMs !== undefined;
      b.closeAtMs = closeAtMs;
      seen.set(a.id, b);
      return b;
    };
    const rotation = inRotation.map((a) => take(a, undefined));
    for (const d of draining) if (!seen.has(d.id)) take(d, d.closeAtMs);
    const gone = [...this.#byId.values()].filter((b) => !seen.has(b.id));
    this.#rotation = rotation;
    this.#byId = seen;
    if (this.#next >= rotation.length) this.#next = 0;
    return gone;
  }

  /** The backend for a new connection, skipping those in `tried`; undefined when none is left. */
  pick(nowMs: number, tried?: ReadonlySet<Backend>): Backend | undefined {
    return this.#choose(nowMs, tried, true) ?? this.#choose(nowMs, tried, false);
  }

  #choose(nowMs: number, tried: ReadonlySet<Backend> | undefined, skipRefused: boolean): Backend | undefined {
    const list = this.#rotation;
    const n = list.length;
    let best: Backend | undefined;
    let bestAt = 0;
    for (let k = 0; k < n; k++) {
      const at = (this.#next + k) % n;
      const b = list[at] as Backend;
      if (tried?.has(b) || (skipRefused && b.refusedUntilMs > nowMs)) continue;
      if (this.algorithm === Algorithm.ROUND_ROBIN) {
        best = b;
        bestAt = at;
        break;
      }
      if (best === undefined || b.counters.active < best.counters.active) {
        best = b;
        bestAt = at;
      }
    }
    if (best !== undefined) this.#next = (bestAt + 1) % n;
    return best;
  }
}
