// The production ServicesStore: two hashes of JSON values and the framework id, under the
// framework's own key prefix (./keys.ts). Each change is one MULTI/EXEC, so it lands whole or not
// at all; the client's offline queue is disabled, so a write never reaches Redis after its caller
// gave up on it.
import { createClient } from 'redis';
import { BerthError, ErrorCode, backoff } from '../../../protocol/index.js';
import type { ServiceState } from '../deploy/index.js';
import { DEFAULT_SERVICES_KEY_PREFIX, servicesKeys, type ServicesKeys } from './keys.js';
import type { InstanceRecord, ServicesStore, ServicesStoreChange } from './services-store.js';

const COMMAND_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;

type Client = ReturnType<typeof makeClient>;

function makeClient(url: string) {
  const delay = backoff({ initialMs: 50, maxMs: 2_000 });
  return createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: (retries: number) => delay(retries) },
  });
}

export class RedisServicesStore implements ServicesStore {
  #client: Client;
  #keys: ServicesKeys;

  private constructor(client: Client, keys: ServicesKeys) {
    this.#client = client;
    this.#keys = keys;
  }

  /**
   * Connects to `url` (redis://host:port[/db]); every key starts with `prefix`. Rejects with
   * STORE_UNAVAILABLE when Redis does not answer within 5 s. `onConnectionError` hears reconnects.
   */
  static async connect(url: string, prefix = DEFAULT_SERVICES_KEY_PREFIX, onConnectionError?: (err: Error) => void): Promise<RedisServicesStore> {
    if (typeof prefix !== 'string' || prefix === '') throw new BerthError(ErrorCode.INVALID_CALL, 'prefix must be a non-empty string', { field: 'prefix' });
    const client = makeClient(url);
    // node-redis emits 'error' on every failed (re)connect; unheard it would crash the process.
    client.on('error', (err: unknown) => onConnectionError?.(err instanceof Error ? err : new Error(String(err))));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS))),
      ]);
    } catch (err) {
      client.destroy();
      throw new BerthError(ErrorCode.STORE_UNAVAILABLE, `cannot reach redis: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    return new RedisServicesStore(client, servicesKeys(prefix));
  }

  async apply(change: ServicesStoreChange): Promise<void> {
    const k = this.#keys;
    const m = this.#client.multi();
    if (change.frameworkId !== undefined) m.set(k.frameworkId, change.frameworkId);
    for (const s of change.services ?? []) m.hSet(k.services, s.id, JSON.stringify(s));
    for (const id of change.removeServices ?? []) m.hDel(k.services, id);
    for (const i of change.instances ?? []) m.hSet(k.instances, i.taskId, JSON.stringify(i));
    for (const id of change.removeInstances ?? []) m.hDel(k.instances, id);
    await this.#do(() => m.exec());
  }

  async frameworkId(): Promise<string | undefined> {
    return (await this.#do(() => this.#client.get(this.#keys.frameworkId))) ?? undefined;
  }

  async getService(id: string): Promise<ServiceState | undefined> {
    const v = await this.#do(() => this.#client.hGet(this.#keys.services, id));
    return v === null || v === undefined ? undefined : (JSON.parse(v) as ServiceState);
  }

  listServices(): Promise<ServiceState[]> {
    return this.#values<ServiceState>(this.#keys.services);
  }

  listInstances(): Promise<InstanceRecord[]> {
    return this.#values<InstanceRecord>(this.#keys.instances);
  }

  async close(): Promise<void> {
    try {
      await this.#client.close();
    } catch {
      this.#client.destroy();
    }
  }

  async #values<T>(key: string): Promise<T[]> {
    const vs = await this.#do(() => this.#client.hVals(key));
    return vs.map((v) => JSON.parse(v) as T);
  }

  /** Every failure to talk to Redis becomes STORE_UNAVAILABLE, with the cause kept. */
  async #do<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new BerthError(ErrorCode.STORE_UNAVAILABLE, `redis: ${(err as Error).message}`, { cause: err });
    }
  }
}
