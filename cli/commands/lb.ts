// berth lb: the load balancer as a process of its own. It follows the services framework's
// endpoints stream and proxies every service port to the in-rotation instances (docs/load-balancer.md).
import { ALGORITHMS, checkLoadBalancerOptions, FORWARDINGS, startLoadBalancer, type Algorithm, type Forwarding, type LoadBalancerOptions } from '../../frameworks/services/lb/index.js';
import { untilSignal } from '../process-life.js';
import { Problems, TOKEN_FLAG, tokenOf, type Command, type Flags } from '../flags.js';
import { cliLogger, LOG_FLAGS, LOG_LEVELS } from '../log.js';
import { durationFlag, durationMs, reportFieldProblems } from '../option-flags.js';
import { authenticatorOf } from '../auth-file.js';
import { CA_FILE_FLAG, SERVER_TLS_FLAGS, tlsFlags } from '../tls-flags.js';

export const LB_FLAGS = {
  services: { type: 'string', default: 'http://127.0.0.1:5070', env: 'BERTH_SERVICES', help: "the services framework's HTTP API, whose endpoints stream is followed", rule: 'an http://, https://, ws:// or wss:// URL', placeholder: 'URL' },
  host: { type: 'string', default: '127.0.0.1', help: 'the address the service ports and the admin server listen on', rule: 'an address of this host', placeholder: 'ADDR' },
  token: { ...TOKEN_FLAG, help: "the token to read the services framework's endpoints stream with (services.read), when its API requires one" },
  'admin-port': { type: 'string', default: '5090', help: 'the admin HTTP server: /metrics, /api/v1/stats, /health', rule: 'a port number; 0 picks a free one', placeholder: 'P' },
  algorithm: { type: 'string', help: "one algorithm for every service instead of each service's loadBalancer.algorithm", rule: ALGORITHMS.join(' or '), placeholder: 'NAME' },
  'auth-file': { type: 'string', help: 'the auth file (YAML or JSON, docs/security.md) whose principals the admin server checks: /metrics and /api/v1/stats need lb.read, /health stays open; without it the admin server is open', placeholder: 'FILE' },
  forwarding: { type: 'string', help: "how bytes are moved: handles (Node's TCP handles, the default where this Node has them) or streams (node:net sockets)", rule: FORWARDINGS.join(' or '), placeholder: 'HOW' },
  'connect-timeout': durationFlag('how long a backend may take to accept a connection before the next one is tried', 3_000, 'more than 0'),
  'ca-file': CA_FILE_FLAG,
  ...SERVER_TLS_FLAGS,
} as const;

/** The load balancer's options from its flags; problems are added, naming the flag. */
export function lbOptions(flags: Flags, problems: Problems): Omit<LoadBalancerOptions, 'log'> {
  const servicesToken = tokenOf(flags, problems);
  const adminPort = problems.int(flags, 'admin-port', 0, 65_535);
  const algorithm = flags.algorithm === undefined ? undefined : problems.oneOf(flags, 'algorithm', ALGORITHMS as readonly Algorithm[]);
  const forwarding = flags.forwarding === undefined ? undefined : problems.oneOf(flags, 'forwarding', FORWARDINGS as readonly Forwarding[]);
  const connectTimeoutMs = durationMs(flags, 'connect-timeout', problems);
  const tls = tlsFlags(flags, problems);
  const options = {
    servicesUrl: String(flags.services ?? ''),
    host: String(flags.host ?? ''),
    adminPort,
    ...(algorithm ? { algorithm } : {}),
    ...(forwarding ? { forwarding } : {}),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    ...(servicesToken ? { servicesToken } : {}),
    ...(tls.server ? { adminTls: tls.server } : {}),
    ...(tls.client ? { tls: tls.client } : {}),
  };
  const fieldFlags: Record<string, string> = { servicesUrl: 'services', host: 'host', adminPort: 'admin-port', algorithm: 'algorithm', connectTimeoutMs: 'connect-timeout', forwarding: 'forwarding' };
  const already = new Set(['adminPort', 'algorithm']);
  reportFieldProblems(checkLoadBalancerOptions(options).filter((p) => !already.has(p.field)), (field) => (fieldFlags[field] ? { flag: fieldFlags[field], raw: String(flags[fieldFlags[field]]) } : undefined), problems);
  return options;
}

export const lbCommand: Command = {
  name: 'lb',
  summary: "Run the load balancer: every service port proxied (TCP) to the services framework's in-rotation instances.",
  usage: 'berth lb [--services URL] [--token TOKEN] [--host 127.0.0.1] [--admin-port 5090] [--algorithm round-robin|least-connections]',
  flags: { ...LB_FLAGS, ...LOG_FLAGS },
  examples: [
    'berth lb                                          # follows http://127.0.0.1:5070, admin on :5090',
    'berth lb --services http://10.0.0.5:5070 --host 0.0.0.0',
    'curl -s http://127.0.0.1:5090/api/v1/stats        # connections and requests by service and instance',
  ],
  async run(flags) {
    const problems = new Problems('lb');
    const options = lbOptions(flags, problems);
    problems.oneOf(flags, 'log-level', LOG_LEVELS);
    problems.throwIfAny();
    const log = cliLogger(String(flags['log-level']), Boolean(flags['log-json']));
    const auth = await authenticatorOf(flags['auth-file'], 'the admin server (/metrics, /api/v1/stats)', log);
    const lb = await startLoadBalancer({ ...options, auth, log: log.child({ component: 'lb' }) }).catch((err: unknown) => {
      throw (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new Error(`--admin-port ${options.adminPort} is in use: is another berth lb running? Pick another (0 picks a free one).`) : err;
    });
    process.stdout.write(`berth lb is running\n  admin    ${lb.adminUrl}/metrics   stats: ${lb.adminUrl}/api/v1/stats\n  services ${options.servicesUrl} (endpoints stream)\nPress Ctrl-C to stop.\n`);
    return untilSignal(log, () => lb.close());
  },
};
