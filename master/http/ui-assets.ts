// The web UI's side of the master's HTTP server: the bundle (built by scripts/build-ui.mjs into
// dist/master/ui/) at `/` and `/ui/*`, the index for every other non-API path (client-side
// routes), the framework links the UI may show, and a read-only proxy to those frameworks' APIs
// (so the browser needs no cross-origin calls to them), the frameworks' streams too.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BerthError, ErrorCode, type ClientTls } from '../../protocol/index.js';
import { frameworkRequest, PROXIED_STREAM, proxyUpgrade, refuseUpgrade, unanswered } from './ui-stream-proxy.js';

/** The framework HTTP APIs the UI reads (services, batch), each an http:// or https:// base URL. */
export interface FrameworkLinks {
  services?: string;
  batch?: string;
}

export const FRAMEWORK_LINK_NAMES = ['services', 'batch'] as const;

/** Checks framework links from outside (flags, options), naming the field and the rule. */
export function checkFrameworkLinks(links: unknown, field = 'frameworkLinks'): FrameworkLinks {
  if (links === undefined) return {};
  if (typeof links !== 'object' || links === null || Array.isArray(links)) throw new BerthError(ErrorCode.BAD_REQUEST, `${field} must be an object like {"services": "http://127.0.0.1:5070"}`, { field });
  const out: FrameworkLinks = {};
  for (const [name, value] of Object.entries(links)) {
    if (!(FRAMEWORK_LINK_NAMES as readonly string[]).includes(name)) {
      throw new BerthError(ErrorCode.BAD_REQUEST, `${field}.${name} is unknown; the links are ${FRAMEWORK_LINK_NAMES.join(', ')}`, { field: `${field}.${name}` });
    }
    if (value === undefined || value === '') continue;
    let url: URL | undefined;
    try {
      url = new URL(String(value));
    } catch {
      url = undefined;
    }
    if (typeof value !== 'string' || !url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new BerthError(ErrorCode.BAD_REQUEST, `${field}.${name} must be an http:// or https:// URL, got ${JSON.stringify(value)}`, { field: `${field}.${name}` });
    }
    out[name as keyof FrameworkLinks] = value.replace(/\/+$/, '');
  }
  return out;
}

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

const NOT_BUILT = '<!doctype html><meta charset="utf-8"><title>berth</title><p>The web UI is not built. Run <code>npm run build</code> (or <code>node scripts/build-ui.mjs</code>) and reload.</p>';

/** Where the bundle is: dist/master/ui next to the compiled server, or the built one when running from sources. */
function defaultUiDir(): string {
  const beside = fileURLToPath(new URL('../ui/', import.meta.url));
  if (existsSync(`${beside}app.js`)) return beside;
  return fileURLToPath(new URL('../../dist/master/ui/', import.meta.url));
}

export class UiAssets {
  #dir: string;
  #links: FrameworkLinks;
  #cache = new Map<string, Buffer>();
  #tls: ClientTls | undefined;

  /** `frameworkTls`: what the proxy trusts and shows when a link is https://. */
  constructor(options: { dir?: string; frameworkLinks?: FrameworkLinks; frameworkTls?: ClientTls | undefined } = {}) {
    this.#dir = (options.dir ?? defaultUiDir()).replace(/\/?$/, '/');
    this.#links = checkFrameworkLinks(options.frameworkLinks);
    this.#tls = options.frameworkTls;
  }

  /** Sets the framework links (frameworks started after the master, as `berth dev` does). */
  setLinks(links: FrameworkLinks): void {
    this.#links = checkFrameworkLinks(links);
  }

  /** The links the UI shows (GET /ui/links.json). */
  get links(): FrameworkLinks {
    return this.#links;
  }

  /** Whether path is part of the UI's static shell (HTML, JS, CSS), open without a token. */
  isShell(path: string): boolean {
    if (path.startsWith('/api/') || path === '/metrics' || path === '/health' || path.startsWith('/ui/proxy/') || path === '/ui/links.json') return false;
    return ASSETS[path.startsWith('/ui/') ? path.slice('/ui/'.length) : 'index.html'] !== undefined;
  }

  /** Answers GET requests outside /api/, /metrics and /health; false when the path is not the UI's. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const path = url.pathname;
    if (path.startsWith('/api/') || path === '/metrics' || path === '/health') return false;
    if (path.startsWith('/ui/proxy/')) {
      this.proxy(req, res, url);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/ui/links.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ frameworks: this.#links }));
      return true;
    }
    const asset = path.startsWith('/ui/') ? path.slice('/ui/'.length) : 'index.html';
    const type = ASSETS[asset];
    if (!type) return false;
    const body = this.#read(asset);
    if (!body) {
      res.writeHead(asset === 'index.html' ? 503 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(NOT_BUILT);
      return true;
    }
    res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': asset === 'index.html' ? 'no-cache' : 'max-age=60' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }

  #read(asset: string): Buffer | undefined {
    const cached = this.#cache.get(asset);
    if (cached) return cached;
    const file = `${this.#dir}${asset}`;
    if (!existsSync(file)) return undefined;
    const body = readFileSync(file);
    this.#cache.set(asset, body);
    return body;
  }

  /** A WebSocket upgrade of /ui/proxy/NAME/api/v1/stream, sent on to the framework's stream. */
  proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://master');
    const [, , , name = '', ...rest] = url.pathname.split('/');
    const base = this.#links[name as keyof FrameworkLinks];
    const path = `/${rest.join('/')}`;
    if (!base) return refuseUpgrade(socket, 404, 'Not Found', { code: ErrorCode.NOT_FOUND, message: `no framework link ${JSON.stringify(name)}`, field: 'name' });
    if (!PROXIED_STREAM.test(path)) return refuseUpgrade(socket, 400, 'Bad Request', { code: ErrorCode.BAD_REQUEST, message: 'the framework proxy carries only WebSockets of /api/v1/stream', field: 'path' });
    proxyUpgrade(new URL(`${base}${path}${url.search}`), name, req, socket, head, this.#tls);
  }

  /** GET /ui/proxy/NAME/REST -> GET LINK/REST: reads only, so the UI cannot change a framework through the master. */
  proxy(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const [, , , name = '', ...rest] = url.pathname.split('/');
    const base = this.#links[name as keyof FrameworkLinks];
    if (!base) throw new BerthError(ErrorCode.NOT_FOUND, `no framework link ${JSON.stringify(name)}; the master was started with ${Object.keys(this.#links).join(', ') || 'none'} (option frameworkLinks)`, { field: 'name' });
    if (req.method !== 'GET') throw new BerthError(ErrorCode.BAD_REQUEST, 'the framework proxy is read-only: only GET', { field: 'method' });
    const target = new URL(`${base}/${rest.join('/')}${url.search}`);
    // The caller's token goes on: the framework's API checks it for its own actions.
    const authorization = req.headers.authorization;
    const out = frameworkRequest(target, { method: 'GET', headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) }, timeout: 10_000 }, this.#tls, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json', 'cache-control': 'no-store' });
      answer.pipe(res);
    });
    out.on('timeout', () => out.destroy(new Error('no answer in 10 s')));
    out.on('error', (err) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'UNAVAILABLE', message: unanswered(name, base, err) }));
    });
    res.on('close', () => out.destroy());
    out.end();
  }
}
