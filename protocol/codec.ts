// Turns Envelopes into bytes and back. Decoding never throws: a bad frame is a value.
import { pb, type Envelope } from './messages.js';

export type Decoded = { ok: true; envelope: pb.Envelope } | { ok: false; reason: string };

export function encode(envelope: Envelope): Uint8Array {
  return pb.Envelope.encode(envelope).finish();
}

export function decode(bytes: Uint8Array): Decoded {
  let envelope: pb.Envelope;
  try {
    envelope = pb.Envelope.decode(bytes);
  } catch (err) {
    return { ok: false, reason: `not a berth.v1.Envelope: ${(err as Error).message}` };
  }
  if (!envelope.body) return { ok: false, reason: 'envelope has no body' };
  return { ok: true, envelope };
}
