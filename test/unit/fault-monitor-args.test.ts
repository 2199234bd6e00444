// The fault recorder reads store writes from Redis MONITOR lines: their quoted, escaped arguments
// must come back byte for byte (record JSON has quotes, backslashes and non-ASCII escapes).
import t from 'tap';
import { monitorArgs } from '../helpers/redis-monitor.js';

void t.test('MONITOR arguments are unquoted and unescaped', async (t) => {
  t.same(monitorArgs('"XADD" "berth:events" "MAXLEN" "~" "10000" "*" "epoch" "2" "type" "task.put"'), ['XADD', 'berth:events', 'MAXLEN', '~', '10000', '*', 'epoch', '2', 'type', 'task.put']);
  t.same(monitorArgs(String.raw`"value" "{\"a\":\"b\\\\c\"}" "\x00\xff" "line\nnext\ttab\r"`), ['value', '{"a":"b\\\\c"}', '\u0000\u00ff', 'line\nnext\ttab\r']);
  t.same(monitorArgs('"" "x"'), ['', 'x'], 'an empty argument is kept');
  t.same(monitorArgs(''), []);
});
