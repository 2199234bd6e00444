// The framework's readiness probes: GET on the instance's named port until a 2xx answer, then
// stop; a probe whose instance is no longer wanted reports nothing. Loopback masters mean a
// one-machine cluster, whose instances are probed on 127.0.0.1.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { ReadinessProber, loopbackMasters } from '../../frameworks/services/readiness.js';
import { until } from '../helpers/poll.js';

void t.test('probes until ready, then stops', async (t) => {
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    res.statusCode = req.url === '/ready' && hits >= 3 ? 200 : 503;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const results: boolean[] = [];
  const hosts: string[] = [];
  const prober = new ReadinessProber({ host: (a) => (hosts.push(a.hostname), '127.0.0.1'), onResult: (_id, ready) => results.push(ready) });
  t.teardown(() => prober.stop());
  const check = { path: 'ready', portName: 'http', intervalSeconds: 0.05, timeoutSeconds: 1 };
  prober.sync([{ taskId: 'x', agentId: 'a1', hostname: 'fake-host', ports: { http: port }, check }]);
  await until('ready', () => results.includes(true));
  t.same(results, [false, false, true], 'not ready until the first 2xx');
  t.equal(hosts[0], 'fake-host', 'the host comes from the agent');
  t.equal(prober.probing, 0, 'no more probes once ready');
});

void t.test('an instance no longer wanted is not probed', async (t) => {
  const results: boolean[] = [];
  const prober = new ReadinessProber({ host: () => '127.0.0.1', onResult: (_id, ready) => results.push(ready), fetch: async () => new Response('', { status: 200 }) });
  t.teardown(() => prober.stop());
  prober.sync([{ taskId: 'x', agentId: 'a1', hostname: 'h', ports: { http: 1 }, check: { path: '/', portName: 'http', intervalSeconds: 1, timeoutSeconds: 1 } }]);
  t.equal(prober.probing, 1);
  prober.sync([]);
  t.equal(prober.probing, 0, 'its probe is cancelled before it ran');
  t.same(results, []);
});

void t.test('loopback masters', async (t) => {
  t.equal(loopbackMasters('ws://127.0.0.1:5050'), true);
  t.equal(loopbackMasters(['ws://localhost:5050', 'ws://127.0.0.2:5051']), true);
  t.equal(loopbackMasters('ws://127.0.0.1:5050,ws://10.0.0.5:5050'), false);
  t.equal(loopbackMasters('ws://master.example:5050'), false);
});
