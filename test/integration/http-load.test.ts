// The traffic tests' load client against local HTTP servers on port 0: it counts every request,
// one connection each, names the instance that answered, and counts failures by their code: a
// server that resets connections, one that never answers, a refused port, a wrong status or page.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { HttpLoad, pageInstance } from '../helpers/http-load.js';

interface Served {
  port: number;
  /** Connections the server accepted. */
  connections: () => number;
}

async function serve(t: Test, handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<Served> {
  let requests = 0;
  let connections = 0;
  const server: Server = createServer((req, res) => handler(req, res, requests++));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

void t.test('pageInstance reads the httpd page\'s first line', async (t) => {
  t.equal(pageInstance('instance svc.abc-1 tag v2\n'), 'svc.abc-1');
  t.equal(pageInstance('hello\ninstance x'), undefined, 'only at the start of the page');
  t.equal(pageInstance(''), undefined);
});

void t.test('every request on its own connection, each answer counted by the instance that gave it', async (t) => {
  const server = await serve(t, (_req, res, n) => res.end(`instance i-${n % 3} tag v1\n`));
  const load = new HttpLoad({ host: '127.0.0.1', port: server.port, concurrency: 3 }).start();
  await load.more(60);
  const s = await load.stop();
  t.equal(s.failures, 0, 'no failures');
  t.equal(s.successes, s.requests, 'all succeeded');
  t.ok(s.requests >= 60, `at least 60 requests (${s.requests})`);
  t.equal(server.connections(), s.requests, 'one connection per request');
  t.same(Object.keys(s.byInstance).sort(), ['i-0', 'i-1', 'i-2'], 'the three instances answered');
  t.equal(Object.values(s.byInstance).reduce((a, b) => a + b, 0), s.requests, 'every success names its instance');
  t.same(new Set(load.results.map((r) => r.loop)), new Set([0, 1, 2]), 'three loops sent requests');
  const last = load.results.filter((r) => r.ok && r.instance === 'i-1').at(-1);
  t.equal(load.lastAnswerMs('i-1'), last?.endMs, 'the last answer of an instance is its last success');
  t.equal(load.lastAnswerMs('i-9'), undefined, 'an instance that never answered has none');
  t.match(load.describe(s), /^\d+ requests in \d+ ms \(\d+\/s\), \d+ ok, 0 failed \{\}, by instance /);
  const count = load.results.length;
  await new Promise((r) => setImmediate(r));
  t.equal(load.results.length, count, 'nothing is sent after stop');
});

void t.test('a server that resets every third connection: the resets counted as failures, the rest as successes', async (t) => {
  const server = await serve(t, (req, res, n) => {
    if (n % 3 === 2) req.socket.resetAndDestroy();
    else res.end('instance ok-1\n');
  });
  const load = new HttpLoad({ host: '127.0.0.1', port: server.port, concurrency: 2 }).start();
  await load.more(90);
  const s = await load.stop();
  t.ok(s.failures >= 25, `about a third failed (${s.failures} of ${s.requests})`);
  t.ok(s.successes >= 50, `the others succeeded (${s.successes})`);
  t.equal(s.successes + s.failures, s.requests, 'every request is one or the other');
  t.same(Object.keys(s.failuresByCode), ['ECONNRESET'], `the failures are resets: ${JSON.stringify(s.failuresByCode)}`);
  t.same(s.byInstance, { 'ok-1': s.successes });
  const f = load.failures();
  t.equal(f.length, s.failures, 'each failure is listed');
  t.ok(f.every((r) => r.endMs >= r.startMs && r.code === 'ECONNRESET'), 'with its times and code');
});

void t.test('a server that cuts the body off: the request fails, not succeeds with half a page', async (t) => {
  const server = await serve(t, (req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('instance half');
    setTimeout(() => req.socket.destroy(), 20);
  });
  const load = new HttpLoad({ host: '127.0.0.1', port: server.port, concurrency: 1 }).start();
  await load.more(3);
  const s = await load.stop();
  t.equal(s.successes, 0, 'no success');
  t.ok(s.failures >= 3, `${s.failures} failures`);
  t.ok(Object.keys(s.failuresByCode).every((c) => c === 'ECONNRESET' || c === 'ABORTED'), `cut off: ${JSON.stringify(s.failuresByCode)}`);
});

void t.test('a server that never answers: each request fails with TIMEOUT at its deadline', async (t) => {
  const server = await serve(t, () => undefined);
  const load = new HttpLoad({ host: '127.0.0.1', port: server.port, concurrency: 2, timeoutMs: 100 }).start();
  await load.more(4);
  const s = await load.stop();
  t.equal(s.successes, 0);
  t.same(Object.keys(s.failuresByCode), ['TIMEOUT']);
});

void t.test('wrong status, a page that names no instance, a refused port', async (t) => {
  const server = await serve(t, (req, res) => {
    if (req.url === '/busy') {
      res.statusCode = 503;
      res.end('instance busy-1\n');
    } else res.end('not a page of ours\n');
  });
  const busy = new HttpLoad({ host: '127.0.0.1', port: server.port, path: '/busy', concurrency: 1 }).start();
  await busy.more(2);
  t.same(Object.keys((await busy.stop()).failuresByCode), ['HTTP_503'], 'a non-200 answer is a failure by its status');
  const other = new HttpLoad({ host: '127.0.0.1', port: server.port, concurrency: 1 }).start();
  await other.more(2);
  t.same(Object.keys((await other.stop()).failuresByCode), ['NO_INSTANCE'], 'a page that names no instance is a failure');

  const port = await new Promise<number>((resolve) => {
    // A port that was free a moment ago and is closed now: connecting is refused.
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const refused = new HttpLoad({ host: '127.0.0.1', port, concurrency: 1 }).start();
  await refused.more(2);
  t.same(Object.keys((await refused.stop()).failuresByCode), ['ECONNREFUSED'], 'a refused connection is a failure by its code');
});

void t.test('summary windows, pauses and options', async (t) => {
  const server = await serve(t, (_req, res, n) => res.end(`instance w-${n < 10 ? 'early' : 'late'}\n`));
  const load = new HttpLoad({ host: '127.0.0.1', port: server.port, concurrency: 1, pauseMs: 5 }).start();
  await load.more(20);
  const s = await load.stop();
  const tenth = load.results[10];
  if (!tenth) throw new Error('fewer than 11 results');
  t.same(load.summary(0, tenth.startMs).byInstance, { 'w-early': 10 }, 'the window before the 11th request holds the first 10');
  t.equal(load.summary(tenth.startMs).requests, s.requests - 10, 'the window from it holds the rest');
  t.ok(load.results.every((r, k) => k === 0 || r.startMs >= (load.results[k - 1]?.endMs ?? 0)), 'one loop sends its requests one after another');
  t.equal(new HttpLoad({ host: '127.0.0.1', port: server.port }).summary().requests, 0, 'nothing before start');
  t.throws(() => new HttpLoad({ host: '127.0.0.1', port: 1, concurrency: 0 }), /concurrency must be an integer >= 1/);
  t.throws(() => new HttpLoad({ host: '127.0.0.1', port: 1, timeoutMs: 0 }), /timeoutMs must be > 0/);
  await t.rejects(new HttpLoad({ host: '127.0.0.1', port: 1 }).more(1), /the load stopped after 0 of 1 requests/, 'more() on a stopped load rejects');
});
