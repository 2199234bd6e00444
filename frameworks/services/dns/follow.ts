// Follows the services framework's endpoints through its state stream and hands the DNS server a
// new zone after each change. While the framework is away the last zone stays (names keep
// answering with the last endpoints known); the watcher resumes when the framework returns, and a
// refusal (an older framework without the stream, say) is retried slowly rather than given up on.
import { backoff, sleep, watchState, type ClientTls } from '../../../protocol/index.js';
import { decodeEndpoints } from './endpoints-doc.js';
import type { DnsLog } from './options.js';
import { Zone } from './zone.js';

export interface FollowOptions {
  servicesUrl: string;
  /** Sent as a bearer token on the stream's upgrade, when given. */
  servicesToken: string | undefined;
  domain: string;
  ttlSeconds: number;
  nameServerAddress: string | undefined;
  log: DnsLog;
  signal: AbortSignal;
  onZone(zone: Zone): void;
  tls?: ClientTls | undefined;
}

/** ws://.../api/v1/stream?include=endpoints from the framework's http:// base. */
export function endpointsStreamUrl(servicesUrl: string): string {
  const u = new URL(`${servicesUrl.replace(/\/+$/, '')}/api/v1/stream`);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.searchParams.set('include', 'endpoints');
  return u.toString();
}

/** Starts following; resolves when `signal` aborts. */
export async function followEndpoints(o: FollowOptions): Promise<void> {
  const url = endpointsStreamUrl(o.servicesUrl);
  // The serial starts at the clock's seconds, so a restarted server's serial does not go back.
  let serial = Math.floor(Date.now() / 1000) >>> 0;
  let zone = new Zone([], { domain: o.domain, ttlSeconds: o.ttlSeconds, serial, nameServerAddress: o.nameServerAddress });
  o.onZone(zone);
  let lastProblems = '';
  // The first failure in a row is a warning; the retries that follow it are debug lines.
  let away = false;
  const onStatus = (message: string): void => {
    (away ? o.log.debug : o.log.warn).call(o.log, { url }, `services stream: ${message}`);
    away = true;
  };
  const onUpdate = (doc: Record<string, unknown>): void => {
    if (away) o.log.info({ url }, 'services stream is back');
    away = false;
    const { services, problems } = decodeEndpoints(doc);
    const text = problems.join('; ');
    if (text && text !== lastProblems) o.log.warn({ problems: problems.slice(0, 20), count: problems.length }, 'endpoints left out of DNS');
    lastProblems = text;
    const next = new Zone(services, { domain: o.domain, ttlSeconds: o.ttlSeconds, serial: (serial + 1) >>> 0, nameServerAddress: o.nameServerAddress });
    if (next.fingerprint() === zone.fingerprint()) return;
    serial = next.serial;
    zone = next;
    o.log.debug({ serial, services: services.length, endpoints: services.reduce((n, s) => n + s.endpoints.length, 0) }, 'zone updated');
    o.onZone(zone);
  };
  const refused = backoff({ initialMs: 1_000, maxMs: 30_000 });
  for (let attempt = 0; !o.signal.aborted; attempt++) {
    const watcher = watchState(url, { signal: o.signal, onUpdate, onStatus, tls: o.tls, ...(o.servicesToken ? { headers: { authorization: `Bearer ${o.servicesToken}` } } : {}) });
    try {
      await watcher.done;
      return;
    } catch (err) {
      const wait = refused(attempt);
      o.log.error({ url, err: (err as Error).message }, `the services framework refused its stream; serving the last endpoints, asking again in ${wait} ms`);
      await sleep(wait, o.signal);
    }
  }
}
