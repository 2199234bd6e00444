#!/usr/bin/env node
// The services framework as a process of its own: reads flags (and BERTH_SERVICES_* environment
// variables), opens the store (Redis when a URL is given, else memory), starts the framework, and
// on SIGINT/SIGTERM stops without killing its instances (a restarted process takes them over):
//   node dist/frameworks/services/main.js --master ws://127.0.0.1:5050 --redis redis://127.0.0.1:6379
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { Authenticator, loadAuthFile } from '../../protocol/auth/index.js';
import { readTlsFlags, redisUrlProblem } from '../../protocol/index.js';
import { startServicesFramework } from './start.js';
import { DEFAULT_SERVICES_KEY_PREFIX, MemoryServicesStore, RedisServicesStore, type ServicesStore } from './store/index.js';

/** Each setting: its flag, the environment variable read when the flag is absent, its default. */
const SETTINGS = {
  master: { env: 'BERTH_MASTER', default: 'ws://127.0.0.1:5050' },
  redis: { env: 'BERTH_SERVICES_REDIS', default: undefined },
  'key-prefix': { env: 'BERTH_SERVICES_KEY_PREFIX', default: DEFAULT_SERVICES_KEY_PREFIX },
  host: { env: 'BERTH_SERVICES_HOST', default: '127.0.0.1' },
  port: { env: 'BERTH_SERVICES_PORT', default: '5070' },
  name: { env: 'BERTH_SERVICES_NAME', default: 'services' },
  roles: { env: 'BERTH_SERVICES_ROLES', default: '*' },
  'failover-timeout-ms': { env: 'BERTH_SERVICES_FAILOVER_TIMEOUT_MS', default: String(7 * 24 * 3600_000) },
  'autoscale-interval-ms': { env: 'BERTH_SERVICES_AUTOSCALE_INTERVAL_MS', default: '5000' },
  'log-level': { env: 'BERTH_LOG_LEVEL', default: 'info' },
  /** The auth file whose principals and ACLs the HTTP API checks (docs/security.md). */
  'auth-file': { env: 'BERTH_SERVICES_AUTH_FILE', default: undefined },
  /** This framework's own token at the master. */
  token: { env: 'BERTH_SERVICES_TOKEN', default: undefined },
  // TLS (docs/operations.md): the API's certificate (also shown to a master that asks for one),
  // client certificates required with a client CA, and the CAs of the master and of Redis.
  'tls-cert': { env: 'BERTH_SERVICES_TLS_CERT', default: undefined },
  'tls-key': { env: 'BERTH_SERVICES_TLS_KEY', default: undefined },
  'tls-client-ca': { env: 'BERTH_SERVICES_TLS_CLIENT_CA', default: undefined },
  'ca-file': { env: 'BERTH_CA_FILE', default: undefined },
  'redis-ca-file': { env: 'BERTH_SERVICES_REDIS_CA_FILE', default: undefined },
} as const;
type Setting = keyof typeof SETTINGS;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

interface Config {
  masterUrls: string[];
  redisUrl: string | undefined;
  keyPrefix: string;
  host: string;
  port: number;
  name: string;
  roles: string[];
  failoverTimeoutMs: number;
  autoscaleIntervalMs: number;
  /** The load balancers' admin URLs the autoscaler reads request rates from. */
  lbUrls: string[];
  logLevel: string;
  authFile: string | undefined;
  token: string | undefined;
  tls: Omit<ReturnType<typeof readTlsFlags>, 'problems'>;
}

