// The cluster as the master's public HTTP API shows it (`GET /api/v1/state`): every agent with its
// hostname, attributes, total and used resources, drain and pressure flags. Offers say what a
// framework may launch on; this says what the whole cluster looks like, for previews and for
// deciding what to move.
import { bearerHeaders } from '../../protocol/auth/index.js';
import { BerthError, ErrorCode, checkMasterUrl, fetchWithTls, resources, type Res } from '../../protocol/index.js';
import { compileTls, type TlsClientOptions } from './options.js';

/** One agent of the cluster, every field present. */
export interface ClusterAgent {
  id: string;
  hostname: string;
  /** Where clients reach its tasks (they use host networking); the hostname when the master does not say. */
  address: string;
  attributes: Record<string, string>;
  total: Res;
  /** What its tasks hold. */
  used: Res;
  /** total minus used: scalars and the port ranges no task holds (offered resources count as free). */
  free: Res;
  /** Under maintenance: frameworks should move work off it. */
  draining: boolean;
  /** Its last usage report said memory or disk pressure. */
  underPressure: boolean;
  /** Its connection to the master is open now. */
  connected: boolean;
  /** The master's verdict: 'active' (connected or within its grace), 'unreachable' or 'gone'. */
  state: string;
}

export interface ClusterState {
  /** The http(s):// base URL of the master that answered. */
  masterUrl: string;
  agents: ClusterAgent[];
}

export interface ReadClusterStateOptions extends TlsClientOptions {
  /** How long one master may take to answer (default 5000). */
  timeoutMs?: number;
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
  /** The bearer token for a master with authentication on (docs/security.md). */
  token?: string;
}

/** The master's base HTTP URL for a ws:// or wss:// one (both are served on one port). */
export function httpUrlOf(masterUrl: string): string {
  const checked = checkMasterUrl(masterUrl, '/api/v1/scheduler');
  if (!checked.ok) throw new BerthError(ErrorCode.INVALID_CALL, `masterUrl ${checked.problem}`, { field: 'masterUrl' });
  return checked.url.replace(/^ws/, 'http');
}

type Json = Record<string, unknown>;

class Reader {
  readonly problems: string[] = [];
  str(v: unknown, field: string): string {
    if (typeof v === 'string') return v;
    this.problems.push(`${field} must be a string`);
    return '';
  }
  bool(v: unknown, field: string): boolean {
    if (typeof v === 'boolean') return v;
    this.problems.push(`${field} must be true or false`);
    return false;
  }
  obj(v: unknown, field: string): Json {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Json;
    this.problems.push(`${field} must be an object`);
    return {};
  }
  res(v: unknown, field: string): Res {
    const m = this.obj(v, field);
    for (const k of ['cpus', 'memMb', 'diskMb'] as const) {
      if (m[k] !== undefined && !(typeof m[k] === 'number' && Number.isFinite(m[k]) && m[k] >= 0)) this.problems.push(`${field}.${k} must be a number >= 0`);
    }
    const ports = Array.isArray(m.ports) ? m.ports : [];
    if (m.ports !== undefined && !Array.isArray(m.ports)) this.problems.push(`${field}.ports must be a list of ranges`);
    ports.forEach((p: unknown, i) => {
      const r = p as Json;
      if (!(Number.isInteger(r?.begin) && Number.isInteger(r?.end) && (r.begin as number) <= (r.end as number))) this.problems.push(`${field}.ports[${i}] must be {begin, end} with whole numbers, begin <= end`);
    });
    return resources.normalize(m as Parameters<typeof resources.normalize>[0]);
  }
}

