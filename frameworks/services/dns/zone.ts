// The zone the DNS server answers from: built once per endpoints change from the services and
// their in-rotation endpoints, then read by every query. Pure: no sockets, no clocks.
//   NAME.DOMAIN                         A/AAAA: the distinct hosts of the service's endpoints
//   _PORT._tcp.NAME.DOMAIN              SRV 0 1 PORT INSTANCE.NAME.DOMAIN, one per endpoint
//   INSTANCE.NAME.DOMAIN                A/AAAA: that endpoint's host
// An endpoint whose host is a name rather than an address (an agent advertising a host name) is
// left out of NAME's A records; its instance name is a CNAME to the host, and its SRV records
// target the host itself (an SRV target must not be an alias, RFC 2782).
//   DOMAIN                              SOA and NS (ns.DOMAIN)
// NAME is the service id's segments reversed (/team/web -> web.team), INSTANCE instance-label.ts.
import { isIP, isIPv6 } from 'node:net';
import type { Answer } from 'dns-packet';
import type { DnsService } from './endpoints-doc.js';
import { instanceLabels } from './instance-label.js';

export interface ZoneOptions {
  /** Lower case, without a trailing dot, like services.berth. */
  domain: string;
  ttlSeconds: number;
  /** The SOA serial: changes when the records do. */
  serial: number;
  /** The address ns.DOMAIN has (the server's own), when it listens on a concrete one. */
  nameServerAddress?: string | undefined;
}

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';

export interface Lookup {
  rcode: Rcode;
  /** True for names in the zone (an authoritative answer, positive or not). */
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

const MAX_NAME = 253;

/** The DNS name of a service id under `domain`: /team/web -> web.team.DOMAIN. */
export function serviceDnsName(serviceId: string, domain: string): string {
  return [...serviceId.split('/').filter(Boolean).reverse(), domain].join('.');
}

/** A query name as the zone keys it: lower case, no trailing dot ("." is the root). */
export function canonicalName(name: string): string {
  return name === '.' ? '' : name.replace(/\.$/, '').toLowerCase();
}

export class Zone {
  readonly domain: string;
  readonly serial: number;
  #ttl: number;
  /** Every name that exists (empty non-terminals too), with the records it owns. */
  #nodes = new Map<string, Answer[]>();
  #soa: Answer;

  constructor(services: readonly DnsService[], options: ZoneOptions) {
    this.domain = options.domain;
    this.serial = options.serial;
    this.#ttl = options.ttlSeconds;
    const ns = `ns.${this.domain}`;
    this.#soa = {
      type: 'SOA', name: this.domain, ttl: this.#ttl, class: 'IN',
      data: { mname: ns, rname: `hostmaster.${this.domain}`, serial: options.serial, refresh: 3600, retry: 600, expire: 86_400, minimum: this.#ttl },
    };
    this.#add(this.domain, this.#soa);
    this.#add(this.domain, { type: 'NS', name: this.domain, ttl: this.#ttl, class: 'IN', data: ns });
    if (options.nameServerAddress) this.#add(ns, this.#address(ns, options.nameServerAddress));
    for (const s of services) this.#addService(s);
  }

  #address(name: string, host: string): Answer {
    return { type: isIPv6(host) ? 'AAAA' : 'A', name, ttl: this.#ttl, class: 'IN', data: host };
  }

  #addService(s: DnsService): void {
    const name = serviceDnsName(s.id, this.domain);
    if (name.length > MAX_NAME) return;
    this.#touch(name);
    for (const host of [...new Set(s.endpoints.map((e) => e.host))].sort()) if (isIP(host)) this.#add(name, this.#address(name, host));
    const labels = instanceLabels(s.id, s.endpoints.map((e) => e.id));
    const targets = new Map<string, string>();
    for (const e of s.endpoints) {
      const instance = `${labels.get(e.id) as string}.${name}`;
      if (instance.length > MAX_NAME) continue;
      if (isIP(e.host)) this.#add(instance, this.#address(instance, e.host));
      else this.#add(instance, { type: 'CNAME', name: instance, ttl: this.#ttl, class: 'IN', data: e.host });
      targets.set(e.id, isIP(e.host) ? instance : e.host);
    }
    for (const port of s.portNames) {
      const srv = `_${port}._tcp.${name}`;
      if (port.length > 62 || srv.length > MAX_NAME) continue;
      this.#touch(srv);
      for (const e of s.endpoints) {
        const target = targets.get(e.id);
        const number = e.ports[port];
        if (target === undefined || number === undefined) continue;
        this.#add(srv, { type: 'SRV', name: srv, ttl: this.#ttl, class: 'IN', data: { priority: 0, weight: 1, port: number, target } });
      }
    }
  }

  /** Makes `name` and every name between it and the domain exist. */
  #touch(name: string): void {
    for (let n = name; n.length > this.domain.length && !this.#nodes.has(n); n = n.slice(n.indexOf('.') + 1)) this.#nodes.set(n, []);
    if (!this.#nodes.has(this.domain)) this.#nodes.set(this.domain, []);
  }

  #add(name: string, record: Answer): void {
    this.#touch(name);
    (this.#nodes.get(name) as Answer[]).push(record);
  }

  inZone(name: string): boolean {
    const n = canonicalName(name);
    return n === this.domain || n.endsWith(`.${this.domain}`);
  }

  /** The answer to one question; `type` is a record type name as dns-packet decodes it, or ANY. */
  lookup(name: string, type: string): Lookup {
    const key = canonicalName(name);
    if (!this.inZone(key)) return { rcode: 'REFUSED', authoritative: false, answers: [], authorities: [], additionals: [] };
    const records = this.#nodes.get(key);
    if (records === undefined) return { rcode: 'NXDOMAIN', authoritative: true, answers: [], authorities: [this.#soa], additionals: [] };
    const alias = records.find((r) => r.type === 'CNAME');
    // A name with a CNAME has nothing else: whatever the type, the answer is the alias.
    const matching = alias && type !== 'ANY' ? [alias] : records.filter((r) => type === 'ANY' || r.type === type);
    if (matching.length === 0) return { rcode: 'NOERROR', authoritative: true, answers: [], authorities: [this.#soa], additionals: [] };
    // Owner names echo the question's spelling, so a resolver that mixes case (0x20) matches them.
    const answers = matching.map((r) => ({ ...r, name }) as Answer);
    const additionals: Answer[] = [];
    const glued = new Set<string>();
    for (const r of matching) {
      const target = r.type === 'SRV' ? r.data.target : r.type === 'NS' ? r.data : undefined;
      if (target === undefined || glued.has(target)) continue;
      glued.add(target);
      additionals.push(...(this.#nodes.get(target) ?? []).filter((g) => g.type === 'A' || g.type === 'AAAA'));
    }
    return { rcode: 'NOERROR', authoritative: true, answers, authorities: [], additionals };
  }

  /** Text that differs exactly when the records do (the serial aside), to tell changes apart. */
  fingerprint(): string {
    const rows: string[] = [];
    for (const [name, records] of this.#nodes) {
      rows.push(name);
      for (const r of records) if (r.type !== 'SOA') rows.push(`${name} ${r.type} ${JSON.stringify((r as { data: unknown }).data)}`);
    }
    return rows.sort().join('\n');
  }
}
