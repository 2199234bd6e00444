import t from 'tap';
import { resources } from '../../protocol/index.js';

const { add, subtract, contains, normalize, validate, parsePorts, takePorts } = resources;

t.test('add and subtract keep three decimals and merge ports', async (t) => {
  const a = normalize({ cpus: 0.1, memMb: 100, ports: [{ begin: 10, end: 20 }] });
  const b = normalize({ cpus: 0.2, memMb: 28, ports: [{ begin: 21, end: 25 }] });
  const sum = add(a, b);
  t.equal(sum.cpus, 0.3);
  t.same(sum.ports, [{ begin: 10, end: 25 }]);
  const back = subtract(sum, b);
  t.equal(back.cpus, 0.1);
  t.same(back.ports, [{ begin: 10, end: 20 }]);
});

t.test('subtracting a port from the middle splits the range', async (t) => {
  const r = subtract(normalize({ ports: [{ begin: 1, end: 10 }] }), normalize({ ports: [{ begin: 4, end: 5 }] }));
  t.same(r.ports, [{ begin: 1, end: 3 }, { begin: 6, end: 10 }]);
});

t.test('contains compares every scalar and every port', async (t) => {
  const big = normalize({ cpus: 2, memMb: 1024, ports: [{ begin: 31000, end: 31010 }] });
  t.ok(contains(big, normalize({ cpus: 2, memMb: 1024, ports: [{ begin: 31005, end: 31005 }] })));
  t.notOk(contains(big, normalize({ cpus: 2.001 })));
  t.notOk(contains(big, normalize({ ports: [{ begin: 31010, end: 31011 }] })));
});

t.test('validate names the field and the rule', async (t) => {
  t.same(validate({ cpus: -1 }, 'task.resources'), ['task.resources.cpus must not be negative, got -1']);
  t.match(validate({ memMb: NaN }, 'r')[0], /r\.memMb must be a finite number/);
  t.match(validate({ ports: [{ begin: 9, end: 3 }] }, 'r')[0], /r\.ports\[0\] must have begin <= end/);
  t.match(validate({ ports: [{ begin: 0, end: 3 }] }, 'r')[0], /within 1-65535/);
  t.same(validate({ cpus: 1, memMb: 2 }, 'r'), []);
});

t.test('parsePorts and takePorts', async (t) => {
  t.same(parsePorts('31000-31002,8080'), [{ begin: 8080, end: 8080 }, { begin: 31000, end: 31002 }]);
  t.throws(() => parsePorts('abc'), /PORT or BEGIN-END/);
  const r = normalize({ ports: parsePorts('100-101,200') });
  t.same(takePorts(r, 3), [{ begin: 100, end: 100 }, { begin: 101, end: 101 }, { begin: 200, end: 200 }]);
  t.equal(takePorts(r, 4), undefined);
});

t.test('parseDuration reads the forms people write', async (t) => {
  const { parseDuration } = await import('../../protocol/index.js');
  t.equal(parseDuration('90'), 90_000);
  t.equal(parseDuration('5m'), 300_000);
  t.equal(parseDuration('1h30m'), 5_400_000);
  t.equal(parseDuration('250ms'), 250);
  t.equal(parseDuration('soon'), undefined);
  t.equal(parseDuration('5 minutes'), undefined);
});
