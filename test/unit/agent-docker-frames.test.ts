import t from 'tap';
import { DockerFrameParser, DockerStream } from '../../agent/runtime/docker-frames.js';
import { containerName } from '../../agent/runtime/docker-names.js';
import { LineSplitter } from '../../agent/runtime/line-splitter.js';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

t.test('frames split anywhere are reassembled in order', async (t) => {
  const bytes = Buffer.concat([frame(1, 'hello\n'), frame(2, 'err\n'), frame(1, 'bye')]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const p = new DockerFrameParser();
    const frames = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut))];
    t.same(frames.map((f) => [f.stream, f.payload.toString()]), [[DockerStream.STDOUT, 'hello\n'], [DockerStream.STDERR, 'err\n'], [DockerStream.STDOUT, 'bye']]);
    t.equal(p.leftoverBytes, 0);
  }
});

t.test('lines are cut at newlines and a partial last line waits', async (t) => {
  const s = new LineSplitter();
  t.same(s.push('a\nb'), ['a']);
  t.same(s.push('c\r\nd\n'), ['bc', 'd']);
  t.same(s.push(Buffer.from([0xc3])), [], 'half a UTF-8 character waits too');
  t.same(s.push(Buffer.from([0xa9, 0x0a])), ['é']);
  t.same(s.push('tail'), []);
  t.same(s.flush(), ['tail']);
});

t.test('container names are valid for Docker and distinct per task', async (t) => {
  const names = [containerName('a-b', 'c'), containerName('a', 'b-c'), containerName('agent', 'web:1'), containerName('agent', 'web_1')];
  t.equal(new Set(names).size, names.length);
  for (const n of names) t.match(n, /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
  t.equal(containerName('agent', 'x'), containerName('agent', 'x'), 'stable');
  t.ok(containerName('a'.repeat(200), 't'.repeat(200)).length < 160);
});
