// The autoscaler's decision for one service, pure: from the spec's autoscale, the instance count,
// one sample per instance and the recent recommendations to a new count (with the sentence the
// history shows) or "no change" and why. The rules are the Kubernetes HPA's (docs/services-spec.md).
import type { AutoscaleSpec } from '../spec/index.js';

/** An average this close to the target (as a share of it) changes nothing, as in the HPA. */
export const TOLERANCE = 0.1;

/** What a service was recommended at one decision: scale-downs go to the highest of the window. */
export interface Recommendation {
  atMs: number;
  instances: number;
}

export interface DecideInput {
  autoscale: AutoscaleSpec;
  /** The instances the service asks for now (its target version's `instances`). */
  current: number;
  /**
   * One value per instance in rotation: the CPU it used as a share of its `resources.cpus`, or its
   * requests per second (which one, the target says). `undefined`: no sample for that instance.
   */
  samples: readonly (number | undefined)[];
  /** The instance's cpus, for the sentence of a CPU decision. */
  cpus: number;
  /** When the service last changed (its target version was applied); undefined: never. */
  lastScaleAtMs: number | undefined;
  nowMs: number;
  /** The recommendations of earlier decisions (any order; those outside the window are ignored). */
  recommendations: readonly Recommendation[];
}

export type Direction = 'up' | 'down';

export type Decision =
  | { change: true; instances: number; direction: Direction; reason: string }
  | { change: false; reason: string };

export interface DecideResult {
  decision: Decision;
  /** The recommendations to pass to the next decision: this one's added, those out of the window dropped. */
  recommendations: Recommendation[];
  /** The average of the samples (undefined without any), for the metrics. */
  average: number | undefined;
}

/** The target's metric and value. */
export function targetOf(a: AutoscaleSpec): { metric: 'cpu' | 'rps'; value: number } {
  return a.target.cpuUtilization !== undefined ? { metric: 'cpu', value: a.target.cpuUtilization } : { metric: 'rps', value: a.target.requestsPerSecond };
}

const percent = (x: number) => `${Math.round(x * 100)}%`;
const rate = (x: number) => String(Math.round(x * 10) / 10);

/** Decides one service's instance count (see the file's header). */
export function decide(input: DecideInput): DecideResult {
  const { autoscale: a, current, nowMs } = input;
  const windowMs = a.stabilizationWindowSeconds * 1000;
  const kept = input.recommendations.filter((r) => r.atMs > nowMs - windowMs && r.atMs <= nowMs);
  const target = targetOf(a);
  const values = input.samples.filter((v): v is number => v !== undefined && Number.isFinite(v) && v >= 0);
  const average = values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : undefined;
  const unchanged = (reason: string, recommendations = kept): DecideResult => ({ decision: { change: false, reason }, recommendations, average });
  const to = (instances: number, reason: string, recommendations = kept): DecideResult => ({
    decision: { change: true, instances, direction: instances > current ? 'up' : 'down', reason: `autoscale: ${reason}, ${current} -> ${instances}` },
    recommendations,
    average,
  });

  // A count outside the range (a manual scale before autoscale was set) is brought back first.
  if (current < a.min) return to(a.min, `below autoscale.min ${a.min}`);
  if (current > a.max) return to(a.max, `above autoscale.max ${a.max}`);
  if (average === undefined) return unchanged(current === 0 ? 'no instances' : 'no samples yet');

  const ratio = average / target.value;
  const missing = Math.max(0, current - values.length);
  const sum = values.reduce((s, v) => s + v, 0);
  let raw = Math.ceil(sum / target.value - 1e-9);
  let why = `${raw} recommended`;
  if (Math.abs(ratio - 1) <= TOLERANCE) [raw, why] = [current, 'within 10% of the target'];
  // Missing data never scales down: an instance without a sample may be the busy one.
  else if (raw < current && missing > 0) [raw, why] = [current, 'no scale-down while instances lack samples'];
  if (raw > a.max) [raw, why] = [a.max, `at most autoscale.max ${a.max}`];
  if (raw < a.min) [raw, why] = [a.min, `at least autoscale.min ${a.min}`];
  const recommendations = [...kept, { atMs: nowMs, instances: raw }];
  const highest = Math.max(...recommendations.map((r) => r.instances));
  const next = raw > current ? raw : Math.min(current, highest);

  const what = target.metric === 'cpu'
    ? `cpu ${percent(average)} of ${input.cpus} cpus, target ${percent(target.value)}`
    : `${rate(average)} requests/s per instance, target ${rate(target.value)}`;
  const sampled = missing > 0 ? ` (${values.length} of ${current} instances sampled)` : '';
  if (next === current) {
    const held = raw < current ? `; ${highest} within the last ${a.stabilizationWindowSeconds}s` : '';
    return unchanged(`${what}${sampled}: ${why}${held}`, recommendations);
  }
  const sinceMs = input.lastScaleAtMs === undefined ? Infinity : nowMs - input.lastScaleAtMs;
  if (sinceMs < a.cooldownSeconds * 1000) {
    return unchanged(`${what}: ${next} wanted, cooling down (last change ${Math.round(sinceMs / 1000)}s ago, cooldownSeconds ${a.cooldownSeconds})`, recommendations);
  }
  const stabilized = next > raw ? ` (the highest recommendation of the last ${a.stabilizationWindowSeconds}s)` : '';
  return to(next, `${what}${sampled}${stabilized}`, recommendations);
}
