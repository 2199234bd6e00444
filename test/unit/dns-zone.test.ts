// The DNS server's names and records, from an endpoints document as the services framework
// streams it: which names exist, what each answers, and which entries are left out and why.
import t from 'tap';
import { decodeEndpoints } from '../../frameworks/services/dns/endpoints-doc.js';
import { instanceLabels } from '../../frameworks/services/dns/instance-label.js';
import { serviceDnsName, Zone } from '../../frameworks/services/dns/zone.js';

const endpoint = (id: string, host: string, ports: Record<string, number>) => ({ id, host, hostname: 'h', agentId: 'a', ports, version: 3 });

const DOC = {
  endpoints: [
    {
      id: '/team/web', dnsName: 'web.team.services.berth', algorithm: 'round-robin', servicePorts: { http: 10080 }, killGracePeriodSeconds: 3,
      endpoints: [
        endpoint('team_web.v3.0000000b', '127.0.0.2', { http: 31002, admin: 31003 }),
        endpoint('team_web.v3.0000000a', '127.0.0.1', { http: 31000, admin: 31001 }),
        endpoint('team_web.v3.0000000c', '127.0.0.1', { http: 31004, admin: 31005 }),
      ],
      draining: [{ ...endpoint('team_web.v2.0000000d', '127.0.0.9', { http: 31006 }), drainingSinceMs: 1 }],
    },
    { id: '/team/idle', dnsName: 'idle.team.services.berth', algorithm: 'round-robin', servicePorts: { http: 10081 }, killGracePeriodSeconds: 3, endpoints: [], draining: [] },
    { id: '/v6', dnsName: 'v6.services.berth', algorithm: 'round-robin', servicePorts: {}, killGracePeriodSeconds: 3, endpoints: [endpoint('v6.v1.00000001', '::1', { tcp: 4000 })], draining: [] },
  ],
};

function zone(doc: unknown = DOC, domain = 'services.berth'): Zone {
  const { services, problems } = decodeEndpoints(doc);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return new Zone(services, { domain, ttlSeconds: 7, serial: 42, nameServerAddress: '127.0.0.1' });
}

const data = (z: Zone, name: string, type: string) => z.lookup(name, type).answers.map((a) => (a as { data: unknown }).data);

t.test('a service name has the distinct hosts of its in-rotation endpoints, sorted', async (t) => {
  const z = zone();
  t.same(data(z, 'web.team.services.berth', 'A'), ['127.0.0.1', '127.0.0.2']);
  t.notOk(data(z, 'web.team.services.berth', 'A').includes('127.0.0.9'), 'a draining endpoint is out of rotation');
  const found = z.lookup('web.team.services.berth', 'A');
  t.equal(found.rcode, 'NOERROR');
  t.ok(found.authoritative);
  t.same(found.answers.map((a) => (a as { ttl: number }).ttl), [7, 7], 'the configured TTL');
});

t.test('SRV _port._tcp has one record per endpoint, its target an instance name with an A record in the additional section', async (t) => {
  const z = zone();
  const found = z.lookup('_http._tcp.web.team.services.berth', 'SRV');
  t.same(found.answers.map((a) => (a as { data: unknown }).data), [
    { priority: 0, weight: 1, port: 31000, target: 'v3-0000000a.web.team.services.berth' },
    { priority: 0, weight: 1, port: 31002, target: 'v3-0000000b.web.team.services.berth' },
    { priority: 0, weight: 1, port: 31004, target: 'v3-0000000c.web.team.services.berth' },
  ]);
  t.same(found.additionals.map((a) => [a.name, a.type, (a as { data: unknown }).data]), [
    ['v3-0000000a.web.team.services.berth', 'A', '127.0.0.1'],
    ['v3-0000000b.web.team.services.berth', 'A', '127.0.0.2'],
    ['v3-0000000c.web.team.services.berth', 'A', '127.0.0.1'],
  ]);
  t.same(data(z, '_admin._tcp.web.team.services.berth', 'SRV').map((d) => (d as { port: number }).port), [31001, 31003, 31005]);
  t.same(data(z, 'v3-0000000b.web.team.services.berth', 'A'), ['127.0.0.2']);
});

