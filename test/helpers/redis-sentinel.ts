// Redis made highly available on loopback for a test: a primary, one replica and three sentinels
// that monitor it under one name, ready once the replica is in sync and the sentinels know it
// and each other. `url` is the redis-sentinel:// URL berth's stores take.
import type { Test } from 'tap';
import { createClient } from 'redis';
import { until } from './poll.js';
import { startRedis, type RedisServer } from './redis.js';

export const SENTINEL_NAME = 'berth-primary';

export interface SentinelGroup {
  primary: RedisServer;
  replica: RedisServer;
  sentinels: RedisServer[];
  url: string;
  /** Resolves once the sentinels name the replica as the primary (after the primary is killed). */
  promoted(): Promise<void>;
}

/** One command to a Redis server or sentinel on loopback, on a connection of its own. */
export async function redisCommand(port: number, args: string[]): Promise<unknown> {
  const c = createClient({ url: `redis://127.0.0.1:${port}` });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await c.sendCommand(args);
  } finally {
    c.destroy();
  }
}

/** The group, or undefined when Redis is not installed here (startRedis then reports it). */
export async function startSentinelGroup(t: Test): Promise<SentinelGroup | undefined> {
  // Replicas sync at once, not after the default 5 s wait for more replicas to join.
  const now = ['--repl-diskless-sync-delay', '0'];
  const primary = await startRedis(t, { appendonly: true, extraArgs: now });
  if (!primary) return undefined;
  const replica = (await startRedis(t, { appendonly: true, extraArgs: [...now, '--replicaof', '127.0.0.1', String(primary.port)] })) as RedisServer;
  await until('the replica is in sync', async () => ((await redisCommand(primary.port, ['INFO', 'replication'])) as string).includes('state=online') || undefined, 20_000);
  const sentinels: RedisServer[] = [];
  for (let i = 0; i < 3; i++) {
    sentinels.push((await startRedis(t, {
      configText: [
        `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
        '',
      ].join('\n'),
      extraArgs: ['--sentinel'],
    })) as RedisServer);
  }
  const sentinel = sentinels[0]!;
  await until('the sentinels know the replica and each other', async () => {
    const replicas = (await redisCommand(sentinel.port, ['SENTINEL', 'REPLICAS', SENTINEL_NAME])) as unknown[];
    const peers = (await redisCommand(sentinel.port, ['SENTINEL', 'SENTINELS', SENTINEL_NAME])) as unknown[];
    return replicas.length === 1 && peers.length === 2 ? true : undefined;
  }, 20_000);
  return {
    primary,
    replica,
    sentinels,
    url: `redis-sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${SENTINEL_NAME}`,
    promoted: async () => {
      await until('the sentinels promote the replica', async () => {
        const addr = (await redisCommand(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME])) as string[];
        return addr[1] === String(replica.port) ? true : undefined;
      }, 30_000);
    },
  };
}
