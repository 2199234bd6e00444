// The services framework's state, behind one interface: the framework id, each service's desired
// state (spec versions, deployment, history, backoff) and a record of every instance, written
// before its launch is sent, so a restarted scheduler knows every task it may have started.
import type { ServiceState } from '../deploy/index.js';
import type { FrameworkAuditStore } from '../sdk-adapter.js';

/** An instance as launched: written before the accept goes to the master, removed once it ended. */
export interface InstanceRecord {
  /** The task id, which is also the instance id. */
  taskId: string;
  serviceId: string;
  /** The spec version it was launched from. */
  version: number;
  agentId: string;
  hostname: string;
  /** Host ports by the spec's port names. */
  ports: Record<string, number>;
  launchedAtMs: number;
}

/** One state change, written atomically: all of it or nothing. */
export interface ServicesStoreChange {
  frameworkId?: string;
  /** Services to write (created or updated). */
  services?: ServiceState[];
  /** Services to delete, with their versions and history. */
  removeServices?: string[];
  instances?: InstanceRecord[];
  /** Instance records to delete, by task id. */
  removeInstances?: string[];
}

/**
 * The services framework's store. `apply` resolves once the change is durable; the scheduler
 * launches, answers a command or acknowledges an update only after that. It also keeps the audit
 * log of operator changes (appendAudit, audit), bounded to its newest events.
 */
export interface ServicesStore extends FrameworkAuditStore {
  apply(change: ServicesStoreChange): Promise<void>;
  frameworkId(): Promise<string | undefined>;
  getService(id: string): Promise<ServiceState | undefined>;
  listServices(): Promise<ServiceState[]>;
  listInstances(): Promise<InstanceRecord[]>;
  close(): Promise<void>;
}
