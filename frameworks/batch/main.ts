#!/usr/bin/env node
// The batch framework as a process of its own: reads flags (and BERTH_* environment variables),
// opens the store, starts the framework, stops on SIGINT/SIGTERM. Until `berth batch` exists:
//   node dist/frameworks/batch/main.js --master ws://127.0.0.1:5050 --redis redis://127.0.0.1:6379
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Authenticator, loadAuthFile } from '../../protocol/auth/index.js';
import { readTlsFlags, redisUrlProblem } from '../../protocol/index.js';
import { startBatchFramework } from './start.js';
import { MemoryBatchStore, RedisBatchStore, type BatchStore } from './store/index.js';

interface Config {
  masterUrl: string;
  redisUrl: string | undefined;
  keyPrefix: string | undefined;
  host: string;
  port: number;
  name: string;
  roles: string[];
  failoverTimeoutMs: number;
  logLevel: string;
  /** The auth file whose principals and ACLs the HTTP API checks (docs/security.md). */
  authFile: string | undefined;
  /** This framework's own token at the master. */
  token: string | undefined;
  tls: Omit<ReturnType<typeof readTlsFlags>, 'problems'>;
}

/** Flags first, then the environment; every problem listed in one error. */
function config(argv: string[], env: NodeJS.ProcessEnv): Config {
  const { values: f } = parseArgs({
    args: argv,
    options: {
      master: { type: 'string' }, redis: { type: 'string' }, 'key-prefix': { type: 'string' }, host: { type: 'string' },
      port: { type: 'string' }, name: { type: 'string' }, roles: { type: 'string' }, 'failover-timeout-ms': { type: 'string' }, 'log-level': { type: 'string' },
      'auth-file': { type: 'string' }, token: { type: 'string' },
      // TLS (docs/operations.md): the API's certificate (also shown to a master that asks for one),
      // client certificates required with a client CA, and the CAs of the master and of Redis.
      'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'tls-client-ca': { type: 'string' }, 'ca-file': { type: 'string' }, 'redis-ca-file': { type: 'string' },
    },
    strict: true,
  });
  const problems: string[] = [];
  const masterUrl = f.master ?? env.BERTH_MASTER ?? 'ws://127.0.0.1:5050';
  const port = Number(f.port ?? env.BERTH_BATCH_PORT ?? '5080');
  const failoverTimeoutMs = Number(f['failover-timeout-ms'] ?? env.BERTH_BATCH_FAILOVER_TIMEOUT_MS ?? String(7 * 24 * 3600_000));
  const logLevel = f['log-level'] ?? env.BERTH_LOG_LEVEL ?? 'info';
  if (!/^wss?:\/\//.test(masterUrl.split(',')[0]!.trim())) problems.push(`--master must be a ws:// URL, got ${masterUrl}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push('--port must be a port number 0-65535');
  if (!(Number.isFinite(failoverTimeoutMs) && failoverTimeoutMs >= 0)) problems.push('--failover-timeout-ms must be a number >= 0');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) problems.push('--log-level must be one of fatal, error, warn, info, debug, trace, silent');
  const redisUrl = f.redis ?? env.BERTH_BATCH_REDIS;
  const redisProblem = redisUrl === undefined ? undefined : redisUrlProblem('--redis', redisUrl);
  if (redisProblem) problems.push(redisProblem);
  const token = f.token ?? env.BERTH_BATCH_TOKEN;
  if (token !== undefined && !/^[\x21-\x7e]{1,4096}$/.test(token)) problems.push('--token must be 1 to 4096 printable ASCII characters without spaces');
  const authFile = f['auth-file'] ?? env.BERTH_BATCH_AUTH_FILE;
  if (authFile === '') problems.push('--auth-file must name a file');
  const { problems: tlsProblems, ...tls } = readTlsFlags({
    certFile: f['tls-cert'] ?? env.BERTH_BATCH_TLS_CERT, keyFile: f['tls-key'] ?? env.BERTH_BATCH_TLS_KEY, clientCaFile: f['tls-client-ca'] ?? env.BERTH_BATCH_TLS_CLIENT_CA,
    caFile: f['ca-file'] ?? env.BERTH_CA_FILE, redisCaFile: f['redis-ca-file'] ?? env.BERTH_BATCH_REDIS_CA_FILE,
  });
  problems.push(...tlsProblems);
  if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join('; ')}`);
  return {
    authFile, token,
    masterUrl, redisUrl, keyPrefix: f['key-prefix'] ?? env.BERTH_BATCH_KEY_PREFIX, host: f.host ?? env.BERTH_BATCH_HOST ?? '127.0.0.1',
    port, name: f.name ?? 'batch', roles: (f.roles ?? env.BERTH_BATCH_ROLES ?? '*').split(',').map((r) => r.trim()).filter(Boolean), failoverTimeoutMs, logLevel, tls,
  };
}

async function main(): Promise<void> {
  let c: Config;
  try {
    c = config(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`batch: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const log = pino({ level: c.logLevel }, pino.destination(2));
  const auth = new Authenticator(c.authFile === undefined ? undefined : await loadAuthFile(c.authFile).catch((err: unknown) => {
    process.stderr.write(`batch: --auth-file: ${(err as Error).message}\n`);
    return process.exit(2);
  }));
  if (!auth.enabled) log.warn('authentication is off: anyone who can reach the HTTP API can submit and run jobs; give --auth-file FILE to turn it on (docs/security.md)');
  let store: BatchStore;
  if (c.redisUrl) {
    store = await RedisBatchStore.open({ url: c.redisUrl, ...(c.keyPrefix ? { keyPrefix: c.keyPrefix } : {}), onConnectionError: (err) => log.warn({ err: err.message }, 'redis connection error'), tlsCa: c.tls.redisCa });
  } else {
    log.warn('no --redis: jobs and runs are kept in memory and lost when this process ends');
    store = new MemoryBatchStore();
  }
  const fw = await startBatchFramework({ masterUrl: c.masterUrl, store, http: { port: c.port, host: c.host, tls: c.tls.server }, clientTls: c.tls.client, name: c.name, roles: c.roles, failoverTimeoutMs: c.failoverTimeoutMs, auth, ...(c.token ? { token: c.token } : {}), log });
  process.stdout.write(`${JSON.stringify({ url: fw.url })}\n`);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      void fw.stop().then(() => store.close()).then(() => process.exit(0), () => process.exit(1));
    });
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`batch: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
