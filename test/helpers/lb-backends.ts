// Backends for load balancer tests: small node HTTP servers on free loopback ports that answer
// with their own name, count the requests they served and can hold a response open.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

export interface HttpBackend {
  name: string;
  port: number;
  requests: number;
  /** Connections open to it now. */
  readonly open: number;
  close(): Promise<void>;
}

export async function httpBackend(t: Test, name: string): Promise<HttpBackend> {
  let open = 0;
  const server: Server = createServer((_req, res) => {
    backend.requests++;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(name) });
    res.end(name);
  });
  // Held keep-alive connections stay open for as long as a test needs them.
  server.keepAliveTimeout = 120_000;
  server.on('connection', (s) => {
    open++;
    s.once('close', () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed = false;
  const backend: HttpBackend = {
    name,
    port: (server.address() as AddressInfo).port,
    requests: 0,
    get open() {
      return open;
    },
    async close() {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  t.teardown(() => backend.close());
  return backend;
}

/** GET http://127.0.0.1:port/ on a new connection: the status and body, or the error's code. */
export function get(port: number, path = '/'): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}
