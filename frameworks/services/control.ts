// The seam between the services scheduler (which observes the cluster and carries out plans) and
// the commands behind the HTTP API (apply, plan, scale, rollback...). Commands read a snapshot and
// hand back new desired states; the scheduler persists them before it acts or answers.
import type { AgentView, Instance, PlanResult, ScalarResources, ServiceState } from './deploy/index.js';

/** Everything a command may read, taken at one moment inside `exclusive`. */
export interface ServicesView {
  /** The desired state of every service, by id. */
  states: ReadonlyMap<string, ServiceState>;
  /** Every instance the framework knows of (all services), as last observed. */
  instances: readonly Instance[];
  /** The cluster's agents with their free resources, drain and pressure flags. */
  agents: readonly AgentView[];
  /** The latest plan of each service (status, reasons, steps), by id. */
  plans: ReadonlyMap<string, PlanResult>;
  /** The roles the framework subscribed with; a spec's role must be one of them. */
  roles: readonly string[];
  /** The cluster's total scalar resources and what each role holds, for dominant shares. */
  totals: ScalarResources;
  heldByRole: ReadonlyMap<string, ScalarResources>;
  nowMs: number;
}

/** A change of desired state: services to create or update, and services to remove. */
export interface ServicesChange {
  put: ServiceState[];
  /** Ids of services to remove: their instances are killed, their versions and history deleted. */
  remove: string[];
}

/** What the commands layer needs from the scheduler. */
export interface ServicesControl {
  /** Runs `fn` with no other command or plan in between (one at a time, in call order). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  view(): ServicesView;
  /** Persists the change (it is durable when this resolves), then plans the touched services. */
  commit(change: ServicesChange): Promise<void>;
}
