// The DNS server on real UDP and TCP sockets, following a real endpoints stream: dig and a
// dns-packet client get the stream's endpoints, see them change after a scale, get NXDOMAIN and
// REFUSED where due, truncation and TCP, and garbage does not stop it. The last endpoints keep
// answering while the services framework is away.
import * as packet from 'dns-packet';
import t, { type Test } from 'tap';
import { startDnsServer, type DnsServer } from '../../frameworks/services/dns/index.js';
import { askUdp, dig, digShort, requireDig, tcpExchange, udpExchange, udpSend } from '../helpers/dns-client.js';
import { endpointsStream, type TestServiceEndpoints } from '../helpers/endpoints-stream.js';
import { testLogger } from '../helpers/log.js';
import { until } from '../helpers/poll.js';

const web = (count: number): TestServiceEndpoints => ({
  id: '/team/web',
  servicePorts: { http: 10080 },
  endpoints: Array.from({ length: count }, (_, i) => ({ id: `team_web.v1.0000000${i}`, host: `127.0.0.${1 + (i % 2)}`, ports: { http: 31000 + i, admin: 32000 + i } })),
});

async function dnsFor(t: Test, servicesUrl: string): Promise<DnsServer> {
  const dns = await startDnsServer({ servicesUrl, port: 0, log: testLogger() });
  t.teardown(() => dns.close());
  return dns;
}

const srvLines = (count: number, from = 0) => Array.from({ length: count }, (_, k) => `0 1 ${31000 + from + k} v1-0000000${from + k}.web.team.services.berth.`);

t.test('dig gets the stream\'s endpoints as A and SRV records, and new ones after a scale', async (t) => {
  if (!(await requireDig(t))) return;
  const stream = await endpointsStream(t, [web(2)]);
  const dns = await dnsFor(t, stream.url);
  const srv = () => digShort(dns.port, 'SRV', '_http._tcp.web.team.services.berth');
  t.same(await until('two SRV records', async () => ((await srv()).length === 2 ? srv() : undefined)), srvLines(2));
  t.same(await digShort(dns.port, 'A', 'web.team.services.berth'), ['127.0.0.1', '127.0.0.2']);
  t.same(await digShort(dns.port, 'A', 'v1-00000001.web.team.services.berth'), ['127.0.0.2']);
  t.same(await digShort(dns.port, 'SRV', '_admin._tcp.web.team.services.berth'), ['0 1 32000 v1-00000000.web.team.services.berth.', '0 1 32001 v1-00000001.web.team.services.berth.']);

  const full = await dig(dns.port, ['SRV', '_http._tcp.web.team.services.berth']);
  t.match(full, /flags: qr aa rd;/, 'authoritative');
  t.match(full, /status: NOERROR/);
  t.match(full, /^_http\._tcp\.web\.team\.services\.berth\.\s+5\s+IN\s+SRV\s+0 1 31000 /m, 'the TTL is 5 s');
  t.match(full, /ADDITIONAL SECTION:\nv1-00000000\.web\.team\.services\.berth\.\s+5\s+IN\s+A\s+127\.0\.0\.1/, 'the targets\' A records come along');

  stream.set([web(4)]);
  t.same(await until('four SRV records', async () => ((await srv()).length === 4 ? srv() : undefined)), srvLines(4));
  stream.set([{ ...web(4), endpoints: web(4).endpoints.slice(3) }]);
  t.same(await until('one SRV record', async () => ((await srv()).length === 1 ? srv() : undefined)), srvLines(1, 3));
  t.same(await digShort(dns.port, 'A', 'web.team.services.berth'), ['127.0.0.2']);
  t.same(await digShort(dns.port, 'A', 'v1-00000000.web.team.services.berth'), [], 'a removed instance has no name left');
});

t.test('unknown names are NXDOMAIN with the SOA, other zones REFUSED, the apex has SOA and NS; case does not matter', async (t) => {
  if (!(await requireDig(t))) return;
  const stream = await endpointsStream(t, [web(1)]);
  const dns = await dnsFor(t, stream.url);
  await until('the endpoints', async () => (await digShort(dns.port, 'A', 'web.team.services.berth')).length === 1);
  const nx = await dig(dns.port, ['A', 'nope.team.services.berth']);
  t.match(nx, /status: NXDOMAIN/);
  t.match(nx, /AUTHORITY SECTION:\nservices\.berth\.\s+5\s+IN\s+SOA\s+ns\.services\.berth\. hostmaster\.services\.berth\./);
  t.match(await dig(dns.port, ['A', 'example.com']), /status: REFUSED/);
  t.match((await digShort(dns.port, 'SOA', 'services.berth'))[0], /^ns\.services\.berth\. hostmaster\.services\.berth\. \d+ 3600 600 86400 5$/);
  t.same(await digShort(dns.port, 'NS', 'services.berth'), ['ns.services.berth.']);
  t.same(await digShort(dns.port, 'SRV', '_HTTP._TCP.Web.TEAM.services.BERTH'), srvLines(1));
});

