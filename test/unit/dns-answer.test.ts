// The DNS server's message handling, bytes in and bytes out with dns-packet on the client side:
// header flags and rcodes, EDNS, truncation to what UDP carries, and garbage that must never
// throw (random bytes, truncated and bit-flipped queries).
import * as packet from 'dns-packet';
import t from 'tap';
import { answerMessage, newCounters } from '../../frameworks/services/dns/answer.js';
import { decodeEndpoints } from '../../frameworks/services/dns/endpoints-doc.js';
import { Zone } from '../../frameworks/services/dns/zone.js';

/** A seeded generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function zoneWith(instances: number): Zone {
  const endpoints = Array.from({ length: instances }, (_, i) => ({ id: `team_web.v1.${String(i).padStart(8, '0')}`, host: `127.0.0.${i + 1}`, ports: { http: 31000 + i } }));
  const { services } = decodeEndpoints({ endpoints: [{ id: '/team/web', servicePorts: {}, endpoints }] });
  return new Zone(services, { domain: 'services.berth', ttlSeconds: 5, serial: 1, nameServerAddress: '127.0.0.1' });
}

const ZONE = zoneWith(2);

function query(name: string, type: packet.RecordType, extra: Partial<packet.Packet> = {}): Buffer {
  return packet.encode({ type: 'query', id: 4321, flags: packet.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }], ...extra });
}

function ask(message: Buffer, transport: 'udp' | 'tcp' = 'udp', zone = ZONE) {
  const out = answerMessage(message, zone, transport);
  if (!out) throw new Error('no answer');
  return { bytes: out.length, ...packet.decode(out) } as packet.DecodedPacket & { bytes: number; rcode: string };
}

const EDNS: packet.Answer = { type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };

t.test('an answer is authoritative, repeats the id, the question and RD, and carries the records', async (t) => {
  const r = ask(query('_http._tcp.web.team.services.berth', 'SRV'));
  t.same([r.id, r.type, r.rcode, r.flag_aa, r.flag_rd, r.flag_ra, r.flag_tc], [4321, 'response', 'NOERROR', true, true, false, false]);
  t.same(r.questions, [{ name: '_http._tcp.web.team.services.berth', type: 'SRV', class: 'IN' }]);
  t.same(r.answers?.map((a) => [a.type, (a as { ttl: number }).ttl, (a as packet.SrvAnswer).data.target]), [
    ['SRV', 5, 'v1-00000000.web.team.services.berth'],
    ['SRV', 5, 'v1-00000001.web.team.services.berth'],
  ]);
  t.same(r.additionals?.map((a) => (a as packet.StringAnswer).data), ['127.0.0.1', '127.0.0.2']);
});

t.test('NXDOMAIN carries the SOA in the authority section; outside the zone is REFUSED, not authoritative', async (t) => {
  const nx = ask(query('missing.services.berth', 'A'));
  t.same([nx.rcode, nx.flag_aa, nx.answers?.length, nx.authorities?.map((a) => a.type)], ['NXDOMAIN', true, 0, ['SOA']]);
  const refused = ask(query('www.example.com', 'A'));
  t.same([refused.rcode, refused.flag_aa, refused.answers?.length, refused.authorities?.length], ['REFUSED', false, 0, 0]);
});

t.test('what it does not do is NOTIMP: other opcodes, zone transfers, classes other than IN', async (t) => {
  const notify = packet.encode({ type: 'query', id: 9, flags: 4 << 11, questions: [{ name: 'services.berth', type: 'SOA' }] });
  t.same([ask(notify).rcode, ask(notify).id], ['NOTIMP', 9]);
  t.equal(ask(query('services.berth', 'AXFR')).rcode, 'NOTIMP');
  t.equal(ask(packet.encode({ type: 'query', id: 1, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] })).rcode, 'NOTIMP');
});

t.test('what cannot be read as one question is FORMERR, with the id; no header or a response gets nothing', async (t) => {
  const two = packet.encode({ type: 'query', id: 77, questions: [{ name: 'a.services.berth', type: 'A' }, { name: 'b.services.berth', type: 'A' }] });
  t.same([ask(two).rcode, ask(two).id], ['FORMERR', 77]);
  t.equal(ask(packet.encode({ type: 'query', id: 78, questions: [] })).rcode, 'FORMERR');
  t.equal(ask(query('services.berth', 'OPT')).rcode, 'FORMERR', 'OPT is no question');
  const whole = query('web.team.services.berth', 'A');
  const cut = ask(whole.subarray(0, whole.length - 3));
  t.same([cut.rcode, cut.id, cut.questions?.length], ['FORMERR', 4321, 0]);
  t.equal(ask(Buffer.concat([whole, Buffer.from([1, 2, 3])])).rcode, 'FORMERR', 'bytes past the last record');
  t.equal(answerMessage(whole.subarray(0, 11), ZONE, 'udp'), undefined);
  t.equal(answerMessage(packet.encode({ type: 'response', id: 1, questions: [{ name: 'services.berth', type: 'A' }] }), ZONE, 'udp'), undefined);
});

t.test('EDNS: the answer carries an OPT record; a version other than 0 is BADVERS', async (t) => {
  const r = ask(query('web.team.services.berth', 'A', { additionals: [EDNS] }));
  const opt = r.additionals?.find((a) => a.type === 'OPT') as packet.OptAnswer | undefined;
  t.same([r.rcode, opt?.ednsVersion, opt?.udpPayloadSize], ['NOERROR', 0, 1232]);
  const v1 = ask(query('web.team.services.berth', 'A', { additionals: [{ ...EDNS, ednsVersion: 1 } as packet.Answer] }));
  const badvers = v1.additionals?.find((a) => a.type === 'OPT') as packet.OptAnswer;
  t.same([v1.rcode, badvers.extendedRcode], ['NOERROR', 1], 'extended rcode 16 is 1 in the OPT record and 0 in the header');
});

t.test('over UDP without EDNS an answer over 512 bytes is truncated (TC, no records); EDNS and TCP carry it whole', async (t) => {
  const big = zoneWith(12);
  const srv = query('_http._tcp.web.team.services.berth', 'SRV');
  const udp = ask(srv, 'udp', big);
  t.same([udp.flag_tc, udp.answers?.length, udp.rcode], [true, 0, 'NOERROR']);
  t.ok(udp.bytes <= 512);
  const tcp = ask(srv, 'tcp', big);
  t.same([tcp.flag_tc, tcp.answers?.length, tcp.additionals?.length], [false, 12, 12]);
  const edns = ask(query('_http._tcp.web.team.services.berth', 'SRV', { additionals: [EDNS] }), 'udp', big);
  t.same([edns.flag_tc, edns.answers?.length], [false, 12]);
});

t.test('an answer that fits only without its additional section drops that, not the answers', async (t) => {
  const mid = zoneWith(5);
  const full = ask(query('_http._tcp.web.team.services.berth', 'SRV'), 'tcp', mid);
  t.ok(full.bytes > 512, `the whole answer is ${full.bytes} bytes`);
  const udp = ask(query('_http._tcp.web.team.services.berth', 'SRV'), 'udp', mid);
  t.same([udp.flag_tc, udp.answers?.length, udp.additionals?.length], [false, 5, 0]);
});

t.test('garbage never throws: random bytes, truncated and bit-flipped queries get FORMERR, an answer or nothing', async (t) => {
  const rand = random(7);
  const counters = newCounters();
  const valid = [query('_http._tcp.web.team.services.berth', 'SRV'), query('web.team.services.berth', 'A', { additionals: [EDNS] }), query('services.berth', 'SOA')];
  let answered = 0;
  for (let i = 0; i < 5_000; i++) {
    const kind = i % 3;
    let msg: Buffer;
    if (kind === 0) msg = Buffer.from(Array.from({ length: Math.floor(rand() * 80) }, () => Math.floor(rand() * 256)));
    else {
      const base = valid[Math.floor(rand() * valid.length)] as Buffer;
      msg = kind === 1 ? base.subarray(0, Math.floor(rand() * base.length)) : Buffer.from(base);
      if (kind === 2) for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) msg[Math.floor(rand() * msg.length)] ^= 1 << Math.floor(rand() * 8);
    }
    const out = answerMessage(msg, ZONE, i % 2 === 0 ? 'udp' : 'tcp', counters);
    if (out === undefined) continue;
    answered++;
    const r = packet.decode(out);
    if (r.id !== msg.readUInt16BE(0) || r.type !== 'response') t.fail(`message ${i} (${msg.toString('hex')}) got a response with id ${r.id}`);
    if (i % 2 === 0 && out.length > 4096) t.fail(`message ${i} got ${out.length} bytes over UDP`);
  }
  t.ok(answered > 1_000, `${answered} answered`);
  t.ok(counters.formErr > 500, `${counters.formErr} FORMERR`);
  t.ok(counters.dropped > 100, `${counters.dropped} dropped`);
  t.equal(counters.failed, 0, 'no SERVFAIL: the server never failed on its own');
});
