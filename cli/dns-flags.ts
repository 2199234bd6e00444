// The DNS server's flags, shared by `berth dns` and `berth dev`: text into the options' shape,
// ranges left to frameworks/services/dns/options.ts, whose problems are said of the flags.
import type { DnsLog, DnsServer, DnsServerOptions } from '../frameworks/services/dns/index.js';
import { DNS_DEFAULTS, dnsOptionProblems } from '../frameworks/services/dns/options.js';
import { UsageError, type FlagSpec, type Flags, type Problems } from './flags.js';
import { numberOf, reportFieldProblems } from './option-flags.js';

export const DNS_FLAGS: Record<'host' | 'port' | 'domain' | 'ttl', FlagSpec> = {
  host: { type: 'string', help: 'the address UDP and TCP listen on', rule: 'an IP address or host name', optionDefault: DNS_DEFAULTS.host, placeholder: 'ADDRESS' },
  port: { type: 'string', help: 'the UDP and TCP port', rule: 'a port number; 0 picks a free one', optionDefault: String(DNS_DEFAULTS.port), placeholder: 'P' },
  domain: { type: 'string', help: 'the zone served: NAME.DOMAIN for each service', rule: 'lower-case DNS labels joined by dots', optionDefault: DNS_DEFAULTS.domain, placeholder: 'DOMAIN' },
  ttl: { type: 'string', help: 'the TTL of every answer, negative ones too', rule: 'whole seconds from 0 to 86400', optionDefault: String(DNS_DEFAULTS.ttlSeconds), placeholder: 'SECONDS' },
};

const FLAG_OF: Record<string, string> = { servicesUrl: 'services', host: 'host', port: 'port', domain: 'domain', ttlSeconds: 'ttl' };

/** The options the flags give (`port` read from `portFlag`); problems go to `problems`. */
export function dnsOptions(flags: Flags, problems: Problems, portFlag = 'port'): Omit<DnsServerOptions, 'servicesUrl'> {
  const o: Partial<DnsServerOptions> = {};
  if (flags.host !== undefined) o.host = String(flags.host);
  if (flags.domain !== undefined) o.domain = String(flags.domain);
  const port = numberOf(flags, portFlag, problems);
  if (port !== undefined) o.port = port;
  const ttl = numberOf(flags, 'ttl', problems);
  if (ttl !== undefined) o.ttlSeconds = ttl;
  reportFieldProblems(dnsOptionProblems(o), (field) => {
    const flag = field === 'port' ? portFlag : FLAG_OF[field];
    return flag ? { flag, raw: String(flags[flag]) } : undefined;
  }, problems);
  return o;
}

/** Starts the server; a port in use is a usage error naming the flag. */
export async function startDns(options: DnsServerOptions & { log: DnsLog }, portFlag: string, hint: string): Promise<DnsServer> {
  try {
    const { startDnsServer } = await import('../frameworks/services/dns/index.js');
    return await startDnsServer(options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const port = options.port ?? DNS_DEFAULTS.port;
    const host = options.host ?? DNS_DEFAULTS.host;
    if (code === 'EACCES') throw new UsageError(`--${portFlag} ${port} on ${host}: not allowed (ports below 1024 need root or CAP_NET_BIND_SERVICE); pick a port from 1024 up`);
    if (code !== 'EADDRINUSE') throw err;
    throw new UsageError(`--${portFlag} ${port} is in use on ${host} (UDP or TCP): ${hint}`);
  }
}

/** How to try it, for the banner. */
export function digHint(dns: DnsServer, domain: string = DNS_DEFAULTS.domain): string {
  return `dig @${dns.host} -p ${dns.port} SRV _PORT._tcp.NAME.${domain} +short`;
}
