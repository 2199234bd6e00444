// The autoscaler's pure decision: a table of cases (tolerance, scale-up at once, scale-down to the
// highest recommendation of the window, bounds, cooldown, missing samples), and simulated loads:
// one that comes and goes must not make the count flap.
import t from 'tap';
import { decide, type AutoscaleSpec, type DecideInput, type Recommendation } from '../../frameworks/services/index.js';

const NOW = 10_000_000;
const S = 1000;
const cpu = (over: Partial<AutoscaleSpec> = {}): AutoscaleSpec => ({ min: 1, max: 10, target: { cpuUtilization: 0.5 }, stabilizationWindowSeconds: 300, cooldownSeconds: 30, ...over });
const rps = (value: number, over: Partial<AutoscaleSpec> = {}): AutoscaleSpec => ({ ...cpu(over), target: { requestsPerSecond: value } });
const input = (over: Partial<DecideInput>): DecideInput => ({
  autoscale: cpu(),
  current: 2,
  samples: [0.5, 0.5],
  cpus: 0.5,
  lastScaleAtMs: NOW - 3600 * S,
  nowMs: NOW,
  recommendations: [],
  ...over,
});
const recs = (...pairs: [number, number][]): Recommendation[] => pairs.map(([ago, instances]) => ({ atMs: NOW - ago * S, instances }));

/** Each case: the input changes from `input`, then the count it must end at (undefined: no change) and what its reason must say. */
const CASES: { name: string; over: Partial<DecideInput>; want: number | undefined; reason: RegExp }[] = [
  { name: 'at the target', over: {}, want: undefined, reason: /within 10% of the target/ },
  { name: 'within the tolerance above', over: { current: 4, samples: [0.54, 0.54, 0.54, 0.54] }, want: undefined, reason: /cpu 54% of 0\.5 cpus, target 50%: within 10%/ },
  { name: 'within the tolerance below', over: { current: 4, samples: [0.46, 0.46, 0.46, 0.46] }, want: undefined, reason: /within 10%/ },
  { name: 'saturated: up at once', over: { samples: [1, 1] }, want: 4, reason: /^autoscale: cpu 100% of 0\.5 cpus, target 50%, 2 -> 4$/ },
  { name: 'just past the tolerance', over: { current: 10, samples: Array(10).fill(0.56), autoscale: cpu({ max: 20 }) }, want: 12, reason: /10 -> 12$/ },
  { name: 'up, capped at max', over: { current: 3, samples: [1, 1, 1], autoscale: cpu({ max: 4 }) }, want: 4, reason: /3 -> 4$/ },
  { name: 'at max already', over: { current: 4, samples: [1, 1, 1, 1], autoscale: cpu({ max: 4 }) }, want: undefined, reason: /at most autoscale\.max 4/ },
  { name: 'down with nothing else in the window', over: { current: 4, samples: [0.1, 0.1, 0.1, 0.1] }, want: 1, reason: /^autoscale: cpu 10% of 0\.5 cpus, target 50%, 4 -> 1$/ },
  { name: 'down held by a higher recommendation in the window', over: { current: 4, samples: [0.1, 0.1, 0.1, 0.1], recommendations: recs([100, 4]) }, want: undefined, reason: /1 recommended; 4 within the last 300s/ },
  { name: 'down to the highest recommendation of the window', over: { current: 4, samples: [0.1, 0.1, 0.1, 0.1], recommendations: recs([100, 3], [200, 2]) }, want: 3, reason: /\(the highest recommendation of the last 300s\), 4 -> 3$/ },
  { name: 'recommendations older than the window do not count', over: { current: 4, samples: [0.1, 0.1, 0.1, 0.1], recommendations: recs([301, 4], [400, 8]) }, want: 1, reason: /4 -> 1$/ },
  { name: 'a higher old recommendation never scales up', over: { current: 2, samples: [0.5, 0.5], recommendations: recs([10, 6]) }, want: undefined, reason: /within 10%/ },
  { name: 'down stops at min', over: { current: 4, samples: [0, 0, 0, 0], autoscale: cpu({ min: 2 }) }, want: 2, reason: /4 -> 2$/ },
  { name: 'at min already', over: { current: 2, samples: [0, 0], autoscale: cpu({ min: 2 }) }, want: undefined, reason: /at least autoscale\.min 2/ },
  { name: 'missing samples block a scale-down', over: { current: 3, samples: [0.1, undefined] }, want: undefined, reason: /\(1 of 3 instances sampled\): no scale-down while instances lack samples/ },
  { name: 'an instance without any entry is missing too', over: { current: 3, samples: [0.1] }, want: undefined, reason: /1 of 3 instances sampled/ },
  { name: 'missing samples still let it scale up', over: { current: 3, samples: [1, 1, undefined] }, want: 4, reason: /cpu 100% of 0\.5 cpus, target 50% \(2 of 3 instances sampled\), 3 -> 4$/ },
  { name: 'missing samples: the load seen needs no more', over: { current: 4, samples: [1] }, want: undefined, reason: /no scale-down while instances lack samples/ },
  { name: 'no samples at all', over: { current: 3, samples: [undefined, undefined, undefined] }, want: undefined, reason: /^no samples yet$/ },
  { name: 'a sample that is not a number is missing', over: { current: 2, samples: [Number.NaN, -1] }, want: undefined, reason: /^no samples yet$/ },
  { name: 'cooldown holds a scale-up', over: { samples: [1, 1], lastScaleAtMs: NOW - 10 * S }, want: undefined, reason: /4 wanted, cooling down \(last change 10s ago, cooldownSeconds 30\)/ },
  { name: 'cooldown holds a scale-down', over: { current: 4, samples: [0, 0, 0, 0], lastScaleAtMs: NOW - 29 * S }, want: undefined, reason: /1 wanted, cooling down/ },
  { name: 'the cooldown has passed', over: { samples: [1, 1], lastScaleAtMs: NOW - 30 * S }, want: 4, reason: /2 -> 4$/ },
  { name: 'never scaled before', over: { samples: [1, 1], lastScaleAtMs: undefined }, want: 4, reason: /2 -> 4$/ },
  { name: 'below min (a manual scale) comes back at once', over: { current: 1, samples: [0], autoscale: cpu({ min: 3 }), lastScaleAtMs: NOW }, want: 3, reason: /^autoscale: below autoscale\.min 3, 1 -> 3$/ },
  { name: 'above max comes back at once', over: { current: 7, samples: [], autoscale: cpu({ max: 4 }), lastScaleAtMs: NOW }, want: 4, reason: /^autoscale: above autoscale\.max 4, 7 -> 4$/ },
  { name: 'requests per second', over: { autoscale: rps(20), samples: [45, 45] }, want: 5, reason: /^autoscale: 45 requests\/s per instance, target 20, 2 -> 5$/ },
  { name: 'requests per second, down', over: { autoscale: rps(20), current: 5, samples: [3, 3, 3, 3, 3.5] }, want: 1, reason: /3\.1 requests\/s per instance, target 20, 5 -> 1$/ },
  { name: 'an exact multiple is not rounded up', over: { autoscale: rps(0.1), current: 1, samples: [0.3] }, want: 3, reason: /1 -> 3$/ },
];

