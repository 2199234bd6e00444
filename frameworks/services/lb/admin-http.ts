// The load balancer's admin HTTP server: GET /metrics (Prometheus), GET /api/v1/stats (counters
// by service port and backend, which the autoscaler turns into rates) and GET /health. With an
// Authenticator the first two need lb.read; /health stays open.
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Authenticator } from '../../../protocol/auth/index.js';
import { createHttpServer, httpScheme, type ServerTls } from '../../../protocol/index.js';
import { allowCall } from '../../sdk/index.js';

/** The admin server's paths, each answering GET (and HEAD). */
export const ADMIN_PATHS = ['/metrics', '/api/v1/stats', '/health'] as const;

export interface AdminRoutes {
  registry: Registry;
  stats(): unknown;
  health(): Record<string, unknown>;
}

const send = (res: ServerResponse, status: number, value: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

export async function startAdminHttp(host: string, port: number, tls: ServerTls | undefined, routes: AdminRoutes, auth?: Authenticator): Promise<{ url: string; server: Server }> {
  const paths: Record<(typeof ADMIN_PATHS)[number], () => Promise<{ type: string; body: string }>> = {
    '/metrics': async () => ({ type: routes.registry.contentType, body: await routes.registry.metrics() }),
    '/api/v1/stats': async () => ({ type: 'application/json', body: JSON.stringify(routes.stats()) }),
    '/health': async () => ({ type: 'application/json', body: JSON.stringify(routes.health()) }),
  };
  const server = createHttpServer(tls, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://lb');
    if (url.pathname !== '/health' && !allowCall(auth, req, res, 'lb.read')) return;
    const route = (paths as Record<string, (typeof paths)['/health'] | undefined>)[url.pathname];
    if (!route) return send(res, 404, { code: 'NOT_FOUND', message: `no such endpoint ${url.pathname}; try ${Object.keys(paths).join(', ')}`, field: 'path' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed on ${url.pathname}; use GET`, field: 'method' });
    route().then(
      ({ type, body }) => {
        res.writeHead(200, { 'content-type': type });
        res.end(body);
      },
      (err: unknown) => send(res, 500, { code: 'INTERNAL', message: (err as Error).message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { url: `${httpScheme(tls)}://${shown}:${bound}`, server };
}
