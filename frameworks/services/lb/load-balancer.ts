// startLoadBalancer: follows the services framework's endpoints on its state stream and keeps
// one ServicePort per service port in step with them (listeners opened and closed, backends
// changed at once), with the admin HTTP server beside. While the stream is away the last
// endpoints keep being served; the watcher reconnects and resumes.
import type { Server } from 'node:http';
import { sleep, watchState, type ClientTls, type ServerTls, type StateWatcher, type WatchOptions } from '../../../protocol/index.js';
import type { Authenticator } from '../../../protocol/auth/index.js';
import { lbMetrics, lbStats } from './lb-metrics.js';
import { startAdminHttp } from './admin-http.js';
import { ALGORITHMS, decodeEndpoints, type Algorithm, type ServiceEndpoints } from './endpoints.js';
import { FORWARDINGS, Forwarding } from './forwarding.js';
import { defaultForwarding, ServicePort, type LbLog } from './service-port.js';
import { tcpHandles } from './tcp-handles.js';

export interface LoadBalancerOptions {
  /** The services framework's API, e.g. http://127.0.0.1:5070 (ws:// works too). */
  servicesUrl: string;
  /** Where the service ports listen (default 127.0.0.1). */
  host?: string;
  /** The admin HTTP server's port (default 5090; 0 picks a free one), on `host`. */
  adminPort?: number;
  /** One algorithm for every service instead of each service's own `loadBalancer.algorithm`. */
  algorithm?: Algorithm;
  /** How long a backend may take to accept a connection before the next one is tried (default 3 s). */
  connectTimeoutMs?: number;
  /**
   * How bytes are moved: `handles` (Node's TCP handles, the default where this Node has them) or
   * `streams` (node:net sockets, the default elsewhere).
   */
  forwarding?: Forwarding;
  /** The token the endpoints stream is read with (a principal allowed services.read), when the services API requires one. */
  servicesToken?: string;
  /** Checks the admin server's calls (lb.read) but /health; absent or disabled: open. */
  auth?: Authenticator;
  log?: LbLog;
  /** Serve the admin HTTP server over https (with a client CA: mutual TLS). */
  adminTls?: ServerTls | undefined;
  /** For an https:// services API: the CA to trust and the client certificate to show. */
  tls?: ClientTls | undefined;
}

export interface LoadBalancer {
  adminUrl: string;
  /** Stops the stream, the listeners and the admin server, and closes every open connection. */
  close(): Promise<void>;
}

export interface OptionProblem {
  field: string;
  rule: string;
  got: string;
}

/** Every problem with the options, each naming its field and rule. */
export function checkLoadBalancerOptions(o: LoadBalancerOptions): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const got = (v: unknown): string => JSON.stringify(v) ?? String(v);
  try {
    const u = new URL(o.servicesUrl);
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) throw new Error('scheme');
  } catch {
    problems.push({ field: 'servicesUrl', rule: 'must be an http:// or ws:// URL like http://127.0.0.1:5070', got: got(o.servicesUrl) });
  }
  if (o.host !== undefined && o.host.trim() === '') problems.push({ field: 'host', rule: 'must be an address to listen on, like 127.0.0.1', got: got(o.host) });
  if (o.adminPort !== undefined && !(Number.isInteger(o.adminPort) && o.adminPort >= 0 && o.adminPort <= 65_535)) {
    problems.push({ field: 'adminPort', rule: 'must be a port number from 0 to 65535 (0 picks a free one)', got: got(o.adminPort) });
  }
  if (o.algorithm !== undefined && !ALGORITHMS.includes(o.algorithm)) problems.push({ field: 'algorithm', rule: `must be one of ${ALGORITHMS.join(', ')}`, got: got(o.algorithm) });
  if (o.connectTimeoutMs !== undefined && !(Number.isFinite(o.connectTimeoutMs) && o.connectTimeoutMs > 0)) {
    problems.push({ field: 'connectTimeoutMs', rule: 'must be more than 0 ms', got: got(o.connectTimeoutMs) });
  }
  if (o.forwarding !== undefined && !FORWARDINGS.includes(o.forwarding)) problems.push({ field: 'forwarding', rule: `must be one of ${FORWARDINGS.join(', ')}`, got: got(o.forwarding) });
  else if (o.forwarding === Forwarding.HANDLES && !tcpHandles()) problems.push({ field: 'forwarding', rule: `must be streams: this Node (${process.version}) does not have the TCP handles the handles forwarding uses`, got: got(o.forwarding) });
  return problems;
}

/** The stream URL of a services API base. */
export function endpointsStreamUrl(servicesUrl: string): string {
  const u = new URL(servicesUrl.replace(/^http(s?):/, 'ws$1:'));
  u.pathname = `${u.pathname.replace(/\/$/, '')}/api/v1/stream`;
  u.search = '?include=endpoints';
  return u.toString();
}

const quiet: LbLog = { info: () => undefined, warn: () => undefined, debug: () => undefined };
const LISTEN_RETRY_MS = 1_000;
const REFUSED_RETRY_MS = 5_000;

class Balancer {
  #ports = new Map<number, ServicePort>();
  #host: string;
  #options: LoadBalancerOptions;
  #log: LbLog;
  #lastProblems = '';
  #retry: NodeJS.Timeout | undefined;
  #forwarding: Forwarding;

  constructor(options: LoadBalancerOptions, log: LbLog) {
    this.#options = options;
    this.#forwarding = options.forwarding ?? defaultForwarding();
    this.#host = options.host ?? '127.0.0.1';
    this.#log = log;
  }

  get ports(): IterableIterator<ServicePort> {
    return this.#ports.values();
  }

