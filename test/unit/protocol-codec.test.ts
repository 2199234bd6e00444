// The codec: envelopes round-trip through bytes with their strings intact (ASCII, multi-byte,
// long), from a Buffer or a plain Uint8Array, and a frame whose string is not valid UTF-8 or
// whose bytes are cut short is a value, never a throw.
import t from 'tap';
import fc from 'fast-check';
import { decode, encode } from '../../protocol/index.js';

function roundTrip(taskId: string, message: string, bytes: (b: Uint8Array) => Uint8Array = (b) => b): { taskId: string; message: string } {
  const decoded = decode(bytes(encode({ agentCall: { update: { status: { taskId, message, uuid: 'u-1' } } } })));
  if (!decoded.ok) throw new Error(decoded.reason);
  const status = decoded.envelope.agentCall?.update?.status;
  return { taskId: status?.taskId ?? '', message: status?.message ?? '' };
}

t.test('strings come back as they were sent, whatever their characters and length', async (t) => {
  t.same(roundTrip('t-1', ''), { taskId: 't-1', message: '' });
  t.same(roundTrip('tâche-ü', 'naïve ✓ 𝄞 done'), { taskId: 'tâche-ü', message: 'naïve ✓ 𝄞 done' });
  const long = 'x'.repeat(70_000) + 'é';
  t.equal(roundTrip('t-2', long).message, long);
  fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme', maxLength: 500 }), (a, b) => {
    const back = roundTrip(a, b);
    return back.taskId === a && back.message === b;
  }), { numRuns: 300 });
});

t.test('a plain Uint8Array decodes like a Buffer', async (t) => {
  t.same(roundTrip('plain-ü', 'from a Uint8Array', (b) => new Uint8Array(b)), { taskId: 'plain-ü', message: 'from a Uint8Array' });
  // A view into a larger buffer: only its own bytes count.
  const framed = (b: Uint8Array): Uint8Array => {
    const big = new Uint8Array(b.length + 10).fill(0xff);
    big.set(b, 5);
    return big.subarray(5, 5 + b.length);
  };
  t.same(roundTrip('view', 'inside a larger buffer', framed), { taskId: 'view', message: 'inside a larger buffer' });
});

t.test('a string that is not valid UTF-8 refuses the frame', async (t) => {
  const bytes = Buffer.from(encode({ agentCall: { update: { status: { taskId: 'tä', uuid: 'u' } } } }));
  const at = bytes.indexOf(0xc3);
  t.ok(at > 0, 'the fixture has a two-byte character');
  for (const bad of [0xff, 0x41]) {
    const copy = Buffer.from(bytes);
    // 0xff is never UTF-8; 0x41 after 0xc3 leaves the lead byte without its continuation.
    copy[bad === 0xff ? at : at + 1] = bad;
    const decoded = decode(copy);
    t.equal(decoded.ok, false);
    if (!decoded.ok) t.match(decoded.reason, /not valid UTF-8/);
  }
});

t.test('bytes cut short are a value, not a throw', async (t) => {
  const bytes = encode({ agentCall: { update: { status: { taskId: 'task-with-a-long-id', message: 'some text' } } } });
  for (let cut = 1; cut < bytes.length; cut += 3) {
    const decoded = decode(bytes.subarray(0, cut));
    if (!decoded.ok) t.match(decoded.reason, /not a berth\.v1\.Envelope|no body/);
  }
  t.equal(decode(new Uint8Array(0)).ok, false);
});
