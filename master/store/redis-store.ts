// The production ClusterStore: state in Redis hashes, history in a Redis stream, the leader lease in
// a key with a PX expiry. Every write is one Lua script (./scripts.ts) that checks the epoch first.
import { ErrorReply } from 'redis';
import { backoff, BerthError, ErrorCode } from '../../protocol/index.js';
import type { CampaignResult, Candidate, ClusterStore, LeaderInfo, Presence, Renewal } from './cluster-store.js';
import { DEFAULT_KEY_PREFIX, presenceChannel, storeKeys, type StoreKeys } from './keys.js';
import { readAgent, readChange, readFramework, readTask, type AgentRecord, type AuditEvent, type ClusterState, type FrameworkRecord, type RoleRecord, type StateChange, type TaskRecord } from './records.js';
import { connectRedis, connectSubscriber, parseRedisTarget, redactUrl, withDeadline, type RedisConnection, type RedisTarget } from './redis-connection.js';
import { RedisPresence } from './redis-presence.js';
import { APPLY, CAMPAIGN, RENEW, RESIGN, scriptError, type Script } from './scripts.js';
import { decodeChange, encodeChange, withStatus } from './redis-changes.js';

export interface RedisStoreOptions {
  /**
   * redis://[[user][:password]@]host[:port][/db], rediss:// for TLS, or
   * redis-sentinel://[user[:password]@]host:port[,host:port...]/MASTER-NAME to follow the primary
   * that Redis Sentinel names (rediss-sentinel:// for TLS to the data nodes).
   */
  url: string;
  /**
   * A write is acknowledged only once this many replicas have it (Redis WAIT), so a failover to
   * one of them cannot lose it. Default 0: acknowledged once the primary has it.
   */
  minReplicasAcked?: number | undefined;
  /** How long a write waits for those replicas before it fails (outcome unknown). Default 1000. */
  replicaAckTimeoutMs?: number | undefined;
  /** Prefix of every key (./keys.ts); one per cluster sharing a Redis. Default `berth:`. */
  keyPrefix?: string | undefined;
  /** How long one command may take before it fails with STORE_UNAVAILABLE. Default 5000. */
  commandTimeoutMs?: number | undefined;
  /** How long open() waits for the first connection (retrying with backoff meanwhile). Default 5000. */
  connectTimeoutMs?: number | undefined;
  /** Timeout of load(), which reads the whole registry in one reply. Default 60000. */
  loadTimeoutMs?: number | undefined;
  /** The event stream is trimmed to about this many entries. Default 100000. */
  eventsMaxLen?: number | undefined;
  /** The audit list keeps the newest this many events. Default 10000. */
  auditMaxLen?: number | undefined;
  /** Delay before reconnect attempt n (0-based). Default: exponential backoff 50 ms … 2 s, never giving up. */
  reconnectDelayMs?: ((attempt: number) => number) | undefined;
  /**
   * Told about connection errors (each failed reconnect too), for logging; the store itself never
   * logs. Calls in flight meanwhile fail with STORE_UNAVAILABLE rather than queueing.
   */
  onConnectionError?: ((err: Error) => void) | undefined;
  /** For rediss:// (and rediss-sentinel://): the CA certificate(s), PEM, to trust instead of the system's. */
  tlsCa?: string | Buffer | undefined;
}

type Client = RedisConnection;
type HistoryEntry = { id: string; epoch: number; change: StateChange };

const DEFAULTS = {
  keyPrefix: DEFAULT_KEY_PREFIX,
  commandTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
  loadTimeoutMs: 60_000,
  eventsMaxLen: 100_000,
  auditMaxLen: 10_000,
  minReplicasAcked: 0,
  replicaAckTimeoutMs: 1_000,
} as const;

// Error replies that mean "Redis cannot serve this now", not "the request is wrong".
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF|OOM)\b/;

export class RedisStore implements ClusterStore {
  #config: Config;
  #keys: StoreKeys;
  #client: Client;
  #runOnOne: <T>(fn: (c: Client) => Promise<T>) => Promise<T> = (fn) => fn(this.#client);
  #closed = false;

  private constructor(config: Config) {
    this.#config = config;
    this.#keys = storeKeys(config.keyPrefix);
    this.#client = this.#connect();
  }

