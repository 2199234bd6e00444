// The services and batch frameworks' APIs and the load balancer's admin server over https, each
// subscribed to (or following) its upstream over wss with the test CA: a job runs through a TLS
// master, the balancer follows the services API's endpoints stream, and plain http is refused.
import t from 'tap';
import { MemoryBatchStore, startBatchFramework } from '../../frameworks/batch/index.js';
import { startLoadBalancer } from '../../frameworks/services/lb/index.js';
import { MemoryServicesStore, startServicesFramework } from '../../frameworks/services/index.js';
import { fetchWithTls } from '../../protocol/index.js';
import { testAgent } from '../helpers/cluster.js';
import { testLogger } from '../helpers/log.js';
import { testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';
import { testCerts } from '../helpers/tls.js';

t.test('the batch API serves https and runs a job through a TLS master', async (t) => {
  const certs = testCerts(t);
  const m = await testMaster(t, { tls: certs.server(true), allocationIntervalMs: 50 });
  await testAgent(t, m.url, 'process', { agent: { tls: certs.client(true) } });
  const batch = await startBatchFramework({ masterUrl: m.url, store: new MemoryBatchStore(), http: { port: 0, tls: certs.server() }, clientTls: certs.client(true), log: testLogger(), failoverTimeoutMs: 60_000 });
  t.teardown(() => batch.stop());
  t.match(batch.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const get = fetchWithTls(certs.client());
  const post = (path: string, body: unknown): Promise<Response> => get(`${batch.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  t.equal((await post('/api/v1/jobs', { id: '/tls/hello', command: 'echo hi', resources: { cpus: 0.1, memMb: 32 } })).status, 201, 'the job is submitted over https');
  const run = (await (await post('/api/v1/jobs/%2Ftls%2Fhello/runs', {})).json()) as { runId: string };
  const state = await until('the run succeeds', async () => {
    const r = (await (await get(`${batch.url}/api/v1/runs/${run.runId}`)).json()) as { run: { state: string } };
    return ['succeeded', 'failed'].includes(r.run.state) ? r.run.state : undefined;
  }, 30_000);
  t.equal(state, 'succeeded', 'the task ran on the agent through the TLS master');
  await t.rejects(fetch(`${batch.url.replace(/^https/, 'http')}/health`), 'plain http is refused');
});

t.test('the services API and the load balancer admin serve https; the balancer follows the API over wss', async (t) => {
  const certs = testCerts(t);
  const m = await testMaster(t, { tls: certs.server() });
  const services = await startServicesFramework({ masterUrl: m.url, store: new MemoryServicesStore(), http: { port: 0, tls: certs.server() }, clientTls: certs.client(), autoscale: false, log: testLogger(), failoverTimeoutMs: 60_000 });
  t.teardown(() => services.stop());
  t.match(services.url, /^https:\/\//);
  const get = fetchWithTls(certs.client());
  t.equal((await get(`${services.url}/health`)).status, 200, 'the services API answers over https');
  await until('the services framework is subscribed', () => services.runtime.frameworkId !== undefined);
  const lb = await startLoadBalancer({ servicesUrl: services.url, adminPort: 0, adminTls: certs.server(true), tls: certs.client() });
  t.teardown(() => lb.close());
  t.match(lb.adminUrl, /^https:\/\//);
  const withCert = fetchWithTls(certs.client(true));
  const health = await until('the balancer follows the endpoints stream', async () => {
    const h = (await (await withCert(`${lb.adminUrl}/health`)).json()) as { stream: string };
    return h.stream === 'connected' ? h : undefined;
  });
  t.equal(health.stream, 'connected');
  const refused = await get(`${lb.adminUrl}/health`).then((r) => r.status, (e: Error) => e.message);
  t.equal(refused, 'fetch failed', 'the admin server requires a client certificate');
});
