// The in-memory ServicesStore, for `berth dev` and tests: one process, nothing survives it. Values
// are kept as JSON, so callers never share objects with the store (as with Redis).
import type { ServiceState } from '../deploy/index.js';
import { MemoryAuditLog, type FrameworkAuditEvent } from '../sdk-adapter.js';
import type { InstanceRecord, ServicesStore, ServicesStoreChange } from './services-store.js';

export class MemoryServicesStore implements ServicesStore {
  #frameworkId: string | undefined;
  #services = new Map<string, string>();
  #instances = new Map<string, string>();
  #audit: MemoryAuditLog;

  /** `auditLimit`: audit events kept (newest); default 10,000. */
  constructor(options: { auditLimit?: number } = {}) {
    this.#audit = new MemoryAuditLog(options.auditLimit);
  }

  async apply(change: ServicesStoreChange): Promise<void> {
    if (change.frameworkId !== undefined) this.#frameworkId = change.frameworkId;
    for (const s of change.services ?? []) this.#services.set(s.id, JSON.stringify(s));
    for (const id of change.removeServices ?? []) this.#services.delete(id);
    for (const i of change.instances ?? []) this.#instances.set(i.taskId, JSON.stringify(i));
    for (const id of change.removeInstances ?? []) this.#instances.delete(id);
  }

  async frameworkId(): Promise<string | undefined> {
    return this.#frameworkId;
  }

  async getService(id: string): Promise<ServiceState | undefined> {
    const v = this.#services.get(id);
    return v === undefined ? undefined : (JSON.parse(v) as ServiceState);
  }

  async listServices(): Promise<ServiceState[]> {
    return [...this.#services.values()].map((v) => JSON.parse(v) as ServiceState);
  }

  async listInstances(): Promise<InstanceRecord[]> {
    return [...this.#instances.values()].map((v) => JSON.parse(v) as InstanceRecord);
  }

  appendAudit(event: FrameworkAuditEvent): Promise<void> {
    return this.#audit.appendAudit(event);
  }

  audit(count: number): Promise<FrameworkAuditEvent[]> {
    return this.#audit.audit(count);
  }

  async close(): Promise<void> {}
}