  /**
   * Connects to Redis. Rejects with STORE_UNAVAILABLE when no connection is made within
   * connectTimeoutMs. Afterwards the client reconnects on its own; calls made while it is
   * disconnected fail at once with STORE_UNAVAILABLE (the offline queue is disabled, so a write
   * is never sent late, after its caller gave up on it).
   */
  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const config = validate(options);
    const url = redactUrl(config.url);
    let store: RedisStore;
    try {
      store = new RedisStore(config);
    } catch (err) {
      throw new BerthError(ErrorCode.BAD_REQUEST, `invalid redis url ${url}: ${(err as Error).message}`, { cause: err, field: 'url' });
    }
    const client = store.#client;
    // Why the connection attempts fail (refused, WRONGPASS, a TLS error), for the message.
    let lastError = '';
    const noteError = (err: unknown): void => void (lastError = err instanceof Error ? err.message : String(err));
    client.on('error', noteError);
    try {
      await withDeadline(
        new Promise<void>((resolve, reject) => {
          if (client.isReady) return resolve();
          client.once('ready', () => resolve());
          client.once('terminated', (err: unknown) => reject(err));
        }),
        config.connectTimeoutMs,
        () => new BerthError(ErrorCode.STORE_UNAVAILABLE, `redis at ${url} not reachable within ${config.connectTimeoutMs} ms${lastError ? ` (${lastError})` : ''}`),
      );
      client.off('error', noteError);
    } catch (err) {
      store.#closed = true;
      client.destroy();
      throw toStoreError(`connect to ${url}`, err);
    }
    return store;
  }

  /** The key names this store uses (for operators and tests). */
  get keys(): StoreKeys {
    return this.#keys;
  }

  async campaign(candidate: Candidate, leaseMs: number): Promise<CampaignResult> {
    const k = this.#keys;
    const channel = candidate.presence ? presenceChannel(k, candidate.masterId) : '';
    const grace = candidate.presenceGraceMs === undefined ? '' : String(Math.max(0, Math.round(candidate.presenceGraceMs)));
    const reply = await this.#eval(CAMPAIGN, [k.leader, k.epoch], [candidate.masterId, candidate.url, leaseArg(leaseMs), channel, grace]);
    const [code, lease] = reply as [number, string];
    return { elected: code !== 0, leader: parseLeader(lease), ...(code === 3 ? { tookOver: true } : {}) };
  }

  openPresence(masterId: string): Presence | undefined {
    const client = connectSubscriber(this.#config.target, this.#config, `berth-presence-${masterId.replace(/[^\w.:-]/g, '_')}`);
    if (!client) return undefined;
    client.on('error', (err: unknown) => this.#config.onConnectionError?.(err instanceof Error ? err : new Error(String(err))));
    return new RedisPresence(client, presenceChannel(this.#keys, masterId));
  }

  async renew(masterId: string, epoch: number, leaseMs: number, presence = false): Promise<Renewal> {
    const channel = presence ? presenceChannel(this.#keys, masterId) : '';
    const reply = await this.#eval(RENEW, [this.#keys.leader], [masterId, String(epoch), leaseArg(leaseMs), channel]);
    return reply === 1 ? 'held' : reply === 2 ? 'exposed' : 'lost';
  }

  async resign(masterId: string, epoch: number): Promise<void> {
    await this.#eval(RESIGN, [this.#keys.leader], [masterId, String(epoch)]);
  }

  async leader(): Promise<LeaderInfo | null> {
    const value = await this.#call('leader', (client) => client.get(this.#keys.leader));
    return value === null ? null : parseLeader(value);
  }

  async load(): Promise<ClusterState> {
    const k = this.#keys;
    // One MULTI, so the hashes are read at one instant and a task never refers to an agent
    // that a later read would have missed.
    const replies = await this.#call(
      'load',
      (client) => client.multi().hGetAll(k.agents).hGetAll(k.frameworks).hGetAll(k.tasks).hGetAll(k.roles).hGetAll(k.completed).hGetAll(k.statuses).xRevRange(k.events, '+', '-', { COUNT: 1 }).exec(),
      this.#config.loadTimeoutMs,
    );
    const [agents, frameworks, tasks, roles, completed, statuses] = replies as unknown as Record<string, string>[];
    const last = replies[6] as unknown as { id: string }[];
    return {
      version: last[0]?.id ?? '0-0',
      agents: Object.values(agents).map((v) => readAgent(JSON.parse(v) as AgentRecord)),
      frameworks: Object.values(frameworks).map((v) => readFramework(JSON.parse(v) as FrameworkRecord)),
      tasks: Object.entries(tasks).map(([id, v]) => withStatus(readTask(JSON.parse(v) as TaskRecord), statuses?.[id])),
      roles: Object.values(roles ?? {}).map((v) => JSON.parse(v) as RoleRecord),
      // A hash has no order: oldest first by the time of the last status.
      completedTasks: Object.values(completed ?? {}).map((v) => readTask(JSON.parse(v) as TaskRecord)).sort((a, b) => a.status.timestampMs - b.status.timestampMs),
    };
  }

  async stateVersion(): Promise<string> {
    const last = await this.#call('stateVersion', (client) => client.xRevRange(this.#keys.events, '+', '-', { COUNT: 1 }));
    return last?.[0]?.id ?? '0-0';
  }

  async apply(epoch: number, changes: readonly StateChange[]): Promise<void> {
    const k = this.#keys;
    const args = [String(epoch), String(this.#config.eventsMaxLen)];
    for (const change of changes) args.push(...encodeChange(change));
    const { minReplicasAcked: replicas, replicaAckTimeoutMs } = this.#config;
    const reply = await this.#eval(APPLY, [k.epoch, k.agents, k.frameworks, k.tasks, k.events, k.roles, k.completed, k.statuses], args, async (client) => {
      if (replicas === 0) return;
      // WAIT counts the replicas that have every write made on this connection so far.
      const acked = await client.wait(replicas, replicaAckTimeoutMs);
      if (acked < replicas) {
        throw new BerthError(ErrorCode.STORE_UNAVAILABLE, `apply: written on the primary but ${acked} of ${replicas} replicas acknowledged it within ${replicaAckTimeoutMs} ms (not acknowledged; it may survive)`);
      }
    });
    if (typeof reply !== 'number' || reply < 0) throw scriptError(Number(reply), { script: APPLY.name, epoch });
  }

  async history(count: number): Promise<HistoryEntry[]> {
    if (!(count > 0)) return [];
    const entries = await this.#call('history', (client) =>
      client.xRevRange(this.#keys.events, '+', '-', { COUNT: Math.floor(count) }),
    );
    return (entries ?? []).reverse().map((entry) => {
      const m = entry.message as Record<string, string>;
      return { id: entry.id, epoch: Number(m.epoch), change: readChange(decodeChange(m.type ?? '', m.id ?? '', m.value ?? '')) };
    });
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    const key = this.#keys.audit;
    // One MULTI: the list never holds more than auditMaxLen events, even for a moment.
    await this.#call('appendAudit', (client) => client.multi().rPush(key, JSON.stringify(event)).lTrim(key, -this.#config.auditMaxLen, -1).exec());
  }

  async audit(count: number): Promise<AuditEvent[]> {
    if (!(count > 0)) return [];
    const values = await this.#call('audit', (client) => client.lRange(this.#keys.audit, -Math.floor(count), -1));
    return values.map((v) => JSON.parse(v) as AuditEvent);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = this.#client;
    if (!client.isOpen) return;
    // close() lets calls in flight finish; a hung server must not hang shutdown, hence the deadline.
    try {
      await withDeadline(client.close(), this.#config.commandTimeoutMs, () => new Error('close timed out'));
    } catch {
      client.destroy();
    }
  }

  /** A new client, connecting (and reconnecting with backoff) in the background. */
  #connect(): Client {
    const c = this.#config;
    const { client, runOnOne } = connectRedis(c.target, c);
    this.#runOnOne = runOnOne;
    // node-redis emits 'error' on every failed (re)connect; without a listener that would crash the process.
    client.on('error', (err: unknown) => c.onConnectionError?.(err instanceof Error ? err : new Error(String(err))));
    // connect() settles when ready, or rejects once the client is destroyed; callers watch 'ready'.
    client.connect().catch(() => undefined);
    return client;
  }

  /**
   * Replaces a connection that let a call time out. node-redis times a command out only while it
   * waits to be written, never once sent, so a paused server or a silent partition would leave
   * calls (and TCP retransmits) pending for minutes; a fresh connection fails fast instead and
   * comes back as soon as Redis does.
   */
  #recycle(stale: Client): void {
    if (this.#closed || this.#client !== stale) return;
    this.#client = this.#connect();
    stale.destroy();
  }

  /**
   * Runs a script by SHA, sending its source once when Redis does not know it (first use, restart);
   * `then` runs next on the same connection (a WAIT for replicas) when the script wrote.
   */
  async #eval(script: Script, keys: string[], args: string[], then?: (client: Client) => Promise<void>): Promise<unknown> {
    return this.#call(script.name, () => this.#runOnOne(async (client) => {
      let reply: unknown;
      try {
        reply = await client.evalSha(script.sha, { keys, arguments: args });
      } catch (err) {
        if (!(err instanceof ErrorReply && err.message.startsWith('NOSCRIPT'))) throw err;
        reply = await client.eval(script.source, { keys, arguments: args });
      }
      if (then && typeof reply === 'number' && reply >= 0) await then(client);
      return reply;
    }));
  }

  /**
   * Every call to Redis goes through here: it gets a deadline, and every failure leaves as a
   * BerthError with its cause.
   */
  async #call<T>(what: string, fn: (client: Client) => Promise<T>, timeoutMs = this.#config.commandTimeoutMs): Promise<T> {
    if (this.#closed) throw new BerthError(ErrorCode.STORE_UNAVAILABLE, `${what}: the store is closed`);
    const client = this.#client;
    try {
      return await withDeadline(fn(client), timeoutMs, () => {
        this.#recycle(client);
        // The command may still run when Redis answers; changes are idempotent puts and deletes.
        return new BerthError(ErrorCode.STORE_UNAVAILABLE, `${what}: no reply from redis within ${timeoutMs} ms (outcome unknown)`);
      });
    } catch (err) {
      throw toStoreError(what, err);
    }
  }
}

