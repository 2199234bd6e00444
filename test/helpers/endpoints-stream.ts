// A stand-in for the services framework's state stream (GET /api/v1/stream, the traffic contract's
// endpoints document) for the readers of endpoints: the test sets the document, the stand-in
// publishes it through a real StatePublisher on a real WebSocket, and can go away and come back
// on the same port as a restarted framework would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { ChannelServer, StatePublisher, type StreamView } from '../../protocol/index.js';

export interface TestEndpoint {
  id: string;
  host: string;
  hostname?: string;
  agentId?: string;
  ports: Record<string, number>;
  version?: number;
}

export interface TestServiceEndpoints {
  id: string;
  servicePorts?: Record<string, number>;
  killGracePeriodSeconds?: number;
  endpoints: TestEndpoint[];
  draining?: (TestEndpoint & { drainingSinceMs: number })[];
}

export interface EndpointsStream {
  /** The framework's http:// base, as readers are given it. */
  url: string;
  /** Replaces the endpoints and publishes the change. */
  set(services: TestServiceEndpoints[]): void;
  /** Stops serving (connections closed, port freed), as a framework that went away. */
  stop(): Promise<void>;
  /** Serves again on the same port. */
  restart(): Promise<void>;
}

/** The contract's ServiceEndpoints, with the fields a test leaves out filled in. */
function full(s: TestServiceEndpoints): Record<string, unknown> {
  const endpoint = (e: TestEndpoint) => ({ hostname: 'test-host', agentId: 'agent-1', version: 1, ...e });
  return {
    id: s.id,
    dnsName: `${s.id.split('/').filter(Boolean).reverse().join('.')}.services.berth`,
    algorithm: 'round-robin',
    servicePorts: s.servicePorts ?? {},
    killGracePeriodSeconds: s.killGracePeriodSeconds ?? 3,
    endpoints: [...s.endpoints].sort((a, b) => a.id.localeCompare(b.id)).map(endpoint),
    draining: (s.draining ?? []).map(endpoint),
  };
}

const view = (include: string): StreamView => {
  const keys = new Set(include.split(','));
  return { key: [...keys].sort().join(','), select: (doc) => Object.fromEntries(Object.entries(doc).filter(([k]) => keys.has(k))) };
};

export async function endpointsStream(t: Test, initial: TestServiceEndpoints[] = []): Promise<EndpointsStream> {
  let doc = { services: [] as unknown[], endpoints: initial.map(full) };
  let publisher = new StatePublisher({ read: () => doc });
  let server: Server | undefined;
  let channels: ChannelServer | undefined;
  let port = 0;
  const start = async (): Promise<void> => {
    const s = createServer((_req, res) => res.writeHead(404).end());
    const c = new ChannelServer(s);
    // A restarted framework is a new stream: readers resuming from the old one get a snapshot.
    publisher = new StatePublisher({ read: () => doc });
    c.textRoute('/api/v1/stream', {
      check: (u) => (/^(services|endpoints|details)(,(services|endpoints|details))*$/.test(u.searchParams.get('include') ?? 'services,endpoints') ? undefined : 'include: unknown key'),
      open(socket, u) {
        const since = u.searchParams.get('stream');
        const unsubscribe = publisher.subscribe(view(u.searchParams.get('include') ?? 'services,endpoints'), (text) => {
          if (!socket.open) return false;
          socket.send(text);
          return true;
        }, since ? { stream: since, version: Number(u.searchParams.get('since')) } : undefined);
        socket.onClose(unsubscribe);
      },
    });
    await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    port = (s.address() as AddressInfo).port;
    server = s;
    channels = c;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    channels?.closeAll(1001, 'going away');
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await start();
  t.teardown(stop);
  return {
    url: `http://127.0.0.1:${port}`,
    set(services) {
      doc = { ...doc, endpoints: services.map(full) };
      publisher.tick();
    },
    stop,
    restart: start,
  };
}
