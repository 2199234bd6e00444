// Turns Envelopes into bytes and back. Decoding never throws: a bad frame is a value.
import { Buffer, isUtf8 } from 'node:buffer';
import protobuf from 'protobufjs/minimal.js';
import { pb, type Envelope } from './messages.js';

export type Decoded = { ok: true; envelope: pb.Envelope } | { ok: false; reason: string };

/** Thrown inside the reader for a string field that is not valid UTF-8; decode() makes it a value. */
class InvalidUtf8 extends Error {}

// protobufjs reads a checked string field in JavaScript, 8 bytes at a time appended to a string:
// every decoded id becomes a chain of small string pieces, about 4 times the heap of the text
// (1.2 KB per kept status against 0.3 KB), until something copies it. Node's own UTF-8 check and
// slice give a flat string straight away and cost about half the decode time. Same rule: strings
// that are not valid UTF-8 are refused.
protobuf.BufferReader.prototype.stringVerify = function readStringVerify(this: protobuf.BufferReader & { buf: Buffer & { utf8Slice(start: number, end: number): string } }): string {
  const length = this.uint32();
  const start = this.pos;
  const end = start + length;
  if (end > this.len) throw new RangeError(`index out of range: ${start} + ${length} > ${this.len}`);
  this.pos = end;
  const buf = this.buf;
  if (!isUtf8(buf.subarray(start, end))) throw new InvalidUtf8('a string field is not valid UTF-8');
  return buf.utf8Slice(start, end);
};

export function encode(envelope: Envelope): Uint8Array {
  return pb.Envelope.encode(envelope).finish();
}

export function decode(bytes: Uint8Array): Decoded {
  let envelope: pb.Envelope;
  try {
    // A Buffer view (no copy), so the reader is the one whose strings are read natively.
    envelope = pb.Envelope.decode(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    return { ok: false, reason: `not a berth.v1.Envelope: ${(err as Error).message}` };
  }
  if (!envelope.body) return { ok: false, reason: 'envelope has no body' };
  return { ok: true, envelope };
}