t.test('names are matched whatever their case, and answers repeat the question\'s spelling', async (t) => {
  const z = zone();
  const found = z.lookup('WEB.Team.Services.Berth', 'A');
  t.same(found.answers.map((a) => [a.name, (a as { data: unknown }).data]), [['WEB.Team.Services.Berth', '127.0.0.1'], ['WEB.Team.Services.Berth', '127.0.0.2']]);
  t.same(data(z, '_HTTP._TCP.web.team.services.berth.', 'SRV').length, 3, 'a trailing dot too');
});

t.test('the apex has SOA and NS; ns.DOMAIN has the server\'s address', async (t) => {
  const z = zone();
  const [soa] = data(z, 'services.berth', 'SOA');
  t.match(soa, { mname: 'ns.services.berth', rname: 'hostmaster.services.berth', serial: 42, minimum: 7 });
  const ns = z.lookup('services.berth', 'NS');
  t.same(ns.answers.map((a) => (a as { data: unknown }).data), ['ns.services.berth']);
  t.same(ns.additionals.map((a) => (a as { data: unknown }).data), ['127.0.0.1']);
  t.same(data(z, 'ns.services.berth', 'A'), ['127.0.0.1']);
});

t.test('unknown names are NXDOMAIN with the SOA; names between known ones exist without records', async (t) => {
  const z = zone();
  const missing = z.lookup('nope.team.services.berth', 'A');
  t.equal(missing.rcode, 'NXDOMAIN');
  t.same(missing.authorities.map((a) => a.type), ['SOA']);
  t.equal(z.lookup('_grpc._tcp.web.team.services.berth', 'SRV').rcode, 'NXDOMAIN', 'a port the service does not have');
  t.equal(z.lookup('v3-0000000d.web.team.services.berth', 'A').rcode, 'NXDOMAIN', 'a draining instance has no name');
  for (const name of ['team.services.berth', '_tcp.web.team.services.berth']) {
    const empty = z.lookup(name, 'A');
    t.equal(empty.rcode, 'NOERROR', `${name} exists`);
    t.same([empty.answers.length, empty.authorities.map((a) => a.type)], [0, ['SOA']]);
  }
});

t.test('a service without endpoints exists (NODATA), with its service ports\' SRV names', async (t) => {
  const z = zone();
  for (const [name, type] of [['idle.team.services.berth', 'A'], ['_http._tcp.idle.team.services.berth', 'SRV']] as const) {
    const found = z.lookup(name, type);
    t.same([found.rcode, found.answers.length, found.authorities.length], ['NOERROR', 0, 1], name);
  }
});

t.test('a type the name has none of is NODATA; ANY gives all of them', async (t) => {
  const z = zone();
  const aaaa = z.lookup('web.team.services.berth', 'AAAA');
  t.same([aaaa.rcode, aaaa.answers.length], ['NOERROR', 0]);
  t.same(data(z, 'v6.services.berth', 'AAAA'), ['::1'], 'an IPv6 host is an AAAA record');
  t.same(z.lookup('services.berth', 'ANY').answers.map((a) => a.type).sort(), ['NS', 'SOA']);
});

t.test('an endpoint on an agent advertising a host name: a CNAME for the instance, the SRV targets the host', async (t) => {
  const z = zone({ endpoints: [{ id: '/db', endpoints: [endpoint('db.v1.01', 'Node-7.Example.Internal', { pg: 5432 }), endpoint('db.v1.02', '127.0.0.5', { pg: 5433 })] }] });
  t.same(data(z, 'db.services.berth', 'A'), ['127.0.0.5'], 'only addresses are A records of the service');
  t.same(data(z, '_pg._tcp.db.services.berth', 'SRV'), [
    { priority: 0, weight: 1, port: 5432, target: 'node-7.example.internal' },
    { priority: 0, weight: 1, port: 5433, target: 'v1-02.db.services.berth' },
  ]);
  t.same(z.lookup('_pg._tcp.db.services.berth', 'SRV').additionals.map((a) => a.name), ['v1-02.db.services.berth'], 'glue only for names in the zone');
  const alias = z.lookup('v1-01.db.services.berth', 'A');
  t.same(alias.answers.map((a) => [a.type, (a as { data: unknown }).data]), [['CNAME', 'node-7.example.internal']]);
});