/** Flags first, then the environment, then defaults; every problem listed in one error. */
function servicesConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const options = Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, { type: 'string' as const }]));
  // --lb-url may be given several times (BERTH_SERVICES_LB_URLS: a comma-separated list).
  const { values } = parseArgs({ args: argv, options: { ...options, 'lb-url': { type: 'string', multiple: true } }, strict: true }) as { values: Record<string, string | string[] | undefined> };
  const read = (k: Setting): string | undefined => (values[k] as string | undefined) ?? env[SETTINGS[k].env] ?? SETTINGS[k].default;
  const problems: string[] = [];
  const masterUrls = read('master')!.split(',').map((u) => u.trim());
  if (!masterUrls.every((u) => /^wss?:\/\/\S+$/.test(u))) problems.push(`--master must be ws:// URLs separated by commas, got ${read('master')}`);
  const port = Number(read('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`--port must be a port number 0-65535, got ${read('port')}`);
  const autoscaleIntervalMs = Number(read('autoscale-interval-ms'));
  if (!(Number.isFinite(autoscaleIntervalMs) && autoscaleIntervalMs >= 100)) problems.push(`--autoscale-interval-ms must be a number >= 100, got ${read('autoscale-interval-ms')}`);
  const lbUrls = ((values['lb-url'] as string[] | undefined) ?? env.BERTH_SERVICES_LB_URLS?.split(',') ?? []).map((u) => u.trim()).filter(Boolean);
  for (const u of lbUrls) if (!/^https?:\/\/\S+$/.test(u)) problems.push(`--lb-url must be an http:// URL (a load balancer's admin address), got ${u}`);
  const failoverTimeoutMs = Number(read('failover-timeout-ms'));
  if (!(Number.isFinite(failoverTimeoutMs) && failoverTimeoutMs >= 0)) problems.push('--failover-timeout-ms must be a number >= 0');
  const logLevel = read('log-level')!;
  if (!LEVELS.includes(logLevel)) problems.push(`--log-level must be one of ${LEVELS.join(', ')}`);
  const redisUrl = read('redis');
  const redisProblem = redisUrl === undefined ? undefined : redisUrlProblem('--redis', redisUrl);
  if (redisProblem) problems.push(redisProblem);
  const roles = read('roles')!.split(',').map((r) => r.trim()).filter(Boolean);
  if (roles.length === 0) problems.push('--roles must name at least one role');
  if (read('key-prefix') === '') problems.push('--key-prefix must not be empty');
  const token = read('token');
  if (token !== undefined && !/^[\x21-\x7e]{1,4096}$/.test(token)) problems.push('--token must be 1 to 4096 printable ASCII characters without spaces');
  if (read('auth-file') === '') problems.push('--auth-file must name a file');
  const { problems: tlsProblems, ...tls } = readTlsFlags({ certFile: read('tls-cert'), keyFile: read('tls-key'), clientCaFile: read('tls-client-ca'), caFile: read('ca-file'), redisCaFile: read('redis-ca-file') });
  problems.push(...tlsProblems);
  if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join('; ')}`);
  return { masterUrls, redisUrl, keyPrefix: read('key-prefix')!, host: read('host')!, port, name: read('name')!, roles, failoverTimeoutMs, autoscaleIntervalMs, lbUrls, logLevel, authFile: read('auth-file'), token, tls };
}

/** Redis when a URL is given; otherwise memory, said once as a warning. */
async function openStore(c: Config, log: Logger): Promise<ServicesStore> {
  if (c.redisUrl) return RedisServicesStore.connect(c.redisUrl, c.keyPrefix, (err) => log.warn({ err: err.message }, 'redis connection error'), { tlsCa: c.tls.redisCa });
  log.warn('no --redis: services, versions and deployments are kept in memory and lost when this process ends');
  return new MemoryServicesStore();
}

async function main(): Promise<void> {
  const c = ((): Config => {
    try {
      return servicesConfig(process.argv.slice(2), process.env);
    } catch (err) {
      process.stderr.write(`services: ${(err as Error).message}\n`);
      return process.exit(2);
    }
  })();
  const log = pino({ level: c.logLevel }, pino.destination(2));
  const auth = new Authenticator(c.authFile === undefined ? undefined : await loadAuthFile(c.authFile).catch((err: unknown) => {
    process.stderr.write(`services: --auth-file: ${(err as Error).message}\n`);
    return process.exit(2);
  }));
  if (!auth.enabled) log.warn('authentication is off: anyone who can reach the HTTP API can change services; give --auth-file FILE to turn it on (docs/security.md)');
  const store = await openStore(c, log);
  const fw = await startServicesFramework({
    masterUrl: c.masterUrls, store, http: { port: c.port, host: c.host, tls: c.tls.server }, clientTls: c.tls.client, name: c.name, roles: c.roles, failoverTimeoutMs: c.failoverTimeoutMs,
    autoscale: { intervalMs: c.autoscaleIntervalMs, lbUrls: c.lbUrls }, auth, ...(c.token ? { token: c.token } : {}), log,
  });
  log.info({ url: fw.url, store: c.redisUrl ? 'redis' : 'memory' }, 'services framework started');
  process.stdout.write(`${JSON.stringify({ url: fw.url })}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void fw.stop().then(() => store.close()).then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main().catch((err: unknown) => {
  process.stderr.write(`services: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
