// The load balancer's admin server with authentication on: every path but /health needs lb.read
// (401 without a token, 403 without the action); and the balancer reads a services API that asks
// for a token with the one it was given.
import t from 'tap';
import { ADMIN_PATHS, startLoadBalancer } from '../../frameworks/services/lb/index.js';
import { MemoryServicesStore, ServicesCommands, startServicesHttpApi } from '../../frameworks/services/index.js';
import { bearer, callsFor, checkRefusals, testAuthenticator, TOKENS } from '../helpers/auth.js';
import { testLogger } from '../helpers/log.js';
import { until } from '../helpers/poll.js';
import { FakeServicesControl } from '../helpers/services-control.js';

void t.test('the admin server needs lb.read but for /health; the stream is read with the token', async (t) => {
  const auth = testAuthenticator();
  const services = await startServicesHttpApi(new ServicesCommands(new FakeServicesControl()), { port: 0, log: testLogger(), audit: new MemoryServicesStore(), auth, streamTickMs: 20 });
  t.teardown(() => services.close());
  const lb = await startLoadBalancer({ servicesUrl: services.url, adminPort: 0, auth, servicesToken: TOKENS.reader, log: testLogger() });
  t.teardown(() => lb.close());

  const health = await fetch(`${lb.adminUrl}/health`);
  t.equal(health.status, 200, '/health needs no token');
  await until('the endpoints stream connected with the token', async () => ((await (await fetch(`${lb.adminUrl}/health`)).json()) as { stream: string }).stream === 'connected');

  const calls = callsFor(t, ADMIN_PATHS.filter((p) => p !== '/health').map((p) => `GET ${p}`), {
    'GET /metrics': { path: '/metrics' },
    'GET /api/v1/stats': { path: '/api/v1/stats' },
  });
  await checkRefusals(t, lb.adminUrl, calls);
  const stats = await fetch(`${lb.adminUrl}/api/v1/stats`, { headers: bearer('reader') });
  t.equal(stats.status, 200, 'a reader reads the stats');
  t.same(await stats.json(), { services: [] });
});

void t.test('without the token the balancer cannot follow an API that asks for one', async (t) => {
  const services = await startServicesHttpApi(new ServicesCommands(new FakeServicesControl()), { port: 0, log: testLogger(), audit: new MemoryServicesStore(), auth: testAuthenticator() });
  t.teardown(() => services.close());
  const warnings: string[] = [];
  const log = { info: () => undefined, debug: () => undefined, warn: (o: object) => void warnings.push(JSON.stringify(o)) };
  const lb = await startLoadBalancer({ servicesUrl: services.url, adminPort: 0, log });
  t.teardown(() => lb.close());
  await until('the refusal logged', () => warnings.find((w) => w.includes('401')));
  t.equal(((await (await fetch(`${lb.adminUrl}/health`)).json()) as { stream: string }).stream, 'away', 'the stream is away');
});