interface Config {
  url: string;
  tlsCa: string | Buffer | undefined;
  target: RedisTarget;
  keyPrefix: string;
  minReplicasAcked: number;
  replicaAckTimeoutMs: number;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  loadTimeoutMs: number;
  eventsMaxLen: number;
  auditMaxLen: number;
  reconnectDelayMs: (attempt: number) => number;
  onConnectionError: ((err: Error) => void) | undefined;
}

function validate(options: RedisStoreOptions): Config {
  const problems: string[] = [];
  let target: RedisTarget = { kind: 'server', url: '' };
  try {
    target = parseRedisTarget(typeof options.url === 'string' ? options.url : '');
  } catch (err) {
    problems.push((err as Error).message);
  }
  const o: Config = {
    url: options.url,
    target,
    keyPrefix: options.keyPrefix ?? DEFAULTS.keyPrefix,
    minReplicasAcked: options.minReplicasAcked ?? DEFAULTS.minReplicasAcked,
    replicaAckTimeoutMs: options.replicaAckTimeoutMs ?? DEFAULTS.replicaAckTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    loadTimeoutMs: options.loadTimeoutMs ?? DEFAULTS.loadTimeoutMs,
    eventsMaxLen: options.eventsMaxLen ?? DEFAULTS.eventsMaxLen,
    auditMaxLen: options.auditMaxLen ?? DEFAULTS.auditMaxLen,
    reconnectDelayMs: options.reconnectDelayMs ?? backoff({ initialMs: 50, maxMs: 2_000 }),
    onConnectionError: options.onConnectionError,
    tlsCa: options.tlsCa,
  };
  if (typeof o.keyPrefix !== 'string' || o.keyPrefix.length === 0) problems.push('keyPrefix must be a non-empty string');
  for (const field of ['commandTimeoutMs', 'connectTimeoutMs', 'loadTimeoutMs', 'eventsMaxLen', 'auditMaxLen', 'replicaAckTimeoutMs'] as const) {
    if (!Number.isInteger(o[field]) || o[field] <= 0) problems.push(`${field} must be a positive integer`);
  }
  if (!Number.isInteger(o.minReplicasAcked) || o.minReplicasAcked < 0) problems.push('minReplicasAcked must be a whole number >= 0');
  if (typeof o.reconnectDelayMs !== 'function') problems.push('reconnectDelayMs must be a function');
  if (problems.length > 0) throw new BerthError(ErrorCode.BAD_REQUEST, `invalid RedisStore options: ${problems.join('; ')}`);
  return o;
}

/** Maps a client failure to STORE_UNAVAILABLE (Redis cannot answer now) or INTERNAL (our bug). */
function toStoreError(what: string, err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ErrorReply && !TRANSIENT_REPLY.test(message)) {
    return new BerthError(ErrorCode.INTERNAL, `${what}: redis replied ${message}`, { cause: err });
  }
  // A timeout after the command was sent leaves its outcome unknown; callers retry idempotently.
  return new BerthError(ErrorCode.STORE_UNAVAILABLE, `${what}: redis unavailable (${message || (err as Error)?.name})`, { cause: err });
}

function leaseArg(leaseMs: number): string {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new BerthError(ErrorCode.BAD_REQUEST, `leaseMs must be a positive number of ms, got ${leaseMs}`, { field: 'leaseMs' });
  }
  return String(Math.ceil(leaseMs));
}

function parseLeader(json: string): LeaderInfo {
  const v = JSON.parse(json) as { masterId: unknown; url: unknown; epoch: unknown; absentSinceMs?: unknown };
  const leader: LeaderInfo = { masterId: String(v.masterId), url: String(v.url), epoch: Number(v.epoch) };
  if (v.absentSinceMs !== undefined && v.absentSinceMs !== null) leader.absent = true;
  return leader;
}
