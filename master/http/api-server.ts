// The master's HTTP adapter: the operator API (JSON), metrics, and the WebSocket endpoints for
// agents and schedulers. Errors are {code, message} with the status from protocol/errors.ts.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { BerthError, ChannelServer, createHttpServer, ErrorCode, httpStatus, StatePublisher, type ChannelOptions, type ServerTls } from '../../protocol/index.js';
import type { Master } from '../master.js';
import { MesosSchedulerApi } from '../mesos/index.js';
import { masterMetrics } from '../metrics.js';
import { operatorRoutes } from './operator-routes.js';
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
  /** Where the web UI's bundle is (default dist/master/ui). */
  uiDir?: string;
  /** How often the Mesos scheduler API sends HEARTBEAT events (default 15 s, as Mesos). */
  mesosHeartbeatIntervalMs?: number;
}

type Handler = (req: IncomingMessage, url: URL, params: Record<string, string>) => Promise<unknown> | unknown;
/** A handler that writes the response itself (streams). */
type RawHandler = (req: IncomingMessage, res: ServerResponse, url: URL, params: Record<string, string>) => void;

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
  #routes = new Map<string, Handler>();
  #patterns: { method: string; pattern: RegExp; names: string[]; handler: Handler; raw?: RawHandler | undefined }[] = [];
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
    this.#ui = new UiAssets({ ...(options.uiDir ? { dir: options.uiDir } : {}), ...(options.frameworkLinks ? { frameworkLinks: options.frameworkLinks } : {}) });
    this.server = createHttpServer(options.tls, (req, res) => void this.#handle(req, res));
    this.channels = new ChannelServer(this.server, options.channel ?? {});
    this.channels.upgradePrefix('/ui/proxy/', (req, socket, head) => this.#ui.proxyUpgrade(req, socket, head));
  }

  /** Serves this master (after listen(), so the master can advertise the bound port). */
  attach(master: Master): void {
    this.#master = master;
    this.channels.route('/api/v1/agent', master.agentRoute());
    this.channels.route('/api/v1/scheduler', master.schedulerRoute());
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
    this.#routes.set('GET /health', () => {
      // A leader that cannot write says so: it still answers reads, and rides out a short outage.
      const store = master.storeHealth();
      return { status: store.writable ? 'ok' : 'degraded', leadership: master.leadership, epoch: master.epoch, store, ...master.summary() };
    });
    this.#routes.set('GET /api/v1/state', () => master.state());
    this.#routes.set('GET /api/v1/leader', () => ({ leader: master.leader, self: master.id }));
    this.#routes.set('GET /api/v1/roles', () => master.roles());
    this.#routes.set('GET /api/v1/agents', () => master.state().agents);
    operatorRoutes((method, path, handler) => this.route(method, path, handler), readJson, master);
    const mesos = new MesosSchedulerApi({ route: () => master.schedulerRoute(), readBody, log: this.#log, heartbeatIntervalMs: this.#mesosHeartbeatIntervalMs });
    this.mesos = mesos;
    this.rawRoute('POST', '/api/v1/scheduler', (req, res) => mesos.handle(req, res));
    this.rawRoute('GET', '/api/v1/tasks/:id/logs', (req, res, url, params) => {
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
    this.#routes.set('GET /api/v1/explain', (_req, url) => {
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
  rawRoute(method: string, path: string, raw: RawHandler): void {
    this.route(method, path, () => undefined, raw);
  }

  /** Adds a JSON route (":name" segments are parameters); handlers return a value or throw a BerthError. */
  route(method: string, path: string, handler: Handler, raw?: RawHandler): void {
    if (!path.includes('/:') && !raw) {
      this.#routes.set(`${method} ${path}`, handler);
      return;
    }
    const names: string[] = [];
    const pattern = new RegExp(`^${path.replace(/:([a-zA-Z]+)/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`);
    this.#patterns.push({ method, pattern, names, handler, raw });
  }

  #match(method: string, path: string): { handler: Handler; raw?: RawHandler | undefined; params: Record<string, string> } | undefined {
    const exact = this.#routes.get(`${method} ${path}`);
    if (exact) return { handler: exact, params: {} };
    for (const p of this.#patterns) {
      const m = p.method === method ? p.pattern.exec(path) : null;
      if (m) return { handler: p.handler, raw: p.raw, params: Object.fromEntries(p.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')])) };
    }
    return undefined;
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
      if (req.method === 'GET' && url.pathname === '/metrics' && this.#metrics) {
        const body = await this.#metrics.metrics();
        res.writeHead(200, { 'content-type': this.#metrics.contentType });
        res.end(body);
        return;
      }
      // A standby sends API callers to the leader, so a CLI pointed at any master works.
      const leader = this.#master?.leadership === 'leading' ? undefined : this.#master?.leader;
      if (leader && leader.masterId !== this.#master?.id && url.pathname.startsWith('/api/v1/') && url.pathname !== '/api/v1/leader') {
        res.writeHead(307, { location: `${leader.url.replace(/^ws/, 'http')}${url.pathname}${url.search}` });
        res.end();
        return;
      }
      const found = this.#match(req.method ?? 'GET', url.pathname);
      if (!found && this.#ui.handle(req, res, url)) return;
      if (!found) throw new BerthError(ErrorCode.NOT_FOUND, `no route ${req.method} ${url.pathname}; see docs/api.md`);
      if (found.raw) return found.raw(req, res, url, found.params);
      const body = await found.handler(req, url, found.params);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    } catch (err) {
      const e = err instanceof BerthError ? err : new BerthError(ErrorCode.INTERNAL, 'internal error; see the master log', { cause: err });
      if (e.code === ErrorCode.INTERNAL) this.#log.error({ err }, 'request failed');
      res.writeHead(httpStatus[e.code], { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: e.code, message: e.message, field: e.field || undefined }));
    }
  }
}
