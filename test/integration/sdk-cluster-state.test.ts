// readClusterState against a real master: agents with their hostnames, attributes, totals, what
// tasks use and the drain flag, through a standby's redirect too; and bad answers refused by name.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { ErrorCode, decodeClusterAgents, httpUrlOf, readClusterState } from '../../frameworks/sdk/index.js';
import { testAgent } from '../helpers/cluster.js';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

void t.test('reads the agents of a real master', async (t) => {
  const master = await testMaster(t);
  const a1 = await testAgent(t, master.url, 'hollow', { hostname: 'alpha', attributes: { rack: 'r1' }, cpus: 2, memMb: 1024, ports: [31000, 31009] });
  await testAgent(t, master.url, 'hollow', { hostname: 'beta', attributes: { rack: 'r2' }, cpus: 4, memMb: 2048, ports: [31100, 31109], agent: { advertiseAddress: '127.0.0.2' } });
  const { agents, masterUrl } = await readClusterState(master.url);
  t.equal(masterUrl, master.httpUrl);
  const alpha = agents.find((a) => a.hostname === 'alpha')!;
  t.same(alpha.attributes, { rack: 'r1' });
  t.same({ cpus: alpha.total.cpus, memMb: alpha.total.memMb }, { cpus: 2, memMb: 1024 });
  t.same(alpha.free.ports, [{ begin: 31000, end: 31009 }], 'no task holds a port yet');
  t.equal(alpha.connected, true);
  t.equal(alpha.state, 'active');
  t.equal(alpha.draining, false);
  t.equal(alpha.underPressure, false);
  t.same(agents.map((a) => a.hostname).sort(), ['alpha', 'beta']);
  t.same(Object.fromEntries(agents.map((a) => [a.hostname, a.address])), { alpha: '127.0.0.1', beta: '127.0.0.2' }, 'the advertised address (127.0.0.1 by default)');
  const state = (await (await fetch(`${master.httpUrl}/api/v1/state`)).json()) as { agents: { hostname: string; address: string }[] };
  t.same(state.agents.map((a) => [a.hostname, a.address]).sort(), [['alpha', '127.0.0.1'], ['beta', '127.0.0.2']], 'GET /api/v1/state shows agents[].address');

  const res = await fetch(`${master.httpUrl}/api/v1/agents/${await a1.whenRegistered()}/drain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.ok(res.ok, `drain answered ${res.status}`);
  const drained = await until('alpha draining', async () => (await readClusterState([`ws://127.0.0.1:1`, master.url])).agents.find((a) => a.hostname === 'alpha' && a.draining));
  t.equal(drained.hostname, 'alpha', 'a master that does not answer is skipped for the next one');
});

void t.test('no master answering is MASTER_UNAVAILABLE, naming each', async (t) => {
  const err = (await readClusterState('ws://127.0.0.1:1', { timeoutMs: 1_000 }).then(() => new Error('answered'), (e: unknown) => e)) as Error & { code?: string };
  t.equal(err.code, ErrorCode.MASTER_UNAVAILABLE);
  t.match(err.message, /http:\/\/127\.0\.0\.1:1/);
});

void t.test('an answer that is not a master state is refused, naming the fields', async (t) => {
  const server = createServer((_req, res) => res.end(JSON.stringify({ agents: [{ id: 'a', hostname: 3, total: { cpus: -1 }, attributes: { k: 1 } }] })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const err = (await readClusterState(`ws://127.0.0.1:${port}`).then(() => new Error('answered'), (e: unknown) => e)) as Error & { code?: string };
  t.equal(err.code, ErrorCode.INVALID_CALL);
  t.match(err.message, /agents\[0\]\.hostname must be a string/);
  t.match(err.message, /agents\[0\]\.total\.cpus must be a number >= 0/);
  t.match(err.message, /agents\[0\]\.attributes\.k must be a string/);
  t.throws(() => decodeClusterAgents({ nothing: true }), /state\.agents must be a list/);
});

void t.test('ws and wss URLs map to the same host over http and https', async (t) => {
  t.equal(httpUrlOf('ws://127.0.0.1:5050'), 'http://127.0.0.1:5050');
  t.equal(httpUrlOf('wss://m.example:443/api/v1/scheduler'), 'https://m.example');
  t.throws(() => httpUrlOf('ftp://127.0.0.1:5050'), /masterUrl/);
});