t.test('names outside the domain are refused; another domain is served when configured', async (t) => {
  t.equal(zone().lookup('example.com', 'A').rcode, 'REFUSED');
  t.equal(zone().lookup('berth', 'A').rcode, 'REFUSED');
  t.equal(zone().lookup('xservices.berth', 'A').rcode, 'REFUSED');
  const other = zone(DOC, 'svc.example.internal');
  t.same(data(other, 'web.team.svc.example.internal', 'A'), ['127.0.0.1', '127.0.0.2']);
  t.equal(other.lookup('web.team.services.berth', 'A').rcode, 'REFUSED');
  t.equal(serviceDnsName('/a/b/c', 'services.berth'), 'c.b.a.services.berth');
});

t.test('the fingerprint changes with the records and not with the serial', async (t) => {
  const { services } = decodeEndpoints(DOC);
  const at = (serial: number, s = services) => new Zone(s, { domain: 'services.berth', ttlSeconds: 7, serial, nameServerAddress: undefined }).fingerprint();
  t.equal(at(1), at(2));
  const scaled = services.map((s) => ({ ...s, endpoints: s.endpoints.slice(1) }));
  t.not(at(1), at(1, scaled));
});

t.test('instance labels: the id without the service slug, cleaned; hashed when too long or shared', async (t) => {
  const labels = instanceLabels('/team/web', ['team_web.v3.1a2b3c4d', 'Other_ID:9', 'x'.repeat(80), 'team_web.V3.AB', 'team_web.v3.ab', '...']);
  const got = [...labels.values()];
  t.equal(got[0], 'v3-1a2b3c4d');
  t.equal(got[1], 'other-id-9');
  t.match(got[2], /^x{54}-[0-9a-f]{8}$/);
  t.match(got[3], /^v3-ab-[0-9a-f]{8}$/, 'ids that clean to the same label are told apart');
  t.match(got[4], /^v3-ab-[0-9a-f]{8}$/);
  t.not(got[3], got[4]);
  t.match(got[5], /^i-[0-9a-f]{8}$/, 'nothing usable left');
  for (const l of got) t.match(l, /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, `${l} is a DNS label`);
  t.same(instanceLabels('/team/web', ['team_web.v3.1a2b3c4d']).get('team_web.v3.1a2b3c4d'), 'v3-1a2b3c4d', 'the same id, the same label');
});

t.test('entries that break a rule are left out, each with a problem naming it; the others stay', async (t) => {
  const { services, problems } = decodeEndpoints({
    endpoints: [
      { id: '/ok', endpoints: [endpoint('ok.1', '127.0.0.1', { http: 1 }), endpoint('ok.2', 'not an ip', { http: 2 }), endpoint('ok.3', '127.0.0.3', { http: 70000, Bad: 5, tcp: 6 })] },
      { id: 'Bad Id', endpoints: [] },
      { id: '/nolist', endpoints: 'x' },
      { id: '/ok', endpoints: [] },
      7,
    ],
  });
  t.same(services.map((s) => [s.id, s.endpoints.map((e) => [e.id, e.ports])]), [['/ok', [['ok.1', { http: 1 }], ['ok.3', { tcp: 6 }]]]]);
  t.same(problems, [
    'endpoints[0] (/ok).endpoints[1].host must be an IPv4 or IPv6 address or a host name, got "not an ip"',
    'endpoints[0] (/ok).endpoints[2].ports.http must be a port number from 1 to 65535, got 70000',
    'endpoints[0] (/ok).endpoints[2].ports.Bad: the name must be a-z, 0-9 and "-", starting with a letter',
    'endpoints[1].id must be a service id like /team/web, got "Bad Id"',
    'endpoints[2] (/nolist).endpoints must be a list',
    'endpoints[3] (/ok) repeats a service id',
    'endpoints[4] must be an object',
  ]);
  t.match(decodeEndpoints({ services: [] }).problems, [/^endpoints must be a list/]);
});
