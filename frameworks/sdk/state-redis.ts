// A Redis connection for a framework's own state (what lets it fail over: specs, runs, the
// framework id), as every framework store opens it: to one server, or to the primary Redis
// Sentinel names, followed through failovers; the offline queue disabled, so a write never
// reaches Redis after its caller gave up on it; reconnects with backoff; every failure a
// STORE_UNAVAILABLE error with its cause.
import { createClient, createSentinel } from 'redis';
import { BerthError, ErrorCode, backoff, parseRedisTarget } from '../../protocol/index.js';

export interface StateRedisOptions {
  /** redis://host:port[/db], rediss:// for TLS, or redis-sentinel://host:port[,host:port...]/MASTER-NAME. */
  url: string;
  /** How long one command may wait to be written before it fails (default 5000). */
  commandTimeoutMs?: number;
  /** How long the first connection may take (default 5000). */
  connectTimeoutMs?: number;
  /** Told about connection errors, for logging; the connection never logs. */
  onConnectionError?: (err: Error) => void;
  /** For rediss:// (and rediss-sentinel://): the CA certificate(s), PEM, to trust instead of the system's. */
  tlsCa?: string | Buffer | undefined;
}

/** What every connection takes, to a server or (behind Sentinel) to each node. */
function nodeOptions(commandTimeoutMs: number, connectTimeoutMs: number, tls: { ca?: string | Buffer } | undefined) {
  const delay = backoff({ initialMs: 50, maxMs: 2_000 });
  return {
    disableOfflineQueue: true,
    commandOptions: { timeout: commandTimeoutMs },
    socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: (retries: number) => delay(retries), ...(tls ? { tls: true as const, ...tls } : {}) },
  };
}

function serverClient(url: string, commandTimeoutMs: number, connectTimeoutMs: number, tlsCa: string | Buffer | undefined) {
  return createClient({ url, ...nodeOptions(commandTimeoutMs, connectTimeoutMs, tlsCa && url.startsWith('rediss:') ? { ca: tlsCa } : undefined) });
}

/**
 * A client for url. Behind Sentinel it is the `redis` package's sentinel client, which answers
 * the same command methods (get, hGet, hVals, multi, lRange, connect, close, destroy, events) and
 * waits for a new primary when a command meets a failover. Throws BAD_REQUEST naming the rule
 * for a URL of neither form.
 */
function makeClient(url: string, commandTimeoutMs: number, connectTimeoutMs: number, tlsCa: string | Buffer | undefined): StateRedisClient {
  const target = parseRedisTarget(url);
  if (target.kind === 'server') return serverClient(url, commandTimeoutMs, connectTimeoutMs, tlsCa);
  const node = nodeOptions(commandTimeoutMs, connectTimeoutMs, target.tls ? (tlsCa ? { ca: tlsCa } : {}) : undefined);
  return createSentinel({
    name: target.masterName,
    sentinelRootNodes: target.sentinels,
    nodeClientOptions: { ...node, ...(target.username ? { username: target.username } : {}), ...(target.password !== undefined ? { password: target.password } : {}) },
    sentinelClientOptions: node,
    maxCommandRediscovers: 3,
  }) as unknown as StateRedisClient;
}

/** The connected node-redis client. */
export type StateRedisClient = ReturnType<typeof serverClient>;

/**
 * Connects to Redis for a framework store. Rejects with STORE_UNAVAILABLE when Redis does not
 * answer within `connectTimeoutMs`.
 */
export async function connectStateRedis(options: StateRedisOptions): Promise<StateRedisClient> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const client = makeClient(options.url, options.commandTimeoutMs ?? 5_000, connectTimeoutMs, options.tlsCa);
  // node-redis emits 'error' on every failed (re)connect; unheard it would crash the process.
  client.on('error', (err: unknown) => options.onConnectionError?.(err instanceof Error ? err : new Error(String(err))));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs))),
    ]);
  } catch (err) {
    client.destroy();
    throw new BerthError(ErrorCode.STORE_UNAVAILABLE, `cannot reach redis: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** Runs one Redis call; any failure becomes STORE_UNAVAILABLE, with the cause kept. */
export async function stateCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new BerthError(ErrorCode.STORE_UNAVAILABLE, `redis: ${(err as Error).message}`, { cause: err });
  }
}

/** Closes the connection, dropping it when Redis does not answer the QUIT. */
export async function closeStateRedis(client: StateRedisClient): Promise<void> {
  try {
    await client.close();
  } catch {
    client.destroy();
  }
}