t.test('TCP: dig +tcp, pipelined and split queries; a big answer is truncated over UDP and whole over TCP', async (t) => {
  if (!(await requireDig(t))) return;
  const stream = await endpointsStream(t, [web(12)]);
  const dns = await dnsFor(t, stream.url);
  await until('twelve endpoints', async () => (await digShort(dns.port, 'SRV', '_http._tcp.web.team.services.berth', ['+tcp'])).length === 12);
  t.same((await digShort(dns.port, 'SRV', '_http._tcp.web.team.services.berth', ['+tcp'])).length, 12);

  const plain = await dig(dns.port, ['SRV', '_http._tcp.web.team.services.berth', '+noedns', '+ignore']);
  t.match(plain, /flags: qr aa tc rd;/, 'over 512 bytes without EDNS: TC');
  t.match(plain, /ANSWER: 0,/);
  const retried = await dig(dns.port, ['SRV', '_http._tcp.web.team.services.berth', '+noedns']);
  t.match(retried, /ANSWER: 12,/, 'dig retries over TCP and gets them all');

  const q = (id: number, name: string) => packet.encode({ type: 'query', id, questions: [{ name, type: 'A', class: 'IN' }] });
  const answers = await tcpExchange(dns.port, [q(1, 'web.team.services.berth'), q(2, 'nope.services.berth'), q(3, 'example.org')]);
  t.same(answers.map((a) => [a.id, (a as { rcode?: string }).rcode, a.answers?.length]), [[1, 'NOERROR', 2], [2, 'NXDOMAIN', 0], [3, 'REFUSED', 0]]);
  const split = await tcpExchange(dns.port, [q(4, 'v1-00000003.web.team.services.berth'), q(5, 'web.team.services.berth')], 3);
  t.same(split.map((a) => [a.id, a.answers?.map((r) => (r as packet.StringAnswer).data)]), [[4, ['127.0.0.2']], [5, ['127.0.0.1', '127.0.0.2']]]);
});

t.test('garbage over UDP and TCP gets FORMERR or nothing, and the server keeps answering', async (t) => {
  const stream = await endpointsStream(t, [web(1)]);
  const dns = await dnsFor(t, stream.url);
  await until('the endpoints', async () => (await askUdp(dns.port, 'web.team.services.berth', 'A')).answers?.length === 1);
  t.equal(await udpExchange(dns.port, Buffer.from([1, 2, 3]), 300), undefined, 'no header: no answer');
  const formerr = await udpExchange(dns.port, Buffer.from('beef0100000100000000000003', 'hex'));
  t.same(formerr && [packet.decode(formerr).id, (packet.decode(formerr) as { rcode?: string }).rcode], [0xbeef, 'FORMERR']);
  await udpSend(dns.port, Array.from({ length: 500 }, (_, i) => Buffer.from(Array.from({ length: i % 60 }, (_, k) => (i * 31 + k * 7) & 0xff))));
  const [tcpFormerr, ok] = await tcpExchange(dns.port, [Buffer.from('abcd0100000100000000000003', 'hex'), packet.encode({ type: 'query', id: 6, questions: [{ name: 'web.team.services.berth', type: 'A' }] })]);
  t.same([tcpFormerr?.id, (tcpFormerr as { rcode?: string }).rcode, ok?.id, ok?.answers?.length], [0xabcd, 'FORMERR', 6, 1]);
  const after = await askUdp(dns.port, 'web.team.services.berth', 'A', 99);
  t.same([after.id, after.answers?.map((a) => (a as packet.StringAnswer).data)], [99, ['127.0.0.1']]);
  t.ok(dns.counters.formErr >= 2, `${dns.counters.formErr} FORMERR counted`);
  t.equal(dns.counters.failed, 0);
});

t.test('while the services framework is away the last endpoints answer; after it returns, the new ones', async (t) => {
  const stream = await endpointsStream(t, [web(2)]);
  const dns = await dnsFor(t, stream.url);
  const count = async () => (await askUdp(dns.port, '_http._tcp.web.team.services.berth', 'SRV')).answers?.length;
  await until('two endpoints', async () => (await count()) === 2);
  await stream.stop();
  t.equal(await count(), 2, 'still the last endpoints');
  stream.set([web(3)]);
  await stream.restart();
  await until('three endpoints after the framework came back', async () => (await count()) === 3);
  t.equal(await count(), 3);
});
