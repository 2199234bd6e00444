// The load balancer tests' stand-in for the services framework's state stream: GET /api/v1/stream?include=endpoints on a
// loopback port, served by a StatePublisher over the channel's text routes as the framework does,
// with an endpoints document the test sets. It can be stopped and started again on the same port
// (and the same publisher, so readers resume) to play the services API going away.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { ChannelServer, StatePublisher, type TextSocket } from '../../protocol/index.js';
import type { Endpoint, ServiceEndpoints } from '../../frameworks/services/lb/index.js';

export class EndpointsStream {
  readonly publisher: StatePublisher;
  #doc: { services: unknown[]; endpoints: ServiceEndpoints[] } = { services: [], endpoints: [] };
  #server: Server | undefined;
  #sockets = new Set<TextSocket>();
  #port = 0;
  /** Streams opened so far (one per connection of a reader). */
  opened = 0;
  /** While set, requests are refused with HTTP 400 and this message, as a services API without the stream. */
  refuse: string | undefined;
  refused = 0;

  private constructor() {
    this.publisher = new StatePublisher({ read: () => this.#doc as unknown as Record<string, unknown> });
  }

  static async start(t: Test): Promise<EndpointsStream> {
    const s = new EndpointsStream();
    await s.resume();
    // As the framework does, it also ticks on a timer: a document set while no one watched
    // reaches readers that come back.
    const ticker = setInterval(() => s.publisher.tick(), 100);
    t.teardown(() => {
      clearInterval(ticker);
      return s.stop();
    });
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Publishes a new endpoints document at once. */
  set(endpoints: ServiceEndpoints[]): void {
    this.#doc = { services: [], endpoints };
    this.publisher.tick();
  }

  /** Closes the server and every stream, as a services framework that went away. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    for (const s of this.#sockets) s.close(1001, 'going away');
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again (on the port it had, or a free one the first time). */
  async resume(): Promise<void> {
    const server = createServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const channels = new ChannelServer(server, {});
    channels.textRoute('/api/v1/stream', {
      check: (url) => {
        if (this.refuse !== undefined) {
          this.refused++;
          return this.refuse;
        }
        return (url.searchParams.get('include') ?? 'services,endpoints').split(',').includes('endpoints') ? undefined : 'include: this stand-in serves endpoints only';
      },
      open: (socket) => {
        this.opened++;
        this.#sockets.add(socket);
        const unsubscribe = this.publisher.subscribe({ key: 'endpoints', select: (d) => ({ endpoints: d.endpoints }) }, (text) => {
          if (!socket.open) return false;
          socket.send(text);
          return true;
        });
        socket.onClose(() => {
          this.#sockets.delete(socket);
          unsubscribe();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }
}

/** An endpoint of the contract's shape whose one port is named `http`. */
export function endpoint(id: string, port: number, host = '127.0.0.1'): Endpoint {
  return { id, host, hostname: 'localhost', agentId: 'agent-1', ports: { http: port }, version: 1 };
}

/** A service with one service port, `http`, over the given endpoints. */
export function serviceOf(id: string, servicePort: number, endpoints: Endpoint[], extra: Partial<ServiceEndpoints> = {}): ServiceEndpoints {
  const name = id.split('/').filter(Boolean).reverse().join('.');
  return { id, dnsName: `${name}.services.berth`, algorithm: 'round-robin', servicePorts: { http: servicePort }, killGracePeriodSeconds: 5, endpoints, draining: [], ...extra };
}
