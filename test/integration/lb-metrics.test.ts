// The load balancer's admin server: /metrics parses as Prometheus text (with a parser library),
// its counters move with the traffic (HTTP requests counted per request on keep-alive
// connections, a connection that is not HTTP counted once), and /health and 404s answer.
import { connect } from 'node:net';
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import t from 'tap';
import { startLoadBalancer } from '../../frameworks/services/lb/index.js';
import { endpoint, EndpointsStream, serviceOf } from '../helpers/lb-endpoints-stream.js';
import { get, httpBackend } from '../helpers/lb-backends.js';
import { until } from '../helpers/poll.js';
import { freePort } from '../helpers/processes.js';

async function scrape(url: string): Promise<Map<string, PromFamily>> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200 || !/^text\/plain/.test(res.headers.get('content-type') ?? '')) throw new Error(`GET /metrics answered ${res.status}`);
  return new Map(parsePrometheusTextFormat(await res.text()).map((f) => [f.name, f]));
}

const sample = (families: Map<string, PromFamily>, name: string, backend: string): number =>
  Number(families.get(name)?.metrics.find((m) => m.labels?.backend === backend)?.value ?? NaN);

void t.test('metrics parse as Prometheus text and move with the traffic', async (t) => {
  const stream = await EndpointsStream.start(t);
  const a = await httpBackend(t, 'a');
  const port = await freePort();
  const lb = await startLoadBalancer({ servicesUrl: stream.url, adminPort: 0 });
  t.teardown(() => lb.close());
  stream.set([serviceOf('/team/web', port, [endpoint('a', a.port)])]);
  await until('the service port answers', async () => 'body' in (await get(port)));

  const before = await scrape(lb.adminUrl);
  for (const name of ['berth_lb_backend_connections_total', 'berth_lb_backend_active_connections', 'berth_lb_backend_connect_failures_total', 'berth_lb_backend_requests_total', 'berth_lb_backend_received_bytes_total', 'berth_lb_backend_sent_bytes_total']) {
    const f = before.get(name);
    t.ok(f, `${name} is there`);
    t.not(f?.help, '', `${name} has help`);
    t.same(f?.metrics[0]?.labels, { service: '/team/web', port: 'http', backend: 'a' }, `${name} is labelled by service, port and backend`);
  }
  for (const f of before.values()) if (f.type === 'COUNTER') t.match(f.name, /_total$/, `counter ${f.name} ends in _total`);
  t.equal(Number(before.get('berth_lb_stream_connected')?.metrics[0]?.value), 1);
  t.equal(Number(before.get('berth_lb_listeners')?.metrics[0]?.value), 1);

  // Three requests on one keep-alive connection, then a connection that is not HTTP.
  const sock = connect(port, '127.0.0.1');
  let got = '';
  sock.on('data', (c: Buffer) => (got += c.toString()));
  for (let i = 1; i <= 3; i++) {
    sock.write('GET / HTTP/1.1\r\nHost: lb\r\n\r\n');
    await until(`answer ${i}`, () => got.split('HTTP/1.1 200').length - 1 >= i);
  }
  sock.end();
  await until('the keep-alive connection closes', () => sock.destroyed);
  const other = connect(port, '127.0.0.1');
  other.on('error', () => undefined);
  other.resume();
  other.end('\x16\x03\x01 not http\r\n');
  await until('the other connection closes', () => other.destroyed);

  const after = await until('the counters moved', async () => {
    const m = await scrape(lb.adminUrl);
    return sample(m, 'berth_lb_backend_active_connections', 'a') === 0 && sample(m, 'berth_lb_backend_connections_total', 'a') >= sample(before, 'berth_lb_backend_connections_total', 'a') + 2 ? m : undefined;
  });
  t.equal(sample(after, 'berth_lb_backend_connections_total', 'a') - sample(before, 'berth_lb_backend_connections_total', 'a'), 2, 'two connections');
  t.equal(sample(after, 'berth_lb_backend_requests_total', 'a') - sample(before, 'berth_lb_backend_requests_total', 'a'), 4, 'three requests and one connection that is not HTTP');
  t.ok(sample(after, 'berth_lb_backend_received_bytes_total', 'a') > sample(before, 'berth_lb_backend_received_bytes_total', 'a'), 'bytes from clients are counted');
  t.ok(sample(after, 'berth_lb_backend_sent_bytes_total', 'a') > sample(before, 'berth_lb_backend_sent_bytes_total', 'a'), 'bytes to clients are counted');

  const health = await fetch(`${lb.adminUrl}/health`);
  t.match(await health.json(), { ok: true, stream: 'connected', listeners: 1 });
  const missing = await fetch(`${lb.adminUrl}/nope`);
  t.equal(missing.status, 404);
  t.match(await missing.json(), { code: 'NOT_FOUND', field: 'path' });
  t.equal((await fetch(`${lb.adminUrl}/metrics`, { method: 'POST' })).status, 405);
});
