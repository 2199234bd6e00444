// A stand-in for the services framework's HTTP API (the contract in docs/api.md) for CLI tests:
// it records every request and answers with what the test's handler returns.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

export interface SeenRequest {
  method: string;
  /** The path as sent, not decoded: the test checks how the CLI wrote the id. */
  path: string;
  contentType: string | undefined;
  body: string;
}

export type Answer = [status: number, body: unknown];

export interface FakeServicesApi {
  url: string;
  seen: SeenRequest[];
  /** The requests with this method and path. */
  calls(method: string, path: string): SeenRequest[];
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/** An error answer in the contract's shape. */
export function refusal(status: number, code: string, message: string, field = '', problems?: { path: string; rule: string; message: string }[]): Answer {
  return [status, { code, message, field, ...(problems ? { problems } : {}) }];
}

export async function fakeServicesApi(t: Test, handle: (req: SeenRequest, nth: number) => Answer | undefined): Promise<FakeServicesApi> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    void text(req).then((body) => {
      const r: SeenRequest = { method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], body };
      seen.push(r);
      const nth = seen.filter((s) => s.method === r.method && s.path === r.path).length;
      const [status, value] = handle(r, nth) ?? refusal(404, 'NOT_FOUND', `no such endpoint ${r.path}`, 'path');
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, calls: (method, path) => seen.filter((s) => s.method === method && s.path === path) };
}
