// Where a framework's audit events are kept: in memory (a bounded array of JSON) or in one Redis
// list trimmed to its newest events in the same MULTI as the append. Both keep at most `limit`.
import { checkAuditRetention, type FrameworkAuditEvent, type FrameworkAuditStore } from './audit.js';
import { stateCall, type StateRedisClient } from './state-redis.js';

export class MemoryAuditLog implements FrameworkAuditStore {
  readonly #limit: number;
  #events: string[] = [];

  constructor(limit?: number) {
    this.#limit = checkAuditRetention(limit, 'auditLimit');
  }

  async appendAudit(event: FrameworkAuditEvent): Promise<void> {
    this.#events.push(JSON.stringify(event));
    if (this.#events.length > this.#limit) this.#events.splice(0, this.#events.length - this.#limit);
  }

  async audit(count: number): Promise<FrameworkAuditEvent[]> {
    if (!(count > 0)) return [];
    return this.#events.slice(-count).map((e) => JSON.parse(e) as FrameworkAuditEvent);
  }
}

export class RedisAuditLog implements FrameworkAuditStore {
  readonly #client: StateRedisClient;
  readonly #key: string;
  readonly #maxLen: number;

  constructor(client: StateRedisClient, key: string, maxLen?: number) {
    this.#client = client;
    this.#key = key;
    this.#maxLen = checkAuditRetention(maxLen, 'auditMaxLen');
  }

  async appendAudit(event: FrameworkAuditEvent): Promise<void> {
    const m = this.#client.multi();
    m.rPush(this.#key, JSON.stringify(event));
    m.lTrim(this.#key, -this.#maxLen, -1);
    await stateCall(() => m.exec());
  }

  async audit(count: number): Promise<FrameworkAuditEvent[]> {
    if (!(count > 0)) return [];
    const list = await stateCall(() => this.#client.lRange(this.#key, -count, -1));
    return list.map((e) => JSON.parse(e) as FrameworkAuditEvent);
  }
}
