// The `autoscale` field of a service: its defaults, its piece of the JSON Schema, and the checks
// and warnings a schema cannot express (min <= max; `instances` clamped into [min, max]).
import { joinPath } from './field-path.js';
import type { AutoscaleSpec, ServiceInput, ServiceSpec, SpecProblem } from './types.js';

export const AUTOSCALE_DEFAULTS = { min: 1, stabilizationWindowSeconds: 300, cooldownSeconds: 30 } as const;

const A = AUTOSCALE_DEFAULTS;

/** The schema of the field; MAX is the most instances a service may ask for. */
export const autoscaleSchema = (MAX: number) => ({
  type: 'object',
  description: 'Instances follow the load between min and max, held near one target per instance (the Kubernetes HPA\'s rules: docs/services-spec.md#autoscaling). While it is set, `instances` is the starting count, clamped into [min, max].',
  additionalProperties: false,
  required: ['max', 'target'],
  properties: {
    min: { type: 'integer', minimum: 1, maximum: MAX, description: `The fewest instances, 1 to ${MAX}, at most max. Default ${A.min}.` },
    max: { type: 'integer', minimum: 1, maximum: MAX, description: `The most instances, 1 to ${MAX}.` },
    target: {
      type: 'object',
      description: 'Exactly one of: cpuUtilization (0 < x <= 1: the average CPU use per instance as a share of its resources.cpus) or requestsPerSecond (> 0: the average per instance, counted at the load balancers).',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      'x-rule': 'must have exactly one of cpuUtilization, requestsPerSecond',
      properties: {
        cpuUtilization: { type: 'number', exclusiveMinimum: 0, maximum: 1, 'x-rule': 'must be > 0 and <= 1 (a share of resources.cpus)' },
        requestsPerSecond: { type: 'number', exclusiveMinimum: 0, 'x-rule': 'must be > 0' },
      },
    },
    stabilizationWindowSeconds: { type: 'number', minimum: 0, maximum: 3600, description: `A scale-down goes only to the highest recommendation of this many seconds, 0..3600. Default ${A.stabilizationWindowSeconds}.` },
    cooldownSeconds: { type: 'number', minimum: 0, maximum: 3600, description: `No two scalings closer than this many seconds, 0..3600. Default ${A.cooldownSeconds}.` },
  },
});

/** The autoscale field with its defaults filled (a copy). */
export function filledAutoscale(a: NonNullable<ServiceInput['autoscale']>): AutoscaleSpec {
  const target = a.target.cpuUtilization !== undefined ? { cpuUtilization: a.target.cpuUtilization } : { requestsPerSecond: a.target.requestsPerSecond! };
  return {
    min: a.min ?? A.min,
    max: a.max,
    target,
    stabilizationWindowSeconds: a.stabilizationWindowSeconds ?? A.stabilizationWindowSeconds,
    cooldownSeconds: a.cooldownSeconds ?? A.cooldownSeconds,
  };
}

/** `instances` moved into [min, max] (unchanged when min > max, which the checks refuse). */
export function clampInstances(instances: number, a: Pick<AutoscaleSpec, 'min' | 'max'>): number {
  if (a.min > a.max) return instances;
  return Math.min(a.max, Math.max(a.min, instances));
}

type Report = (tail: string, rule: string, message: string) => void;

/** What the schema cannot say about one filled spec's autoscale. */
export function autoscaleProblems(s: ServiceSpec, report: Report): void {
  const a = s.autoscale;
  if (a && a.min > a.max) report('autoscale.min', `must be <= autoscale.max (${a.max})`, `is ${a.min}, above autoscale.max ${a.max}`);
}

/** A warning for each service whose written `instances` lies outside its autoscale range. */
export function autoscaleWarnings(inputs: readonly ServiceInput[], services: readonly ServiceSpec[], prefixes: readonly string[]): SpecProblem[] {
  const warnings: SpecProblem[] = [];
  services.forEach((s, i) => {
    const written = inputs[i]?.instances;
    if (!s.autoscale || written === undefined || written === s.instances) return;
    const path = joinPath(prefixes[i]!, 'instances');
    warnings.push({
      path,
      rule: `clamped into autoscale.min..max (${s.autoscale.min}..${s.autoscale.max})`,
      message: `${path} is ${written}, outside autoscale.min..max (${s.autoscale.min}..${s.autoscale.max}); the service starts with ${s.instances}`,
    });
  });
  return warnings;
}