for (const c of CASES) {
  t.test(c.name, async (t) => {
    const r = decide(input(c.over));
    t.same(r.decision.change ? r.decision.instances : undefined, c.want);
    t.match(r.decision.reason, c.reason);
    if (r.decision.change) t.equal(r.decision.direction, r.decision.instances > (c.over.current ?? 2) ? 'up' : 'down');
  });
}

t.test('the recommendations passed on: this one added, those out of the window dropped', async (t) => {
  const r = decide(input({ current: 4, samples: [0.1, 0.1, 0.1, 0.1], recommendations: recs([400, 9], [100, 4]) }));
  t.same(r.recommendations, [...recs([100, 4]), { atMs: NOW, instances: 1 }]);
  t.equal(r.average, 0.1);
  const none = decide(input({ samples: [undefined, undefined] }));
  t.same(none.recommendations, [], 'no samples, no recommendation');
  t.equal(none.average, undefined);
});

/** Ticks every 5 s through `seconds`, CPU load `loadAt(t)` cores spread over the instances (each at most its cpus). */
function simulate(seconds: number, loadAt: (s: number) => number, autoscale = cpu({ max: 8 })): { s: number; instances: number; direction: string }[] {
  let current = 1;
  let lastScaleAtMs: number | undefined;
  let recommendations: Recommendation[] = [];
  const changes = [];
  for (let s = 0; s <= seconds; s += 5) {
    const nowMs = s * S;
    const perInstance = Math.min(1, loadAt(s) / (current * 0.5));
    const r = decide({ autoscale, current, samples: Array(current).fill(perInstance), cpus: 0.5, lastScaleAtMs, nowMs, recommendations });
    recommendations = r.recommendations;
    if (r.decision.change) {
      changes.push({ s, instances: r.decision.instances, direction: r.decision.direction });
      current = r.decision.instances;
      lastScaleAtMs = nowMs;
    }
  }
  return changes;
}

t.test('a load that comes and goes every minute does not flap', async (t) => {
  // 1 core (4 instances at the target) for 60 s, then 0.2 cores for 60 s, for 15 minutes; then idle.
  const changes = simulate(1800, (s) => (s >= 900 ? 0.05 : Math.floor(s / 60) % 2 === 0 ? 1 : 0.2));
  const during = changes.filter((c) => c.s < 900);
  t.ok(during.length > 0, 'it scaled up');
  t.same(during.map((c) => c.direction), during.map(() => 'up'), `only up while the load comes and goes: ${JSON.stringify(changes)}`);
  t.equal(during.at(-1)?.instances, 4, 'up to what the peak needs');
  const after = changes.filter((c) => c.s >= 900);
  t.same(after.map((c) => [c.direction, c.instances]), [['down', 1]], 'one scale-down once the load has gone');
  // The last peak tick is at 895 s: the window must pass after it first.
  t.ok(after[0]!.s >= 895 + 300, `not before the window has passed since the last peak (at ${after[0]!.s}s)`);
  t.ok(after[0]!.s <= 895 + 300 + 30, `soon after it (at ${after[0]!.s}s)`);
});

t.test('a load that grows is followed up, in steps a cooldown apart, and never past max', async (t) => {
  const changes = simulate(600, (s) => Math.min(3, s / 100), cpu({ max: 8, cooldownSeconds: 30 }));
  t.ok(changes.length >= 2);
  t.same(changes.map((c) => c.direction), changes.map(() => 'up'));
  for (let i = 1; i < changes.length; i++) t.ok(changes[i]!.s - changes[i - 1]!.s >= 30, 'a cooldown apart');
  t.equal(changes.at(-1)?.instances, 8, 'stops at max (3 cores want 12)');
});

t.test('noise around the target changes nothing', async (t) => {
  // 0.95..1.05 cores for 4 instances: within the tolerance all along.
  const changes = simulate(1200, (s) => (s < 60 ? 1 : 1 + 0.05 * Math.sin(s / 7)), cpu({ max: 8, cooldownSeconds: 0 }));
  t.same(changes.filter((c) => c.s >= 120), [], JSON.stringify(changes));
});
