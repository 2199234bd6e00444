// The services framework's HTTP API (node:http): plan and apply spec files, read services, scale,
// restart, roll back and remove them (docs/api.md). Every body is checked before anything is done;
// errors are {code, message, field, problems?} with the status protocol/errors.ts gives the code.
// Every change, refused ones too, is recorded in the audit log before its answer (GET /api/v1/audit).
// With an Authenticator every route but GET /health needs a token: services.read for GETs and
// the stream, services.write for the rest (plan included, as Nomad's job plan needs submit-job).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ChannelServer, createHttpServer, httpScheme, httpStatus, StatePublisher, type ServerTls } from '../../protocol/index.js';
import type { Authenticator } from '../../protocol/auth/index.js';
import type { ApplyAnswer, Refusal, Result, ServicesCommands } from './commands.js';
import { RESERVED_SEGMENTS } from './file-check.js';
import { emptyBody, HttpError, jsonObjectBody, rollbackBody, scaleBody, specBody } from './http-bodies.js';
import { servicesMetrics } from './metrics.js';
import { servicesStreamRoute, streamDocument } from './state-stream.js';
import { AuditWriteError, FrameworkAudit, allowCall, auditCaller, auditReadLimit, auditUser, guardUpgrades, type AuditWhat, type FrameworkAction, type FrameworkAuditStore } from './sdk-adapter.js';

export interface ServicesApiLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ServicesHttpApiOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Serve https (with a client CA: only to clients with a certificate it signed). */
  tls?: ServerTls | undefined;
  log: ServicesApiLog;
  /** What /metrics serves; default: the gauges of servicesMetrics over the commands' view. */
  registry?: Registry;
  /** Where the audit events of changes are kept (the services store). */
  audit: FrameworkAuditStore;
  /** How often the state stream looks for changes (default 100 ms). */
  streamTickMs?: number;
  /** Checks every call but GET /health (docs/security.md); absent or disabled: open. */
  auth?: Authenticator;
}

export interface ServicesHttpApi {
  url: string;
  close(): Promise<void>;
}

const PREFIX = '/api/v1/services';

/** What a path names: the collection, the plan call, one service, or an action on one. */
type Target =
  | { kind: 'collection' }
  | { kind: 'plan' }
  | { kind: 'service'; id: string }
  | { kind: 'action'; id: string; action: string };

/**
 * Reads `/api/v1/services/team/web[/action]` (or `%2Fteam%2Fweb`): the id loses no segment, and a
 * last segment that names an action is the action (apply refuses such ids).
 */
export function targetOf(pathname: string, method: string): Target | undefined {
  if (!pathname.startsWith(PREFIX)) return undefined;
  const rest = pathname.slice(PREFIX.length);
  if (rest === '' || rest === '/') return { kind: 'collection' };
  if (!rest.startsWith('/')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest.slice(1));
  } catch {
    throw new HttpError('BAD_REQUEST', `the path ${pathname} is not valid percent-encoding`, 'path');
  }
  const path = decoded.replace(/^\/+/, '').replace(/\/+$/, '');
  if (path === 'plan' && method === 'POST') return { kind: 'plan' };
  const segments = path.split('/');
  const last = segments[segments.length - 1]!;
  if (segments.length > 1 && RESERVED_SEGMENTS.includes(last)) return { kind: 'action', id: `/${segments.slice(0, -1).join('/')}`, action: last };
  return { kind: 'service', id: `/${path}` };
}

type Handler = (req: IncomingMessage) => Promise<unknown>;
/** Runs a change as `what`, recorded with who asked; `done` names the events of a success. */
type Audited = (req: IncomingMessage, what: AuditWhat, change: () => Promise<object>, done?: (value: object) => AuditWhat[]) => Promise<unknown>;

function fromRefusal(r: Refusal): HttpError {
  return new HttpError(r.code, r.message, r.field, r.problems ? { problems: r.problems } : {});
}