  applyDocument(doc: Record<string, unknown>): void {
    const { services, problems } = decodeEndpoints(doc);
    const text = problems.join('; ');
    if (text !== this.#lastProblems && text !== '') this.#log.warn({ problems }, 'left out services whose endpoints are not valid');
    this.#lastProblems = text;
    this.apply(services);
  }

  apply(services: readonly ServiceEndpoints[]): void {
    const wanted = new Map<number, { service: ServiceEndpoints; name: string }>();
    for (const service of [...services].sort((a, b) => a.id.localeCompare(b.id))) {
      for (const [name, servicePort] of Object.entries(service.servicePorts)) {
        const taken = wanted.get(servicePort);
        if (taken) this.#log.warn({ servicePort, service: service.id, holder: taken.service.id }, 'service port claimed twice; the first service keeps it');
        else wanted.set(servicePort, { service, name });
      }
    }
    for (const [servicePort, port] of this.#ports) {
      const w = wanted.get(servicePort);
      if (w && w.service.id === port.serviceId && w.name === port.portName) continue;
      this.#ports.delete(servicePort);
      this.#log.info({ service: port.serviceId, port: port.portName, servicePort }, 'service port closed');
      void port.close(false);
    }
    for (const [servicePort, { service, name }] of wanted) {
      let port = this.#ports.get(servicePort);
      if (!port) {
        port = new ServicePort({ serviceId: service.id, portName: name, servicePort, host: this.#host, algorithm: service.algorithm, connectTimeoutMs: this.#options.connectTimeoutMs ?? 3_000, forwarding: this.#forwarding, log: this.#log });
        this.#ports.set(servicePort, port);
        this.#listen(port);
      }
      const graceMs = service.killGracePeriodSeconds * 1000;
      const addr = (e: ServiceEndpoints['endpoints'][number]) => ({ id: e.id, host: e.host, port: e.ports[name] as number });
      port.update(
        service.endpoints.filter((e) => e.ports[name] !== undefined).map(addr),
        service.draining.filter((e) => e.ports[name] !== undefined).map((e) => ({ ...addr(e), closeAtMs: e.drainingSinceMs + graceMs })),
        this.#options.algorithm ?? service.algorithm,
      );
    }
  }

  #listen(port: ServicePort): void {
    port.listen().then(
      () => this.#log.info({ service: port.serviceId, port: port.portName, servicePort: port.servicePort, host: this.#host }, 'service port listening'),
      (err: unknown) => {
        this.#log.warn({ service: port.serviceId, servicePort: port.servicePort, err: (err as Error).message }, `cannot listen on the service port; retrying every ${LISTEN_RETRY_MS} ms`);
        this.#retry ??= setTimeout(() => {
          this.#retry = undefined;
          for (const p of this.#ports.values()) if (!p.listening) this.#listen(p);
        }, LISTEN_RETRY_MS);
      },
    );
  }

  async close(): Promise<void> {
    clearTimeout(this.#retry);
    const ports = [...this.#ports.values()];
    this.#ports.clear();
    await Promise.all(ports.map((p) => p.close(true)));
  }
}

/** Starts the load balancer; rejects when the options are not valid or the admin port cannot be had. */
export async function startLoadBalancer(options: LoadBalancerOptions): Promise<LoadBalancer> {
  const problems = checkLoadBalancerOptions(options);
  if (problems.length > 0) throw new Error(`load balancer options are not valid: ${problems.map((p) => `${p.field} ${p.rule}, got ${p.got}`).join('; ')}`);
  const log = options.log ?? quiet;
  const balancer = new Balancer(options, log);
  const abort = new AbortController();
  let connected = false;
  let updates = 0;
  const registry = lbMetrics(() => balancer.ports, () => connected);
  const host = options.host ?? '127.0.0.1';
  const admin: { url: string; server: Server } = await startAdminHttp(host, options.adminPort ?? 5090, options.adminTls, {
    registry,
    stats: () => lbStats(balancer.ports),
    health: () => ({ ok: true, stream: connected ? 'connected' : 'away', updates, listeners: [...balancer.ports].filter((p) => p.listening).length }),
  }, options.auth);
  const streamUrl = endpointsStreamUrl(options.servicesUrl);
  const watchOptions: WatchOptions = {
    signal: abort.signal,
    ...(options.servicesToken ? { headers: { authorization: `Bearer ${options.servicesToken}` } } : {}),
    tls: options.tls,
    onUpdate: (doc) => {
      if (!connected) log.info({ url: streamUrl }, 'endpoints stream connected');
      connected = true;
      updates++;
      balancer.applyDocument(doc);
    },
    onStatus: (message) => {
      if (connected) log.warn({ url: streamUrl, why: message }, 'endpoints stream away; serving the last endpoints');
      connected = false;
    },
  };
  // The watcher stops on a refusal that retrying will not fix (an API without the stream, a bad
  // query); the services framework may be upgraded meanwhile, so a new watcher tries again later.
  const follow = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      const watcher: StateWatcher = watchState(streamUrl, watchOptions);
      await watcher.done.catch((err: unknown) => log.warn({ url: streamUrl, err: (err as Error).message }, `endpoints stream refused; serving the last endpoints and trying again in ${REFUSED_RETRY_MS} ms`));
      await sleep(REFUSED_RETRY_MS, abort.signal);
    }
  };
  const done = follow();
  return {
    adminUrl: admin.url,
    async close() {
      abort.abort();
      await done;
      await balancer.close();
      admin.server.closeAllConnections();
      await new Promise<void>((resolve) => admin.server.close(() => resolve()));
    },
  };
}
