// One DNS message in, one out: decodes a query with dns-packet, answers it from the zone and
// encodes the response, fitting it into what the transport carries. Never throws on bad input:
// what cannot be read as a query gets FORMERR (or nothing, when even the header is missing), what
// it does not do gets NOTIMP, names outside the zone get REFUSED.
import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer, Packet } from 'dns-packet';
import type { Zone } from './zone.js';

export type DnsTransport = 'udp' | 'tcp';

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
type RcodeName = keyof typeof RCODE;
/** Extended rcode 16 (RFC 6891): the query's EDNS version is one this server does not speak. */
const BADVERS = 16;

const HEADER_BYTES = 12;
/** Without EDNS a UDP answer fits in 512 bytes (RFC 1035); with it, in what the client offers, capped here. */
const UDP_PLAIN_BYTES = 512;
const UDP_MAX_BYTES = 4096;
const TCP_MAX_BYTES = 65_535;
/** What this server offers in its own OPT record (the DNS flag day 2020 size). */
const OFFERED_UDP_BYTES = 1232;

const QR = 1 << 15;
const OPCODE_SHIFT = 11;
/** Zone transfers are not done: the zone is the services framework's, followed live. */
const ZONE_TRANSFERS = new Set(['AXFR', 'IXFR']);

export interface AnswerCounters {
  answered: number;
  formErr: number;
  notImp: number;
  refused: number;
  nxDomain: number;
  truncated: number;
  dropped: number;
  /** Queries this server failed on itself (SERVFAIL): a bug to report, never the client's doing. */
  failed: number;
}

export function newCounters(): AnswerCounters {
  return { answered: 0, formErr: 0, notImp: 0, refused: 0, nxDomain: 0, truncated: 0, dropped: 0, failed: 0 };
}

interface Reply {
  id: number;
  /** The query's opcode and RD bit, which a response repeats. */
  echoedFlags: number;
  questions: Packet['questions'];
  rcode: number;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** The client spoke EDNS: the response carries an OPT record too. */
  edns: boolean;
}

function encodeReply(r: Reply, truncated: boolean): Buffer {
  const flags = r.echoedFlags | (r.authoritative ? packet.AUTHORITATIVE_ANSWER : 0) | (truncated ? packet.TRUNCATED_RESPONSE : 0) | (r.rcode & 0xf);
  const opt: OptAnswer = { type: 'OPT', name: '.', udpPayloadSize: OFFERED_UDP_BYTES, extendedRcode: r.rcode >> 4, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
  return packet.encode({
    type: 'response',
    id: r.id,
    flags,
    questions: r.questions ?? [],
    answers: truncated ? [] : r.answers,
    authorities: truncated ? [] : r.authorities,
    additionals: [...(truncated ? [] : r.additionals), ...(r.edns ? [opt] : [])],
  });
}

/**
 * Encodes the reply within `limit` bytes: whole; else without the additional section (which a
 * client can look up itself, RFC 2181 9); else with TC set and no records, so it asks over TCP.
 */
function fit(r: Reply, limit: number, counters: AnswerCounters): Buffer {
  const whole = encodeReply(r, false);
  if (whole.length <= limit) return whole;
  const lean = encodeReply({ ...r, additionals: [] }, false);
  if (lean.length <= limit) return lean;
  counters.truncated++;
  return encodeReply(r, true);
}

function headerOnly(buf: Buffer, rcode: RcodeName): Reply {
  const flags = buf.readUInt16BE(2);
  return { id: buf.readUInt16BE(0), echoedFlags: flags & ((0xf << OPCODE_SHIFT) | packet.RECURSION_DESIRED), questions: [], rcode: RCODE[rcode], authoritative: false, answers: [], authorities: [], additionals: [], edns: false };
}

/** Names dns-packet can write back as it read them: printable ASCII, as every name of the zone is. */
const PLAIN_NAME = /^[\x21-\x7e]*$/;

function decodeQuery(buf: Buffer): DecodedPacket | undefined {
  try {
    const q = packet.decode(buf);
    // dns-packet reads the counts from the header; bytes past the last record mean they lied.
    if (packet.decode.bytes !== buf.length) return undefined;
    return (q.questions ?? []).every((x) => PLAIN_NAME.test(x.name)) ? q : undefined;
  } catch {
    return undefined;
  }
}

/** The response to the message `buf`, or undefined when none is due (no header, or not a query). */
export function answerMessage(buf: Buffer, zone: Zone, transport: DnsTransport, counters: AnswerCounters = newCounters()): Buffer | undefined {
  try {
    return answer(buf, zone, transport, counters);
  } catch {
    counters.failed++;
    return encodeReply(headerOnly(buf, 'SERVFAIL'), false);
  }
}

function answer(buf: Buffer, zone: Zone, transport: DnsTransport, counters: AnswerCounters): Buffer | undefined {
  if (buf.length < HEADER_BYTES || (buf.readUInt16BE(2) & QR) !== 0) {
    counters.dropped++;
    return undefined;
  }
  const query = decodeQuery(buf);
  if (!query) {
    counters.formErr++;
    return encodeReply(headerOnly(buf, 'FORMERR'), false);
  }
  const base = headerOnly(buf, 'NOERROR');
  const opts = (query.additionals ?? []).filter((a): a is OptAnswer => a.type === 'OPT');
  const reply: Reply = { ...base, questions: query.questions, edns: opts.length > 0 };
  const limit = transport === 'tcp' ? TCP_MAX_BYTES : opts[0] ? Math.min(UDP_MAX_BYTES, Math.max(UDP_PLAIN_BYTES, opts[0].udpPayloadSize)) : UDP_PLAIN_BYTES;
  const fail = (rcode: number, counter: keyof AnswerCounters): Buffer => {
    counters[counter]++;
    return fit({ ...reply, rcode }, limit, counters);
  };
  if (opts.length > 1 || query.questions?.length !== 1) return fail(RCODE.FORMERR, 'formErr');
  if (opts[0] && opts[0].ednsVersion !== 0) return fail(BADVERS, 'formErr');
  if ((query as DecodedPacket & { opcode?: string }).opcode !== 'QUERY') return fail(RCODE.NOTIMP, 'notImp');
  const question = query.questions[0] as NonNullable<Packet['questions']>[number];
  // OPT is a pseudo-record of the additional section, never a question.
  if (question.type === 'OPT') return fail(RCODE.FORMERR, 'formErr');
  if (ZONE_TRANSFERS.has(question.type) || (question.class !== 'IN' && question.class !== 'ANY')) return fail(RCODE.NOTIMP, 'notImp');
  const found = zone.lookup(question.name, question.type);
  if (found.rcode === 'REFUSED') return fail(RCODE.REFUSED, 'refused');
  counters[found.rcode === 'NXDOMAIN' ? 'nxDomain' : 'answered']++;
  return fit({ ...reply, rcode: RCODE[found.rcode], authoritative: true, answers: found.answers, authorities: found.authorities, additionals: found.additionals }, limit, counters);
}