/** Decodes the agents of a `GET /api/v1/state` body; throws one error listing every problem. */
export function decodeClusterAgents(body: unknown): ClusterAgent[] {
  const r = new Reader();
  const root = r.obj(body, 'state');
  if (!Array.isArray(root.agents)) throw new BerthError(ErrorCode.INVALID_CALL, 'the master\'s state has no agents list (state.agents must be a list)', { field: 'agents' });
  const agents = root.agents.map((raw: unknown, i): ClusterAgent => {
    const f = `agents[${i}]`;
    const a = r.obj(raw, f);
    const attributes = r.obj(a.attributes ?? {}, `${f}.attributes`);
    for (const [k, v] of Object.entries(attributes)) if (typeof v !== 'string') r.problems.push(`${f}.attributes.${k} must be a string`);
    const total = r.res(a.total, `${f}.total`);
    const used = r.res(a.used ?? {}, `${f}.used`);
    const usage = a.usage === null || a.usage === undefined ? {} : r.obj(a.usage, `${f}.usage`);
    return {
      id: r.str(a.id, `${f}.id`),
      hostname: r.str(a.hostname, `${f}.hostname`),
      address: r.str(a.address ?? a.hostname, `${f}.address`),
      attributes: attributes as Record<string, string>,
      total,
      used,
      free: resources.subtract(total, used),
      draining: r.bool(a.draining ?? false, `${f}.draining`),
      underPressure: r.bool(usage.underPressure ?? false, `${f}.usage.underPressure`),
      connected: r.bool(a.connected ?? false, `${f}.connected`),
      state: r.str(a.state ?? 'active', `${f}.state`),
    };
  });
  if (r.problems.length > 0) throw new BerthError(ErrorCode.INVALID_CALL, `unexpected master state: ${r.problems.slice(0, 10).join('; ')}`, { field: 'agents' });
  return agents;
}

/**
 * Reads the cluster's agents from the first master that answers (`GET /api/v1/state`; a standby
 * redirects to the leader, and fetch follows). `masterUrl` takes the same ws:// URLs as the
 * SchedulerClient. Rejects with a BerthError (MASTER_UNAVAILABLE when no master answers, naming
 * each one's failure; INVALID_CALL when an answer is not a berth master's state).
 *
 * ```ts
 * const { agents } = await readClusterState('ws://127.0.0.1:5050');
 * ```
 */
export async function readClusterState(masterUrl: string | readonly string[], options: ReadClusterStateOptions = {}): Promise<ClusterState> {
  const { masterUrl: base, body } = await getMasterState(masterUrl, options);
  return { masterUrl: base, agents: decodeClusterAgents(body) };
}

/**
 * GET with the token. A standby's redirect to the leader is followed here, not by fetch, which
 * drops the Authorization header when it follows a redirect to another origin.
 */
async function getFollowing(get: typeof fetch, url: string, options: ReadClusterStateOptions): Promise<Response> {
  const init = { signal: AbortSignal.timeout(options.timeoutMs ?? 5_000), headers: bearerHeaders(options.token) };
  if (!options.token) return get(url, init);
  let res = await get(url, { ...init, redirect: 'manual' });
  const location = res.status === 307 || res.status === 308 ? res.headers.get('location') : null;
  if (location) res = await get(new URL(location, url), { ...init, redirect: 'manual' });
  return res;
}

/** The body of `GET /api/v1/state` from the first master that answers, undecoded. */
export async function getMasterState(masterUrl: string | readonly string[], options: ReadClusterStateOptions = {}): Promise<{ masterUrl: string; body: unknown }> {
  const urls = (typeof masterUrl === 'string' ? masterUrl.split(',') : [...masterUrl]).map((u) => u.trim()).filter(Boolean).map(httpUrlOf);
  if (urls.length === 0) throw new BerthError(ErrorCode.INVALID_CALL, 'masterUrl must name at least one ws:// URL', { field: 'masterUrl' });
  const get = options.fetch ?? fetchWithTls(compileTls(options, (field, rule) => {
    throw new BerthError(ErrorCode.INVALID_CALL, `${field} ${rule}`, { field });
  }));
  const failures: string[] = [];
  for (const base of urls) {
    try {
      const res = await getFollowing(get, `${base}/api/v1/state`, options);
      if (!res.ok) {
        failures.push(`${base}: HTTP ${res.status}`);
        continue;
      }
      return { masterUrl: base, body: await res.json() };
    } catch (err) {
      failures.push(`${base}: ${(err as Error).message}`);
    }
  }
  throw new BerthError(ErrorCode.MASTER_UNAVAILABLE, `no master answered GET /api/v1/state (${failures.join('; ')})`);
}
