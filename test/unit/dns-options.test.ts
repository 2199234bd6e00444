// The DNS server's options: the defaults filled in once, and every problem listed with its field.
import t from 'tap';
import { compileDnsOptions, dnsOptionProblems } from '../../frameworks/services/dns/options.js';
import { endpointsStreamUrl } from '../../frameworks/services/dns/follow.js';

t.test('defaults: 127.0.0.1:8600, services.berth, TTL 5 s', async (t) => {
  const o = compileDnsOptions({ servicesUrl: 'http://127.0.0.1:5070/' });
  t.match(o, { servicesUrl: 'http://127.0.0.1:5070', host: '127.0.0.1', port: 8600, domain: 'services.berth', ttlSeconds: 5, tcpIdleTimeoutMs: 10_000 });
  t.equal(compileDnsOptions({ servicesUrl: 'http://x:1', domain: 'svc.example.', port: 0, ttlSeconds: 0 }).domain, 'svc.example', 'a trailing dot is dropped');
});

t.test('every problem is listed, naming its field', async (t) => {
  const problems = dnsOptionProblems({ servicesUrl: 'ftp://x', host: ' ', port: 65_536, domain: 'UPPER.case', ttlSeconds: 1.5, tcpIdleTimeoutMs: 0 });
  t.same(problems.map((p) => p.field), ['servicesUrl', 'host', 'port', 'domain', 'ttlSeconds', 'tcpIdleTimeoutMs']);
  t.same(dnsOptionProblems({ domain: 'a..b' }).map((p) => p.field), ['domain']);
  t.same(dnsOptionProblems({ domain: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(20)}` }).map((p) => p.field), ['domain'], 'too long to put names under');
  t.same(dnsOptionProblems({ domain: 'services.berth', port: 53, ttlSeconds: 86_400 }), []);
  t.throws(() => compileDnsOptions({} as never), /invalid DNS server options: servicesUrl must be an http:\/\/ or https:\/\/ URL/);
});

t.test('the stream URL is the framework\'s /api/v1/stream with include=endpoints, ws for http', async (t) => {
  t.equal(endpointsStreamUrl('http://127.0.0.1:5070/'), 'ws://127.0.0.1:5070/api/v1/stream?include=endpoints');
  t.equal(endpointsStreamUrl('https://svc.example/base'), 'wss://svc.example/base/api/v1/stream?include=endpoints');
});
