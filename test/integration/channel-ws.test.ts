// The WebSocket adapter against real sockets on port 0: what fails for good (an HTTP answer that
// is not an upgrade, a server that does not speak berth) and what may be retried (nothing listens).
import t, { type Test } from 'tap';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ChannelError, ChannelServer, CloseCode, connect, HelloKind } from '../../protocol/index.js';
import { freePort } from '../helpers/processes.js';

async function listen(t: Test, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function failure(p: Promise<unknown>): Promise<ChannelError> {
  return p.then(
    () => {
      throw new Error('expected the connection to fail');
    },
    (err: unknown) => err as ChannelError,
  );
}

t.test('a path the master does not serve is a 404: final', async (t) => {
  const server = createServer();
  new ChannelServer(server);
  const base = await listen(t, server);
  const err = await failure(connect(`${base}/api/v1/nothing`, { kind: HelloKind.AGENT, client: 'test' }));
  t.type(err, ChannelError);
  t.equal(err.final, true);
  t.match(err.reason, /answered HTTP 404/);
});

t.test('a plain HTTP server answers the upgrade with 200: final', async (t) => {
  const base = await listen(t, createServer((_req, res) => res.end('hello')));
  const err = await failure(connect(`${base}/api/v1/agent`, { kind: HelloKind.AGENT, client: 'test' }));
  t.equal(err.final, true);
  t.match(err.reason, /HTTP 200/);
});

t.test('a WebSocket server that does not speak berth: final', async (t) => {
  const server = createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', () => ws.send('{"hello":"json"}')));
  t.teardown(() => wss.close());
  const base = await listen(t, server);
  const err = await failure(connect(`${base}/api/v1/agent`, { kind: HelloKind.AGENT, client: 'test' }));
  t.equal(err.final, true);
  t.match(err.reason, /not a berth endpoint/);
});

t.test('nothing listening is not final (a master may be starting)', async (t) => {
  const port = await freePort();
  const err = await failure(connect(`ws://127.0.0.1:${port}/api/v1/agent`, { kind: HelloKind.AGENT, client: 'test' }));
  t.equal(err.final, false);
  t.equal(err.closeCode, CloseCode.GOING_AWAY);
  t.match(err.reason, /ECONNREFUSED/);
});

t.test('a refusal over a real socket carries the leader URL', async (t) => {
  const server = createServer();
  const channels = new ChannelServer(server);
  channels.route('/api/v1/agent', {
    kind: HelloKind.AGENT,
    handshake: () => ({ refuse: { code: CloseCode.NOT_LEADER, reason: 'standby', leaderUrl: 'ws://127.0.0.9:5050' } }),
    opened: () => undefined,
  });
  const base = await listen(t, server);
  const err = await failure(connect(`${base}/api/v1/agent`, { kind: HelloKind.AGENT, client: 'test' }));
  t.equal(err.closeCode, CloseCode.NOT_LEADER);
  t.equal(err.leaderUrl, 'ws://127.0.0.9:5050');
  t.equal(channels.counters.handshakeFailures, 1);
});
