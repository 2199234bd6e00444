// The load balancer's Prometheus metrics and its stats document, both read from the service
// ports' counters at scrape time (nothing is counted through prom-client on the data path).
import { Counter, Gauge, Registry } from 'prom-client';
import type { Backend, Counters } from './backend-pool.js';
import type { ServicePort } from './service-port.js';

export interface BackendStats {
  id: string;
  address: string;
  connectionsTotal: number;
  requestsTotal: number;
  activeConnections: number;
  draining: boolean;
}

export interface ServicePortStats {
  id: string;
  servicePort: number;
  port: string;
  listening: boolean;
  connectionsTotal: number;
  requestsTotal: number;
  activeConnections: number;
  backends: BackendStats[];
}

/** GET /api/v1/stats: counters since start, by service port and backend. */
export function lbStats(ports: Iterable<ServicePort>): { services: ServicePortStats[] } {
  const services = [...ports].map((p) => ({
    id: p.serviceId,
    servicePort: p.servicePort,
    port: p.portName,
    listening: p.listening,
    connectionsTotal: p.counters.connectionsTotal,
    requestsTotal: p.counters.requestsTotal,
    activeConnections: p.counters.active,
    backends: [...p.pool.backends].map((b) => ({
      id: b.id,
      address: `${b.host}:${b.port}`,
      connectionsTotal: b.counters.connectionsTotal,
      requestsTotal: b.counters.requestsTotal,
      activeConnections: b.counters.active,
      draining: b.draining,
    })),
  }));
  services.sort((a, b) => a.id.localeCompare(b.id) || a.servicePort - b.servicePort);
  return { services };
}

const LABELS = ['service', 'port', 'backend'] as const;

export function lbMetrics(ports: () => Iterable<ServicePort>, streamConnected: () => boolean): Registry {
  const registry = new Registry();
  const perBackend = (metric: Counter<(typeof LABELS)[number]> | Gauge<(typeof LABELS)[number]>, value: (c: Counters, b: Backend) => number): void => {
    metric.reset();
    for (const p of ports()) {
      for (const b of p.pool.backends) {
        const v = value(b.counters, b);
        const labels = { service: p.serviceId, port: p.portName, backend: b.id };
        if (metric instanceof Gauge) metric.set(labels, v);
        else metric.inc(labels, v);
      }
    }
  };
  const counter = (name: string, help: string, value: (c: Counters) => number): void => {
    new Counter({
      name,
      help,
      labelNames: LABELS,
      registers: [registry],
      collect() {
        perBackend(this, value);
      },
    });
  };
  counter('berth_lb_backend_connections_total', 'Connections proxied to a backend (connected), since start.', (c) => c.connectionsTotal);
  counter('berth_lb_backend_connect_failures_total', 'Connects to a backend that were refused or timed out (the connection went to the next backend).', (c) => c.connectFailuresTotal);
  counter('berth_lb_backend_requests_total', 'HTTP/1.x requests seen on the client side of connections to a backend; a connection that is not HTTP counts one.', (c) => c.requestsTotal);
  counter('berth_lb_backend_received_bytes_total', 'Bytes received from clients and sent on to a backend (counted when the connection closes).', (c) => c.bytesIn);
  counter('berth_lb_backend_sent_bytes_total', 'Bytes of a backend sent to clients (counted when the connection closes).', (c) => c.bytesOut);
  new Gauge({
    name: 'berth_lb_backend_active_connections',
    help: 'Connections open to a backend now (connecting ones included).',
    labelNames: LABELS,
    registers: [registry],
    collect() {
      perBackend(this, (c) => c.active);
    },
  });
  new Gauge({
    name: 'berth_lb_backend_draining',
    help: '1 while a backend drains: it gets no new connections and its open ones are closed at the end of the grace period.',
    labelNames: LABELS,
    registers: [registry],
    collect() {
      perBackend(this, (_c, b) => (b.draining ? 1 : 0));
    },
  });
  const portCounter = (name: string, help: string, value: (p: ServicePort) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['service', 'port'],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of ports()) this.inc({ service: p.serviceId, port: p.portName }, value(p));
      },
    });
  };
  portCounter('berth_lb_unavailable_connections_total', 'Connections closed because no backend of the service port took them.', (p) => p.unavailableTotal);
  portCounter('berth_lb_accept_failures_total', 'Clients a service port could not accept (EMFILE: out of file descriptors, and the like); the port keeps listening.', (p) => p.acceptFailuresTotal);
  new Gauge({
    name: 'berth_lb_listeners',
    help: 'Service ports listened on now.',
    registers: [registry],
    collect() {
      this.set([...ports()].filter((p) => p.listening).length);
    },
  });
  new Gauge({
    name: 'berth_lb_stream_connected',
    help: "1 while the services framework's endpoints stream is connected; 0 while the last endpoints are served without it.",
    registers: [registry],
    collect() {
      this.set(streamConnected() ? 1 : 0);
    },
  });
  return registry;
}
