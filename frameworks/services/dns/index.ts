// The DNS server for the services framework's endpoints (docs/discovery.md).
export { startDnsServer, type DnsServer } from './start.js';
export { compileDnsOptions, dnsOptionProblems, DNS_DEFAULTS, type DnsLog, type DnsOptionProblem, type DnsServerOptions } from './options.js';
export { instanceLabels } from './instance-label.js';
export { serviceDnsName } from './zone.js';
