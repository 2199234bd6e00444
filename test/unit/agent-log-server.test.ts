// Log streaming alone, over an in-memory runtime: frames under the size limit, eof, errors,
// cancel, truncation of a line longer than a frame, and a send that fails stops the reading.
import t from 'tap';
import { HollowRuntime, LogServer, type ContainerRuntime, type LogOptions } from '../../agent/index.js';
import type { pb } from '../../protocol/index.js';
import { until } from '../helpers/poll.js';

function setup(lines: (options: LogOptions) => AsyncIterable<string>, maxFrameBytes = 100) {
  const sent: pb.AgentCall.ILogLines[] = [];
  let accept = true;
  const runtime = Object.assign(new HollowRuntime(), { logs: (_id: string, o: LogOptions) => lines(o) }) as ContainerRuntime;
  const server = new LogServer({
    runtime,
    containerOf: (taskId) => (taskId === 'known' ? { containerId: 'c1' } : { error: `no task ${taskId}` }),
    send: (l) => {
      sent.push(l);
      return accept;
    },
    maxFrameBytes,
    flushMs: 10,
  });
  return { server, sent, refuse: () => (accept = false) };
}

async function* fixed(lines: string[]): AsyncIterable<string> {
  yield* lines;
}

t.test('lines go in frames under the limit, the last with eof', async (t) => {
  const lines = Array.from({ length: 20 }, (_, i) => `line-${String(i).padStart(2, '0')}`);
  const s = setup(() => fixed(lines));
  s.server.read({ requestId: 'r', taskId: 'known', follow: false, tail: 0 });
  await until('eof', () => s.sent.some((f) => f.eof));
  t.same(s.sent.flatMap((f) => f.lines ?? []), lines);
  t.ok(s.sent.length > 1);
  for (const f of s.sent) t.ok((f.lines ?? []).reduce((n, l) => n + Buffer.byteLength(l) + 4, 0) <= 100);
  t.equal(s.sent.filter((f) => f.eof).length, 1);
  t.equal(s.server.active, 0);
});

t.test('an unknown task gets one frame with an error and eof', async (t) => {
  const s = setup(() => fixed([]));
  s.server.read({ requestId: 'r', taskId: 'other', follow: false, tail: 0 });
  t.same(s.sent, [{ requestId: 'r', eof: true, error: 'no task other' }]);
});

t.test('a line longer than a frame is cut, saying so', async (t) => {
  const s = setup(() => fixed(['x'.repeat(500)]));
  s.server.read({ requestId: 'r', taskId: 'known', follow: false, tail: 0 });
  await until('eof', () => s.sent.some((f) => f.eof));
  const line = s.sent.flatMap((f) => f.lines ?? [])[0] ?? '';
  t.ok(Buffer.byteLength(line) <= 96);
  t.match(line, /\[truncated by berth\]$/);
});

async function* endless(o: LogOptions): AsyncIterable<string> {
  for (let i = 0; !o.signal?.aborted; i++) {
    yield `tick-${i}`;
    await new Promise((r) => setTimeout(r, 5));
  }
}

t.test('follow streams until cancelled, then ends with eof', async (t) => {
  const s = setup(endless, 10_000);
  s.server.read({ requestId: 'r', taskId: 'known', follow: true, tail: 0 });
  await until('lines flushed while following', () => s.sent.flatMap((f) => f.lines ?? []).length >= 5);
  t.notOk(s.sent.some((f) => f.eof));
  s.server.cancel('r');
  await until('eof', () => s.sent.some((f) => f.eof));
  t.equal(s.server.active, 0);
  s.server.read({ requestId: 'r', taskId: 'known', follow: true, tail: 0 });
  s.server.read({ requestId: 'r', taskId: 'known', follow: true, tail: 0 });
  t.match(s.sent.at(-1)?.error, /already streaming/, 'one stream per request id');
  s.server.cancelAll();
  await until('closed', () => s.server.active === 0);
});

t.test('a frame that cannot be sent stops the stream', async (t) => {
  const s = setup(endless, 10_000);
  s.server.read({ requestId: 'r', taskId: 'known', follow: true, tail: 0 });
  await until('streaming', () => s.sent.length > 0);
  s.refuse();
  await until('stopped', () => s.server.active === 0);
  t.equal(s.server.active, 0, 'the stream stopped');
});
