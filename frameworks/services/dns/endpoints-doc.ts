// Reads the `endpoints` part of the services framework's stream document into what the DNS server
// needs, checking every field on the way in: an entry that breaks a rule is left out with a
// problem naming it, so one bad service never takes the others' names down.
import { isIP } from 'node:net';

/** One in-rotation instance, as DNS serves it. */
export interface DnsEndpoint {
  id: string;
  /** An IPv4 or IPv6 address, or a host name (an agent advertising one). */
  host: string;
  ports: Record<string, number>;
}

export interface DnsService {
  /** The service's id, like /team/web. */
  id: string;
  /** Port names of the service: those the endpoints carry, and those with a service port. */
  portNames: string[];
  /** In rotation only (the document's `endpoints`, never `draining`), sorted by id. */
  endpoints: DnsEndpoint[];
}

export interface DecodedEndpoints {
  services: DnsService[];
  /** One line per entry left out, naming it and the rule it broke. */
  problems: string[];
}

const SERVICE_ID = /^(\/[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const PORT_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** An address, or a host name of DNS labels (at most 253 characters). */
export function isHost(host: string): boolean {
  const name = host.replace(/\.$/, '');
  return isIP(host) !== 0 || (name.length > 0 && name.length <= 253 && name.split('.').every((l) => HOST_LABEL.test(l)));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65_535;

function decodeEndpoint(raw: unknown, at: string, problems: string[]): DnsEndpoint | undefined {
  if (!isRecord(raw)) return void problems.push(`${at} must be an object`);
  if (typeof raw.id !== 'string' || raw.id === '') return void problems.push(`${at}.id must be a non-empty string`);
  if (typeof raw.host !== 'string' || !isHost(raw.host)) return void problems.push(`${at}.host must be an IPv4 or IPv6 address or a host name, got ${JSON.stringify(raw.host)}`);
  const ports: Record<string, number> = {};
  if (!isRecord(raw.ports)) return void problems.push(`${at}.ports must be a record of port numbers by name`);
  for (const [name, port] of Object.entries(raw.ports)) {
    if (!PORT_NAME.test(name)) problems.push(`${at}.ports.${name}: the name must be a-z, 0-9 and "-", starting with a letter`);
    else if (!isPort(port)) problems.push(`${at}.ports.${name} must be a port number from 1 to 65535, got ${JSON.stringify(port)}`);
    else ports[name] = port;
  }
  return { id: raw.id, host: isIP(raw.host) ? raw.host : raw.host.replace(/\.$/, '').toLowerCase(), ports };
}

function decodeService(raw: unknown, at: string, problems: string[]): DnsService | undefined {
  if (!isRecord(raw)) return void problems.push(`${at} must be an object`);
  if (typeof raw.id !== 'string' || !SERVICE_ID.test(raw.id)) return void problems.push(`${at}.id must be a service id like /team/web, got ${JSON.stringify(raw.id)}`);
  const where = `${at} (${raw.id})`;
  if (!Array.isArray(raw.endpoints)) return void problems.push(`${where}.endpoints must be a list`);
  const endpoints = raw.endpoints.flatMap((e, j) => decodeEndpoint(e, `${where}.endpoints[${j}]`, problems) ?? []);
  const names = new Set(endpoints.flatMap((e) => Object.keys(e.ports)));
  if (raw.servicePorts !== undefined && !isRecord(raw.servicePorts)) problems.push(`${where}.servicePorts must be a record of ports by name`);
  else for (const name of Object.keys(raw.servicePorts ?? {})) if (PORT_NAME.test(name)) names.add(name);
  endpoints.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { id: raw.id, portNames: [...names].sort(), endpoints };
}

/** The services of a stream document `{ endpoints: ServiceEndpoints[] }` (docs/discovery.md). */
export function decodeEndpoints(doc: unknown): DecodedEndpoints {
  const problems: string[] = [];
  if (!isRecord(doc) || !Array.isArray(doc.endpoints)) return { services: [], problems: ['endpoints must be a list of services (is include=endpoints supported by this services framework?)'] };
  const seen = new Set<string>();
  const services: DnsService[] = [];
  doc.endpoints.forEach((raw, i) => {
    const s = decodeService(raw, `endpoints[${i}]`, problems);
    if (!s) return;
    if (seen.has(s.id)) return void problems.push(`endpoints[${i}] (${s.id}) repeats a service id`);
    seen.add(s.id);
    services.push(s);
  });
  return { services, problems };
}
