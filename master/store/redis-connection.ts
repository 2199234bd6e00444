// How RedisStore reaches Redis: one server by URL (redis://, rediss:// for TLS, with ACL user and
// password in the URL), or the primary that Redis Sentinel names (redis-sentinel://), followed
// through failovers by the `redis` package's sentinel client. Both give the same commands.
import { createClient, createSentinel } from 'redis';
import type { RedisTarget } from '../../protocol/index.js';

export { parseRedisTarget, redactUrl, SENTINEL_URL_RULE, type RedisTarget } from '../../protocol/index.js';

export interface ConnectSettings {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectDelayMs: (attempt: number) => number;
  /** For TLS connections: the CA to trust instead of the system's. */
  tlsCa?: string | Buffer | undefined;
}

export type RedisConnection = ReturnType<typeof serverClient>;

function serverClient(url: string, s: ConnectSettings, name?: string) {
  return createClient({
    url,
    ...(name === undefined ? {} : { name }),
    // A write queued while disconnected could reach Redis long after its caller timed out and
    // moved on; failing fast keeps every outcome the caller sees the outcome Redis saw.
    disableOfflineQueue: true,
    commandOptions: { timeout: s.commandTimeoutMs },
    socket: { connectTimeout: s.connectTimeoutMs, reconnectStrategy: (retries: number) => s.reconnectDelayMs(retries), ...(s.tlsCa && url.startsWith('rediss:') ? { tls: true as const, ca: s.tlsCa } : {}) },
  });
}

/**
 * A connection to the target. The sentinel client is used through the same command methods as a
 * plain client (get, multi, xRevRange, lRange, rPush, evalSha, eval, wait, connect, close,
 * destroy, its events); `runOnOne` gives the commands that must share one connection (a write
 * and the WAIT that counts its replicas) a single leased connection.
 */
export function connectRedis(target: RedisTarget, s: ConnectSettings): { client: RedisConnection; runOnOne<T>(fn: (c: RedisConnection) => Promise<T>): Promise<T> } {
  if (target.kind === 'server') {
    const client = serverClient(target.url, s);
    return { client, runOnOne: (fn) => fn(client) };
  }
  const node = {
    disableOfflineQueue: true,
    commandOptions: { timeout: s.commandTimeoutMs },
    socket: { connectTimeout: s.connectTimeoutMs, reconnectStrategy: (retries: number) => s.reconnectDelayMs(retries), ...(target.tls ? { tls: true as const, ...(s.tlsCa ? { ca: s.tlsCa } : {}) } : {}) },
  };
  const sentinel = createSentinel({
    name: target.masterName,
    sentinelRootNodes: target.sentinels,
    nodeClientOptions: { ...node, ...(target.username ? { username: target.username } : {}), ...(target.password !== undefined ? { password: target.password } : {}) },
    sentinelClientOptions: node,
    // Commands that meet a failover wait for the new primary this many times, then fail.
    maxCommandRediscovers: 3,
  });
  const client = sentinel as unknown as RedisConnection;
  return { client, runOnOne: (fn) => sentinel.use((leased) => fn(leased as unknown as RedisConnection)) };
}

/**
 * A connection of its own for a master's presence channel (./redis-presence.ts), on a single
 * server only: behind Sentinel a reconnect may land on another primary, whose subscribers say
 * nothing about the old one, so presence is not offered there and the lease alone decides. name
 * is its CLIENT SETNAME, so operators see it in CLIENT LIST.
 */
export function connectSubscriber(target: RedisTarget, s: ConnectSettings, name: string): RedisConnection | undefined {
  return target.kind === 'server' ? serverClient(target.url, s, name) : undefined;
}

/** Settles like promise, or rejects with onTimeout() after ms (the promise is then abandoned). */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
