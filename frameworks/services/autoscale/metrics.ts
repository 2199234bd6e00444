// The autoscaler's Prometheus metrics, in the services framework's registry: decisions applied
// per service and direction, and each autoscaled service's target and measured metric.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AutoscaleSpec } from '../spec/index.js';
import { targetOf, type Direction } from './decide.js';

export interface AutoscaleMetrics {
  decided(serviceId: string, direction: Direction): void;
  /** The service's target and its latest average (undefined: no samples, the gauge is dropped). */
  observe(serviceId: string, autoscale: AutoscaleSpec, average: number | undefined): void;
  /** Drops the gauges of services no longer autoscaled. */
  forget(keep: ReadonlySet<string>): void;
}

const METRIC = { cpu: 'cpu_utilization', rps: 'requests_per_second' } as const;

export function autoscaleMetrics(registry: Registry): AutoscaleMetrics {
  const decisions = new Counter({ name: 'berth_services_autoscale_decisions_total', help: 'Scalings the autoscaler applied, by service and direction (up, down).', labelNames: ['service', 'direction'], registers: [registry] });
  const target = new Gauge({ name: 'berth_services_autoscale_target', help: 'Each autoscaled service\'s target per instance: cpu_utilization (share of its cpus) or requests_per_second.', labelNames: ['service', 'metric'], registers: [registry] });
  const current = new Gauge({ name: 'berth_services_autoscale_metric', help: 'The average per instance the autoscaler last measured, in the unit of the target.', labelNames: ['service', 'metric'], registers: [registry] });
  const labels = new Map<string, { service: string; metric: string }>();
  return {
    decided: (service, direction) => decisions.inc({ service, direction }),
    observe(service, autoscale, average) {
      const t = targetOf(autoscale);
      const l = { service, metric: METRIC[t.metric] };
      const before = labels.get(service);
      if (before && before.metric !== l.metric) {
        target.remove(before);
        current.remove(before);
      }
      labels.set(service, l);
      target.set(l, t.value);
      if (average === undefined) current.remove(l);
      else current.set(l, average);
    },
    forget(keep) {
      for (const [service, l] of labels) {
        if (keep.has(service)) continue;
        target.remove(l);
        current.remove(l);
        labels.delete(service);
      }
    },
  };
}
