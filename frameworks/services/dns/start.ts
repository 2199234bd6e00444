// Composes the DNS server: compiled options, the endpoints follower that builds the zone, and the
// UDP and TCP listeners that answer from the zone current at each query. `berth dns` and `berth
// dev` call startDnsServer; nothing here reads process.env.
import { isIP } from 'node:net';
import { answerMessage, newCounters, type AnswerCounters } from './answer.js';
import { followEndpoints } from './follow.js';
import { listen } from './listeners.js';
import { compileDnsOptions, type DnsServerOptions } from './options.js';
import { Zone } from './zone.js';

export interface DnsServer {
  /** The UDP and TCP port (the one picked, when asked for 0). */
  port: number;
  host: string;
  /** How the queries so far were answered. */
  readonly counters: AnswerCounters;
  close(): Promise<void>;
}

/** ns.DOMAIN's address: the one the server listens on, unless that is every address. */
function nameServerAddress(host: string): string | undefined {
  return isIP(host) !== 0 && host !== '0.0.0.0' && host !== '::' ? host : undefined;
}

/** Starts answering for the services framework at `servicesUrl` (docs/discovery.md). */
export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const o = compileDnsOptions(options);
  const counters = newCounters();
  const ns = nameServerAddress(o.host);
  let zone = new Zone([], { domain: o.domain, ttlSeconds: o.ttlSeconds, serial: 0, nameServerAddress: ns });
  const listeners = await listen((message, transport) => answerMessage(message, zone, transport, counters), o);
  const stop = new AbortController();
  const following = followEndpoints({
    servicesUrl: o.servicesUrl,
    servicesToken: o.servicesToken,
    tls: o.tls,
    domain: o.domain,
    ttlSeconds: o.ttlSeconds,
    nameServerAddress: ns,
    log: o.log,
    signal: stop.signal,
    onZone: (next) => (zone = next),
  }).catch((err: unknown) => o.log.error({ err: (err as Error).message }, 'dns stopped following the endpoints'));
  o.log.info({ host: o.host, port: listeners.port, domain: o.domain, services: o.servicesUrl }, 'dns server listening');
  return {
    port: listeners.port,
    host: o.host,
    counters,
    close: async () => {
      stop.abort();
      await following;
      await listeners.close();
    },
  };
}