/** The answer of a command, or its refusal thrown as an HttpError. */
function answer<T extends object>(r: Result<T>): Omit<T, 'ok'> {
  if (!r.ok) throw fromRefusal(r);
  const { ok: _ok, ...rest } = r as { ok: true } & T;
  return rest;
}

/** The events of an apply that succeeded: one per service of the file, with its version and change. */
function applied(value: object): AuditWhat[] {
  return (value as ApplyAnswer).services.map((s) => ({ action: 'service.apply', subject: `service${s.id}`, details: { version: s.version, change: s.change } }));
}

/** A change whose JSON body gives its event's details; a body that cannot be read is recorded as refused. */
async function withBody(req: IncomingMessage, audited: Audited, what: AuditWhat, details: (body: Record<string, unknown>) => Record<string, unknown>, run: (body: Record<string, unknown>) => Promise<object>): Promise<unknown> {
  const body = await jsonObjectBody(req).catch((err: unknown) => err as Error);
  if (body instanceof Error) return audited(req, what, () => Promise.reject(body));
  return audited(req, { ...what, details: details(body) }, () => run(body));
}

/** The action a call needs: reads read, everything else writes. */
export function servicesActionOf(method: string): FrameworkAction {
  return method === 'GET' || method === 'HEAD' ? 'services.read' : 'services.write';
}

/** Paths outside /api/v1/services, each with its one method (GET). */
const FIXED_ROUTES = ['/health', '/metrics', '/api/v1/audit', '/api/v1/endpoints'];

/**
 * Every route of the API as `METHOD PATTERN` (`{id}` a service id), read off the handlers, so a
 * test can go through them all; the stream is `WS /api/v1/stream`.
 */
export function servicesApiRoutes(): string[] {
  const targets: [Target, string][] = [
    [{ kind: 'collection' }, PREFIX],
    [{ kind: 'plan' }, `${PREFIX}/plan`],
    [{ kind: 'service', id: '/{id}' }, `${PREFIX}/{id}`],
    ...RESERVED_SEGMENTS.map((action): [Target, string] => [{ kind: 'action', id: '/{id}', action }, `${PREFIX}/{id}/${action}`]),
  ];
  const none = undefined as unknown as ServicesCommands;
  const api = targets.flatMap(([target, pattern]) => Object.keys(handlers(target, none, () => Promise.resolve({}))).map((method) => `${method} ${pattern}`));
  return [...FIXED_ROUTES.map((p) => `GET ${p}`), ...api, 'WS /api/v1/stream'];
}

/** The handlers of one target by method. */
function handlers(target: Target, c: ServicesCommands, audited: Audited): Record<string, Handler> {
  switch (target.kind) {
    case 'collection':
      return {
        GET: async () => ({ services: await c.list() }),
        POST: (req) => audited(req, { action: 'service.apply', subject: 'service/*' }, async () => answer(await c.apply(await specBody(req))), applied),
      };
    case 'plan':
      return { POST: async (req) => answer(await c.plan(await specBody(req))) };
    case 'service': {
      const subject = `service${target.id}`;
      return {
        GET: async () => answer(await c.get(target.id)),
        DELETE: (req) => audited(req, { action: 'service.remove', subject }, async () => {
          emptyBody(await jsonObjectBody(req));
          return answer(await c.remove(target.id));
        }),
      };
    }
    case 'action': {
      const subject = `service${target.id}`;
      switch (target.action) {
        case 'history':
          return { GET: async () => answer(await c.history(target.id)) };
        case 'endpoints':
          return { GET: async () => answer(await c.endpointsOf(target.id)) };
        case 'scale':
          return {
            POST: (req) => withBody(req, audited, { action: 'service.scale', subject }, (b) => ({ instances: b.instances }), async (b) => answer(await c.scale(target.id, scaleBody(b)))),
          };
        case 'restart':
          return {
            POST: (req) => audited(req, { action: 'service.restart', subject }, async () => {
              emptyBody(await jsonObjectBody(req));
              return answer(await c.restart(target.id));
            }),
          };
        default:
          return {
            POST: (req) => withBody(req, audited, { action: 'service.rollback', subject }, (b) => (b.toVersion === undefined ? {} : { toVersion: b.toVersion }), async (b) => answer(await c.rollback(target.id, rollbackBody(b)))),
          };
      }
    }
  }
}

