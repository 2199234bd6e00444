// The endpoints document as the load balancer reads it from the services framework's state
// stream (docs/traffic: `endpoints` of GET /api/v1/stream), decoded once at the edge: a service
// whose entry does not have the contract's shape is left out and named in the problems.
import type { DrainingEndpoint, Endpoint, ServiceEndpoints } from '../../../protocol/index.js';

export const Algorithm = { ROUND_ROBIN: 'round-robin', LEAST_CONNECTIONS: 'least-connections' } as const;
export type Algorithm = (typeof Algorithm)[keyof typeof Algorithm];
export const ALGORITHMS: readonly Algorithm[] = Object.values(Algorithm);

export type { DrainingEndpoint, Endpoint, ServiceEndpoints } from '../../../protocol/index.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65_535;

function portMap(v: unknown, field: string, problems: string[]): Record<string, number> {
  if (!isObj(v)) {
    problems.push(`${field} must be an object of port numbers by name`);
    return {};
  }
  const out: Record<string, number> = {};
  for (const [name, port] of Object.entries(v)) {
    if (isPort(port)) out[name] = port;
    else problems.push(`${field}.${name} must be a port number from 1 to 65535, got ${JSON.stringify(port)}`);
  }
  return out;
}

function endpointOf(v: unknown, field: string, problems: string[]): Endpoint | undefined {
  if (!isObj(v)) {
    problems.push(`${field} must be an object`);
    return undefined;
  }
  const before = problems.length;
  for (const key of ['id', 'host'] as const) {
    if (typeof v[key] !== 'string' || v[key] === '') problems.push(`${field}.${key} must be a non-empty string`);
  }
  const ports = portMap(v.ports, `${field}.ports`, problems);
  if (problems.length > before) return undefined;
  return {
    id: v.id as string,
    host: v.host as string,
    hostname: typeof v.hostname === 'string' ? v.hostname : '',
    agentId: typeof v.agentId === 'string' ? v.agentId : '',
    ports,
    version: typeof v.version === 'number' ? v.version : 0,
  };
}

function serviceOf(v: unknown, field: string, problems: string[]): ServiceEndpoints | undefined {
  if (!isObj(v) || typeof v.id !== 'string' || v.id === '') {
    problems.push(`${field}.id must be a non-empty string`);
    return undefined;
  }
  const before = problems.length;
  const algorithm = v.algorithm ?? Algorithm.ROUND_ROBIN;
  if (!(ALGORITHMS as readonly unknown[]).includes(algorithm)) problems.push(`${field}.algorithm must be one of ${ALGORITHMS.join(', ')}, got ${JSON.stringify(algorithm)}`);
  const grace = v.killGracePeriodSeconds ?? 0;
  if (typeof grace !== 'number' || !(grace >= 0)) problems.push(`${field}.killGracePeriodSeconds must be a number >= 0, got ${JSON.stringify(grace)}`);
  const servicePorts = portMap(v.servicePorts ?? {}, `${field}.servicePorts`, problems);
  const list = (key: 'endpoints' | 'draining'): unknown[] => {
    const l = v[key] ?? [];
    if (Array.isArray(l)) return l;
    problems.push(`${field}.${key} must be an array`);
    return [];
  };
  const endpoints = list('endpoints').map((e, i) => endpointOf(e, `${field}.endpoints[${i}]`, problems));
  const draining = list('draining').map((e, i) => {
    const ep = endpointOf(e, `${field}.draining[${i}]`, problems);
    const since = isObj(e) ? e.drainingSinceMs : undefined;
    if (typeof since !== 'number' || !Number.isFinite(since)) {
      problems.push(`${field}.draining[${i}].drainingSinceMs must be a time in ms`);
      return undefined;
    }
    return ep && { ...ep, drainingSinceMs: since };
  });
  if (problems.length > before) return undefined;
  return {
    id: v.id,
    dnsName: typeof v.dnsName === 'string' ? v.dnsName : '',
    algorithm: algorithm as Algorithm,
    servicePorts,
    killGracePeriodSeconds: grace as number,
    endpoints: endpoints as Endpoint[],
    draining: draining as DrainingEndpoint[],
  };
}

/** The services of a stream document's `endpoints`, and what was wrong with those left out. */
export function decodeEndpoints(doc: Record<string, unknown>): { services: ServiceEndpoints[]; problems: string[] } {
  const problems: string[] = [];
  const list = doc.endpoints;
  if (!Array.isArray(list)) return { services: [], problems: ['endpoints must be an array of services'] };
  const services: ServiceEndpoints[] = [];
  list.forEach((s, i) => {
    const decoded = serviceOf(s, `endpoints[${i}]`, problems);
    if (decoded) services.push(decoded);
  });
  return { services, problems };
}
