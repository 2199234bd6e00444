// Prometheus metrics of the services framework, in a registry of its own, read from one view of
// the framework at scrape time: services, instances by state, deployments by phase.
import { Gauge, Registry } from 'prom-client';
import type { ServicesView } from './control.js';
import { DeploymentPhase, InstanceState } from './deploy/index.js';

export function servicesMetrics(read: () => Promise<ServicesView>): Registry {
  const registry = new Registry();
  // One view per scrape, shared by the gauges, so their numbers agree with each other.
  let pending: Promise<ServicesView> | undefined;
  const snapshot = () => {
    pending ??= read().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  new Gauge({
    name: 'berth_services_services',
    help: 'Services with a desired state.',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).states.size);
    },
  });
  new Gauge({
    name: 'berth_services_instances',
    help: 'Instances the framework knows of, by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const view = await snapshot();
      this.reset();
      for (const s of Object.values(InstanceState)) this.set({ state: s }, view.instances.filter((i) => i.state === s).length);
    },
  });
  new Gauge({
    name: 'berth_services_deployments',
    help: 'Each service\'s current or latest deployment, by phase.',
    labelNames: ['phase'],
    registers: [registry],
    async collect() {
      const view = await snapshot();
      this.reset();
      for (const p of Object.values(DeploymentPhase)) this.set({ phase: p }, [...view.states.values()].filter((s) => s.deployment?.phase === p).length);
    },
  });
  return registry;
}