function isStoreDown(err: unknown): err is Error {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'STORE_UNAVAILABLE';
}

export async function startServicesHttpApi(commands: ServicesCommands, options: ServicesHttpApiOptions): Promise<ServicesHttpApi> {
  const registry = options.registry ?? servicesMetrics(() => commands.view());
  const log = new FrameworkAudit(options.audit);
  const audited: Audited = (req, what, change, done) => {
    const user = auditUser(req.headers['x-berth-user']);
    if (typeof user !== 'string') throw new HttpError('BAD_REQUEST', user.message, user.field);
    const who = auditCaller(req, user);
    const refused = (err: unknown) => err instanceof HttpError && err.code !== 'INTERNAL' && err.code !== 'STORE_UNAVAILABLE';
    return log.record({ who, what, refused, ...(done ? { done } : {}) }, change);
  };
  const send = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  const fail = (res: ServerResponse, e: HttpError) => send(res, (httpStatus as Record<string, number>)[e.code] ?? 500, { code: e.code, message: e.message, field: e.field, ...e.extra });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://services');
    const method = req.method ?? 'GET';
    if (url.pathname !== '/health' && !allowCall(options.auth, req, res, servicesActionOf(method))) return;
    if (url.pathname === '/health' || url.pathname === '/metrics') {
      if (method !== 'GET') throw new HttpError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}; use GET`, 'method');
      if (url.pathname === '/health') return send(res, 200, { ok: true });
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
      return;
    }
    if (url.pathname === '/api/v1/audit') {
      if (method !== 'GET') throw new HttpError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}; use GET`, 'method');
      const limit = auditReadLimit(url.searchParams.get('limit'));
      if (typeof limit !== 'number') throw new HttpError('BAD_REQUEST', limit.message, limit.field);
      return send(res, 200, { events: await log.read(limit) });
    }
    if (url.pathname === '/api/v1/endpoints') {
      if (method !== 'GET') throw new HttpError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}; use GET`, 'method');
      return send(res, 200, { services: await commands.endpoints() });
    }
    const target = targetOf(url.pathname, method);
    if (!target) throw new HttpError('NOT_FOUND', `no such endpoint ${url.pathname}`, 'path');
    const byMethod = handlers(target, commands, audited);
    const h = byMethod[method];
    if (!h) throw new HttpError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}; use ${Object.keys(byMethod).join(' or ')}`, 'method');
    send(res, 200, await h(req));
  };

  const server: Server = createHttpServer(options.tls, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return fail(res, err);
      if (err instanceof AuditWriteError) {
        options.log.error({ err: err.message, path: req.url }, 'audit event not recorded');
        return fail(res, new HttpError('STORE_UNAVAILABLE', err.message));
      }
      if (isStoreDown(err)) {
        options.log.error({ err: err.message, path: req.url }, 'services store unavailable');
        return fail(res, new HttpError('STORE_UNAVAILABLE', `the services store is unavailable; nothing was changed: ${err.message}`));
      }
      options.log.error({ err, path: req.url }, 'services api failed');
      fail(res, new HttpError('INTERNAL', 'internal error'));
    });
  });
  const stream = new StatePublisher({ read: () => streamDocument(commands.viewNow()) });
  const channels = new ChannelServer(server);
  guardUpgrades(channels, options.auth, () => 'services.read');
  channels.textRoute('/api/v1/stream', servicesStreamRoute(stream));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const tick = setInterval(() => {
    try {
      stream.tick();
    } catch (err) {
      options.log.error({ err }, 'services state stream tick failed');
    }
  }, options.streamTickMs ?? 100);
  tick.unref();
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `${httpScheme(options.tls)}://${host}:${port}`;
  options.log.info({ url }, 'services api listening');
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      clearInterval(tick);
      channels.closeAll(1001, 'the services API is stopping');
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
