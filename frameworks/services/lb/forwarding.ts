// What a service port's forwarding (on Node's TCP handles, or on node:net streams) and the port
// itself ask of each other. The port keeps the backends, the counters and the open connections;
// a forwarding accepts, connects, moves bytes and reports what happened.
import type { Backend } from './backend-pool.js';

export const Forwarding = { HANDLES: 'handles', STREAMS: 'streams' } as const;
export type Forwarding = (typeof Forwarding)[keyof typeof Forwarding];
export const FORWARDINGS: readonly Forwarding[] = Object.values(Forwarding);

/** One client connection and, once one took it, the backend it is proxied to. */
export interface ProxiedConnection {
  /** The backend that took the connection; undefined while connecting. */
  readonly to: Backend | undefined;
  /** Closes both sides now. */
  destroy(): void;
}

/** The service port, as its forwarding sees it. */
export interface PortSide {
  readonly connectTimeoutMs: number;
  /** A connection was accepted; false when the port is closed (the forwarding closes it). */
  opened(c: ProxiedConnection): boolean;
  /** The backend to try next, none of `tried`; undefined when none is left (the connection is closed). */
  pick(tried: ReadonlySet<Backend> | undefined): Backend | undefined;
  /** A connect to `b` starts (it counts as one of b's connections until backendClosed). */
  dialing(b: Backend): void;
  /** That connect was refused or timed out; the next backend is tried. */
  refused(b: Backend): void;
  /** That connect succeeded: `b` took the connection. */
  established(b: Backend): void;
  /** An HTTP request (or a connection that is not HTTP) went to `b`. */
  request(b: Backend): void;
  /** The connection's socket to `b` is closed. */
  backendClosed(b: Backend): void;
  /** Accepting a client failed (EMFILE when out of file descriptors, ENFILE, ENOBUFS...); `code` names why. The port keeps listening. */
  acceptFailed(code: string): void;
  /** The connection is over; bytes from the client and bytes to it. */
  closed(c: ProxiedConnection, bytesIn: number, bytesOut: number): void;
}

/** A service port's listening socket. */
export interface Listener {
  readonly listening: boolean;
  /** Rejects when the address cannot be had (the port in use); may be called again after. */
  listen(host: string, port: number): Promise<void>;
  /** Stops accepting; open connections are the port's to close. */
  close(): void;
}
