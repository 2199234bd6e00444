// The production ServicesStore: two hashes of JSON values and the framework id, under the
// framework's own key prefix (./keys.ts). Each change is one MULTI/EXEC, so it lands whole or not
// at all; the client's offline queue is disabled, so a write never reaches Redis after its caller
// gave up on it.
import { BerthError, ErrorCode } from '../../../protocol/index.js';
import { checkAuditRetention, closeStateRedis, connectStateRedis, RedisAuditLog, stateCall, type FrameworkAuditEvent, type StateRedisClient } from '../sdk-adapter.js';
import type { ServiceState } from '../deploy/index.js';
import { DEFAULT_SERVICES_KEY_PREFIX, servicesKeys, type ServicesKeys } from './keys.js';
import type { InstanceRecord, ServicesStore, ServicesStoreChange } from './services-store.js';

export class RedisServicesStore implements ServicesStore {
  #client: StateRedisClient;
  #keys: ServicesKeys;
  #audit: RedisAuditLog;

  private constructor(client: StateRedisClient, keys: ServicesKeys, auditMaxLen: number) {
    this.#client = client;
    this.#keys = keys;
    this.#audit = new RedisAuditLog(client, keys.audit, auditMaxLen);
  }

  /**
   * Connects to `url` (redis://host:port[/db]); every key starts with `prefix`. Rejects with
   * STORE_UNAVAILABLE when Redis does not answer within 5 s. `onConnectionError` hears reconnects;
   * `auditMaxLen` is how many audit events are kept (newest; default 10,000).
   */
  static async connect(url: string, prefix = DEFAULT_SERVICES_KEY_PREFIX, onConnectionError?: (err: Error) => void, options: { auditMaxLen?: number; tlsCa?: string | Buffer | undefined } = {}): Promise<RedisServicesStore> {
    if (typeof prefix !== 'string' || prefix === '') throw new BerthError(ErrorCode.INVALID_CALL, 'prefix must be a non-empty string', { field: 'prefix' });
    const auditMaxLen = checkAuditRetention(options.auditMaxLen, 'auditMaxLen');
    const client = await connectStateRedis({ url, ...(onConnectionError ? { onConnectionError } : {}), tlsCa: options.tlsCa });
    return new RedisServicesStore(client, servicesKeys(prefix), auditMaxLen);
  }

  async apply(change: ServicesStoreChange): Promise<void> {
    const k = this.#keys;
    const m = this.#client.multi();
    if (change.frameworkId !== undefined) m.set(k.frameworkId, change.frameworkId);
    for (const s of change.services ?? []) m.hSet(k.services, s.id, JSON.stringify(s));
    for (const id of change.removeServices ?? []) m.hDel(k.services, id);
    for (const i of change.instances ?? []) m.hSet(k.instances, i.taskId, JSON.stringify(i));
    for (const id of change.removeInstances ?? []) m.hDel(k.instances, id);
    await stateCall(() => m.exec());
  }

  async frameworkId(): Promise<string | undefined> {
    return (await stateCall(() => this.#client.get(this.#keys.frameworkId))) ?? undefined;
  }

  async getService(id: string): Promise<ServiceState | undefined> {
    const v = await stateCall(() => this.#client.hGet(this.#keys.services, id));
    return v === null || v === undefined ? undefined : (JSON.parse(v) as ServiceState);
  }

  listServices(): Promise<ServiceState[]> {
    return this.#values<ServiceState>(this.#keys.services);
  }

  listInstances(): Promise<InstanceRecord[]> {
    return this.#values<InstanceRecord>(this.#keys.instances);
  }

  appendAudit(event: FrameworkAuditEvent): Promise<void> {
    return this.#audit.appendAudit(event);
  }

  audit(count: number): Promise<FrameworkAuditEvent[]> {
    return this.#audit.audit(count);
  }

  close(): Promise<void> {
    return closeStateRedis(this.#client);
  }

  async #values<T>(key: string): Promise<T[]> {
    const vs = await stateCall(() => this.#client.hVals(key));
    return vs.map((v) => JSON.parse(v) as T);
  }
}
