// The master's HTTP adapter: the operator API (JSON), metrics, and the WebSocket endpoints for
// agents and schedulers. Errors are {code, message} with the status from protocol/errors.ts.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Action, ANONYMOUS, authHeaders, type Principal } from '../../protocol/auth/index.js';
import { BerthError, ChannelServer, createHttpServer, ErrorCode, httpStatus, StatePublisher, type ChannelOptions, type ClientTls, type ServerTls } from '../../protocol/index.js';
import type { Master } from '../master.js';
import { MesosSchedulerApi } from '../mesos/index.js';
import { masterMetrics } from '../metrics.js';
import { operatorRoutes } from './operator-routes.js';
import { AUTHENTICATED, can, OPEN, Router, type Access, type Handler, type RawHandler, type RouteInfo } from './router.js';
import { stateStreamRoute } from './state-stream-route.js';
import { UiAssets, type FrameworkLinks } from './ui-assets.js';

export interface ApiServerOptions {
  channel?: ChannelOptions;
  /** Serve https and wss with this certificate (and, with a client CA, require client certificates). */
  tls?: ServerTls | undefined;
  processMetrics?: boolean;
  /** How often the state stream sends its batched deltas (default 250 ms). */
  streamTickMs?: number;
  /** How many deltas each stream view keeps for clients that resume (default 1,000). */
  streamHistory?: number;
  /** The framework APIs the web UI reads through /ui/proxy/NAME (docs/ui.md). */
  frameworkLinks?: FrameworkLinks;
  /** For https:// framework links: the CA to trust (else the system's) and the client certificate to show. */
  frameworkTls?: ClientTls | undefined;
  /** Where the web UI's bundle is (default dist/master/ui). */
  uiDir?: string;
  /** How often the Mesos scheduler API sends HEARTBEAT events (default 15 s, as Mesos). */
  mesosHeartbeatIntervalMs?: number;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Reads a request body (at most 1 MiB; a larger one is a BAD_REQUEST). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BerthError(ErrorCode.BAD_REQUEST, `request body is over ${MAX_BODY_BYTES} bytes`, { field: 'body' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON request body (at most 1 MiB); bad JSON is a BAD_REQUEST naming the problem. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  try {
    return text === '' ? {} : (JSON.parse(text) as unknown);
  } catch (err) {
    throw new BerthError(ErrorCode.BAD_REQUEST, `request body is not JSON: ${(err as Error).message}`, { field: 'body' });
  }
}

export class ApiServer {
  readonly server: Server;
  readonly channels: ChannelServer;
  #log: Logger;
  #metrics: Registry | undefined;
  #processMetrics: boolean;
  #router = new Router();
  #master: Master | undefined;
  #streamTickMs: number;
  #streamHistory: number;
  #streamTimer: NodeJS.Timeout | undefined;
  #ui: UiAssets;
  #mesosHeartbeatIntervalMs: number;
  /** The Mesos v1 scheduler API (POST /api/v1/scheduler), set once a master is attached. */
  mesos: MesosSchedulerApi | undefined;
  /** The state stream's publisher (set once a master is attached). */
  stream: StatePublisher | undefined;

  constructor(log: Logger, options: ApiServerOptions) {
    this.#log = log.child({ component: 'http' });
    this.#streamTickMs = options.streamTickMs ?? 250;
    this.#streamHistory = options.streamHistory ?? 1_000;
    this.#processMetrics = options.processMetrics ?? false;
    this.#mesosHeartbeatIntervalMs = options.mesosHeartbeatIntervalMs ?? 15_000;
    this.#ui = new UiAssets({ ...(options.uiDir ? { dir: options.uiDir } : {}), ...(options.frameworkLinks ? { frameworkLinks: options.frameworkLinks } : {}), frameworkTls: options.frameworkTls });
    this.server = createHttpServer(options.tls, (req, res) => void this.#handle(req, res));
    this.channels = new ChannelServer(this.server, options.channel ?? {});
    this.channels.upgradePrefix('/ui/proxy/', (req, socket, head) => this.#ui.proxyUpgrade(req, socket, head));
    this.#router.websocket('/ui/proxy/*', can(Action.READ));
  }

  /** Serves this master (after listen(), so the master can advertise the bound port). */
  attach(master: Master): void {
    this.#master = master;
    const r = this.#router;
    const auth = master.auth;
    // Every upgrade is authenticated before it is upgraded; a refusal is the HTTP answer itself.
    this.channels.guard((req, path) => {
      const principal = auth.authenticate(req.headers);
      const access = r.upgradeAccess(path);
      if (access?.kind === 'action') auth.authorize(principal, access.action);
      return principal;
    });
    this.channels.route('/api/v1/agent', master.agentRoute());
    r.websocket('/api/v1/agent', can(Action.REGISTER_AGENT));
    this.channels.route('/api/v1/scheduler', master.schedulerRoute());
    // register_framework is per role: the core checks it at SUBSCRIBE.
    r.websocket('/api/v1/scheduler', AUTHENTICATED);
    r.websocket('/api/v1/stream', can(Action.READ));
    this.#metrics = masterMetrics(master, this.channels.counters, { processMetrics: this.#processMetrics });
    const stream = new StatePublisher({ read: () => master.state() as unknown as Record<string, unknown>, historyLimit: this.#streamHistory });
    this.stream = stream;
    this.channels.textRoute('/api/v1/stream', stateStreamRoute(stream, () => {
      const leader = master.leadership === 'leading' ? undefined : master.leader;
      return leader && leader.masterId !== master.id ? `${leader.url.replace(/^http/, 'ws')}/api/v1/stream` : undefined;
    }));
    this.#streamTimer = setInterval(() => {
      try {
        stream.tick();
      } catch (err) {
        this.#log.error({ err }, 'state stream tick failed');
      }
    }, this.#streamTickMs);
    this.#streamTimer.unref();
    const read = can(Action.READ);
    this.route('GET', '/health', OPEN, () => {
      // A leader that cannot write says so: it still answers reads, and rides out a short outage.
      const store = master.storeHealth();
      return { status: store.writable ? 'ok' : 'degraded', leadership: master.leadership, epoch: master.epoch, store, ...master.summary() };
    });
    this.rawRoute('GET', '/metrics', read, (_req, res) => {
      const metrics = this.#metrics as Registry;
      void metrics.metrics().then((body) => {
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(body);
      }, (err: unknown) => this.#fail(res, err));
    });
    this.route('GET', '/api/v1/state', read, () => master.state());
    this.route('GET', '/api/v1/leader', read, () => ({ leader: master.leader, self: master.id }));
    this.route('GET', '/api/v1/roles', read, () => master.roles());
    this.route('GET', '/api/v1/agents', read, () => master.state().agents);
    operatorRoutes((method, path, access, handler) => this.route(method, path, access, handler), readJson, master);
    const mesos = new MesosSchedulerApi({ route: () => master.schedulerRoute(), readBody, log: this.#log, heartbeatIntervalMs: this.#mesosHeartbeatIntervalMs });
    this.mesos = mesos;
    this.rawRoute('POST', '/api/v1/scheduler', AUTHENTICATED, (req, res, _url, _params, principal) => mesos.handle(req, res, principal));
    this.rawRoute('GET', '/api/v1/tasks/:id/logs', read, (req, res, url, params) => {
      const follow = ['1', 'true', 'yes'].includes(url.searchParams.get('follow') ?? '');
      const tail = Number(url.searchParams.get('tail') ?? 0);
      if (!Number.isInteger(tail) || tail < 0) throw new BerthError(ErrorCode.BAD_REQUEST, 'tail must be a whole number >= 0', { field: 'tail' });
      let started = false;
      const begin = (): void => {
        if (started) return;
        started = true;
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      };
      const cancel = master.taskLogs(params.id ?? '', { follow, tail }, {
        write(lines) {
          begin();
          res.write(`${lines.join('\n')}\n`);
        },
        end(error) {
          if (!started && error) {
            res.writeHead(503, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ code: ErrorCode.AGENT_UNKNOWN, message: error }));
            return;
          }
          begin();
          res.end(error ? `berth: ${error}\n` : undefined);
        },
      });
      req.on('close', cancel);
    });
    this.route('GET', '/ui/links.json', read, () => ({ frameworks: this.#ui.links }));
    this.route('GET', '/ui/proxy/:path*', read, () => undefined, (req, res, url) => this.#ui.proxy(req, res, url));
    this.route('GET', '/api/v1/explain', read, (_req, url) => {
      const framework = url.searchParams.get('framework');
      const role = url.searchParams.get('role');
      if (!framework === !role) throw new BerthError(ErrorCode.BAD_REQUEST, 'give exactly one of ?framework=ID or ?role=NAME', { field: 'query' });
      return master.explain(framework ? { frameworkId: framework } : { role: role as string });
    });
  }

  /** Links the web UI to framework APIs started after the master (docs/ui.md). */
  linkFrameworks(links: FrameworkLinks): void {
    this.#ui.setLinks(links);
  }

  /** Adds a route whose handler writes the response itself (it may still throw a BerthError first). */
  rawRoute(method: string, path: string, access: Access, raw: RawHandler): void {
    this.route(method, path, access, () => undefined, raw);
  }

  /** Adds a JSON route (":name" segments are parameters); handlers return a value or throw a BerthError. */
  route(method: string, path: string, access: Access, handler: Handler, raw?: RawHandler): void {
    this.#router.add(method, path, access, handler, raw);
  }

  /** Every route with who may call it (docs/security.md lists them). */
  routes(): readonly RouteInfo[] {
    return this.#router.table();
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    clearInterval(this.#streamTimer);
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      const method = req.method ?? 'GET';
      const found = this.#router.match(method, url.pathname);
      // Only GET /health and the web UI's shell (which then asks for a token) are open.
      const shell = !found && this.#ui.isShell(url.pathname);
      const principal = shell ? ANONYMOUS : this.#admit(req, url, found?.access ?? AUTHENTICATED, found?.params ?? {});
      // A standby sends API callers to the leader, so a CLI pointed at any master works.
      const leader = this.#master?.leadership === 'leading' ? undefined : this.#master?.leader;
      if (leader && leader.masterId !== this.#master?.id && url.pathname.startsWith('/api/v1/') && url.pathname !== '/api/v1/leader') {
        res.writeHead(307, { location: `${leader.url.replace(/^ws/, 'http')}${url.pathname}${url.search}` });
        res.end();
        return;
      }
      if (!found && this.#ui.handle(req, res, url)) return;
      if (!found) throw new BerthError(ErrorCode.NOT_FOUND, `no route ${method} ${url.pathname}; see docs/api.md`);
      if (found.raw) return found.raw(req, res, url, found.params, principal);
      const body = await found.handler(req, url, found.params, principal);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    } catch (err) {
      this.#fail(res, err);
    }
  }

  /** Who calls, if the route lets them: throws UNAUTHENTICATED, RATE_LIMITED or FORBIDDEN otherwise. */
  #admit(req: IncomingMessage, url: URL, access: Access, params: Record<string, string>): Principal {
    const auth = this.#master?.auth;
    if (!auth || access.kind === 'open') return ANONYMOUS;
    const principal = auth.authenticate(req.headers);
    if (access.kind === 'action') {
      for (const object of access.objects?.(params, url) ?? [{}]) auth.authorize(principal, access.action, object);
    }
    return principal;
  }

  #fail(res: ServerResponse, err: unknown): void {
    const e = err instanceof BerthError ? err : new BerthError(ErrorCode.INTERNAL, 'internal error; see the master log', { cause: err });
    if (e.code === ErrorCode.INTERNAL) this.#log.error({ err }, 'request failed');
    if (res.headersSent) return void res.end();
    res.writeHead(httpStatus[e.code], { 'content-type': 'application/json', ...authHeaders(e) });
    res.end(JSON.stringify({ code: e.code, message: e.message, field: e.field || undefined }));
  }
}
