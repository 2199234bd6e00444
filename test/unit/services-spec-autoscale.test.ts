// The `autoscale` field of a service spec: what is refused (path and rule, exactly), the defaults
// it gets, and `instances` clamped into [min, max] with a warning naming both.
import t from 'tap';
import { fillDefaults, parseServiceDocument, type ParseResult, type ServiceInput } from '../../frameworks/services/index.js';

type Doc = Record<string, unknown>;
const service = (extra: Doc = {}): Doc => ({
  id: '/team/web',
  container: { image: 'busybox' },
  resources: { cpus: 0.5, memMb: 64 },
  ...extra,
});
const scaled = (autoscale: Doc, extra: Doc = {}) => service({ autoscale, ...extra });
const problems = (r: ParseResult) => (r.ok ? [] : r.problems.map((p) => [p.path, p.rule]));

const EXACTLY_ONE = 'must have exactly one of cpuUtilization, requestsPerSecond';

const INVALID: { name: string; doc: Doc; want: string[][] }[] = [
  { name: 'no max', doc: scaled({ target: { cpuUtilization: 0.5 } }), want: [['autoscale.max', 'required']] },
  { name: 'no target', doc: scaled({ max: 3 }), want: [['autoscale.target', 'required']] },
  { name: 'an empty target', doc: scaled({ max: 3, target: {} }), want: [['autoscale.target', EXACTLY_ONE]] },
  { name: 'two targets', doc: scaled({ max: 3, target: { cpuUtilization: 0.5, requestsPerSecond: 10 } }), want: [['autoscale.target', EXACTLY_ONE]] },
  { name: 'a zero cpu target', doc: scaled({ max: 3, target: { cpuUtilization: 0 } }), want: [['autoscale.target.cpuUtilization', 'must be > 0 and <= 1 (a share of resources.cpus)']] },
  { name: 'a cpu target above 1', doc: scaled({ max: 3, target: { cpuUtilization: 1.5 } }), want: [['autoscale.target.cpuUtilization', 'must be > 0 and <= 1 (a share of resources.cpus)']] },
  { name: 'a negative request rate', doc: scaled({ max: 3, target: { requestsPerSecond: -2 } }), want: [['autoscale.target.requestsPerSecond', 'must be > 0']] },
  { name: 'an unknown target', doc: scaled({ max: 3, target: { memory: 0.5 } }), want: [['autoscale.target.memory', 'unknown field "memory"']] },
  { name: 'a min of 0', doc: scaled({ min: 0, max: 3, target: { cpuUtilization: 0.5 } }), want: [['autoscale.min', 'must be >= 1']] },
  { name: 'a fractional max', doc: scaled({ max: 2.5, target: { cpuUtilization: 0.5 } }), want: [['autoscale.max', 'must be an integer']] },
  { name: 'a max above the instance limit', doc: scaled({ max: 10_001, target: { cpuUtilization: 0.5 } }), want: [['autoscale.max', 'must be <= 10000']] },
  { name: 'min above max', doc: scaled({ min: 4, max: 2, target: { cpuUtilization: 0.5 } }), want: [['autoscale.min', 'must be <= autoscale.max (2)']] },
  { name: 'a negative window', doc: scaled({ max: 3, target: { cpuUtilization: 0.5 }, stabilizationWindowSeconds: -1 }), want: [['autoscale.stabilizationWindowSeconds', 'must be >= 0']] },
  { name: 'a cooldown over an hour', doc: scaled({ max: 3, target: { cpuUtilization: 0.5 }, cooldownSeconds: 3601 }), want: [['autoscale.cooldownSeconds', 'must be <= 3600']] },
  { name: 'a misspelt field', doc: scaled({ max: 3, target: { cpuUtilization: 0.5 }, cooldown: 5 }), want: [['autoscale.cooldown', 'unknown field "cooldown"']] },
];

for (const c of INVALID) {
  t.test(`refused: ${c.name}`, async (t) => {
    const r = parseServiceDocument(c.doc);
    t.equal(r.ok, false);
    t.same(problems(r), c.want);
    if (!r.ok) for (const p of r.problems) t.match(p.message, /^autoscale(\.\w+)* (is|must|has) /, `a sentence about the field: ${p.message}`);
  });
}

t.test('a group names the service in the path', async (t) => {
  const r = parseServiceDocument({ services: [service({ id: '/a' }), scaled({ min: 5, max: 2, target: { cpuUtilization: 0.5 } }, { id: '/b' })] });
  t.same(problems(r), [['services[1].autoscale.min', 'must be <= autoscale.max (2)']]);
});

t.test('defaults: min 1, a 300 s window, a 30 s cooldown', async (t) => {
  const r = parseServiceDocument(scaled({ max: 3, target: { requestsPerSecond: 20 } }));
  t.ok(r.ok);
  t.same(r.ok && r.services[0]!.autoscale, { min: 1, max: 3, target: { requestsPerSecond: 20 }, stabilizationWindowSeconds: 300, cooldownSeconds: 30 });
  t.same(r.ok && r.warnings, []);
  const plain = parseServiceDocument(service());
  t.equal(plain.ok && 'autoscale' in plain.services[0]!, false, 'no autoscale unless asked for');
});

t.test('instances outside [min, max] are clamped, with a warning', async (t) => {
  const high = parseServiceDocument(scaled({ min: 2, max: 4, target: { cpuUtilization: 0.6 } }, { instances: 9 }));
  t.equal(high.ok && high.services[0]!.instances, 4);
  t.same(high.ok && high.warnings.map((w) => [w.path, w.rule]), [['instances', 'clamped into autoscale.min..max (2..4)']]);
  t.match(high.ok && high.warnings[0]!.message, /instances is 9, outside autoscale\.min\.\.max \(2\.\.4\); the service starts with 4/);
  const low = parseServiceDocument({ services: [scaled({ min: 2, max: 4, target: { cpuUtilization: 0.6 } }, { instances: 0 })] });
  t.equal(low.ok && low.services[0]!.instances, 2);
  t.same(low.ok && low.warnings.map((w) => w.path), ['services[0].instances']);
  const unwritten = parseServiceDocument(scaled({ min: 3, max: 5, target: { cpuUtilization: 0.6 } }));
  t.equal(unwritten.ok && unwritten.services[0]!.instances, 3, 'the default count moves to min, silently');
  t.same(unwritten.ok && unwritten.warnings, []);
  const inside = parseServiceDocument(scaled({ min: 1, max: 5, target: { cpuUtilization: 0.6 } }, { instances: 2 }));
  t.equal(inside.ok && inside.services[0]!.instances, 2);
  t.same(inside.ok && inside.warnings, []);
});

t.test('a filled spec is valid input and fills to itself', async (t) => {
  const r = parseServiceDocument(scaled({ min: 2, max: 6, target: { cpuUtilization: 0.5 }, stabilizationWindowSeconds: 10, cooldownSeconds: 0 }, { instances: 3 }));
  if (!r.ok) throw new Error('refused');
  const spec = r.services[0]!;
  t.same(fillDefaults(spec as unknown as ServiceInput), spec);
  const again = parseServiceDocument(JSON.parse(JSON.stringify(spec)) as unknown);
  t.same(again.ok && again.services[0], spec);
});
