// berth dns: the DNS server for the services framework's endpoints (docs/discovery.md).
import { cliLogger, LOG_FLAGS, LOG_LEVELS } from '../log.js';
import { untilSignal } from '../process-life.js';
import { digHint, DNS_FLAGS, dnsOptions, startDns } from '../dns-flags.js';
import { Problems, tokenOf, type Command, TOKEN_FLAG } from '../flags.js';
import { CA_FILE_FLAG, tlsFlags } from '../tls-flags.js';

export const dnsCommand: Command = {
  name: 'dns',
  summary: "Serve the services' endpoints as DNS (A and SRV records under services.berth), over UDP and TCP.",
  usage: 'berth dns [--services URL] [--token TOKEN] [--host 127.0.0.1] [--port 8600] [--domain services.berth] [--ttl 5]',
  flags: {
    token: { ...TOKEN_FLAG, help: "the token to read the services framework's endpoints stream with (services.read), when its API requires one" },
    services: { type: 'string', default: 'http://127.0.0.1:5070', env: 'BERTH_SERVICES', help: "the services framework's HTTP API, whose endpoints stream is followed", rule: 'an http:// or https:// URL', placeholder: 'URL' },
    'ca-file': CA_FILE_FLAG,
    ...DNS_FLAGS,
    ...LOG_FLAGS,
  },
  examples: [
    'berth dns                                    # :8600, following http://127.0.0.1:5070',
    'dig @127.0.0.1 -p 8600 SRV _http._tcp.web.team.services.berth +short',
    'berth dns --port 53 --host 0.0.0.0 --ttl 1   # for every interface (port 53 needs the privilege)',
  ],
  async run(flags) {
    const problems = new Problems('dns');
    const servicesUrl = problems.url(flags, 'services', ['http', 'https']);
    const servicesToken = tokenOf(flags, problems);
    const options = dnsOptions(flags, problems);
    const tls = tlsFlags(flags, problems).client;
    problems.oneOf(flags, 'log-level', LOG_LEVELS);
    problems.throwIfAny();
    const log = cliLogger(String(flags['log-level']), Boolean(flags['log-json']));
    const dns = await startDns({ ...options, servicesUrl, ...(servicesToken ? { servicesToken } : {}), tls, log: log.child({ component: 'dns' }) }, 'port', 'is another berth dns or berth dev running? Stop it or pick another --port (0 picks a free one).');
    process.stdout.write(`berth dns is serving ${options.domain ?? 'services.berth'} on ${dns.host}:${dns.port} (UDP and TCP) from ${servicesUrl}\n  try: ${digHint(dns, options.domain)}\n`);
    return untilSignal(log, () => dns.close());
  },
};
