// The flags of `berth master` and `berth dev` that configure the master: parsed into the shape of
// MasterOptions, checked by master/options.ts (masterOptionProblems), defaults from MASTER_DEFAULTS.
// The option modules themselves, not the master's and agent's indexes: a command's --help must not load them whole.
import { parseResourceSpec } from '../agent/resources-detect.js';
import { FAILPOINT_RULE, Failpoints, failpointProblems } from '../master/failpoints.js';
import { checkFrameworkLinks, type FrameworkLinks } from '../master/http/ui-assets.js';
import type { RoleConfig } from '../master/index.js';
import { MASTER_DEFAULTS, masterOptionProblems, masterRule, type MasterOptions } from '../master/options.js';
import { redisUrlProblem, resources, SENTINEL_URL_RULE, type ClientTls, type ServerTls } from '../protocol/index.js';
import { Problems, type FlagSpec, type Flags } from './flags.js';
import { durationFlag, durationMs, reportFieldProblems, type FlagOf } from './option-flags.js';
import { CA_FILE_FLAG, REDIS_CA_FILE_FLAG, tlsFlags } from './tls-flags.js';

/** Each duration flag and the MasterOptions field it sets. */
export const MASTER_DURATION_FLAGS = {
  'allocation-interval': 'allocationIntervalMs',
  'offer-timeout': 'offerTimeoutMs',
  'agent-reregister-timeout': 'agentReregisterTimeoutMs',
  'failover-reregister-timeout': 'failoverReregisterTimeoutMs',
  'agent-gone-timeout': 'agentGoneTimeoutMs',
  'unreachable-rate-window': 'unreachableRateWindowMs',
  'heartbeat-interval': 'heartbeatIntervalMs',
  lease: 'leaseMs',
} as const;
type DurationFlag = keyof typeof MASTER_DURATION_FLAGS;
type DurationField = (typeof MASTER_DURATION_FLAGS)[DurationFlag];

const DURATION_HELP: Record<DurationFlag, string> = {
  'allocation-interval': 'how often the allocator runs besides its triggers',
  'offer-timeout': 'rescind offers not answered in this time (0 = never)',
  'agent-reregister-timeout': 'time a disconnected agent has to come back before it is unreachable (its tasks UNREACHABLE or LOST)',
  'failover-reregister-timeout': 'after a failover, time every agent (and, at least, every framework) has to re-register with the new leader',
  'agent-gone-timeout': 'an unreachable agent is removed after this long; its tasks are GONE',
  'unreachable-rate-window': 'when many agents go silent at once, at most a tenth of them are marked unreachable per this window',
  'heartbeat-interval': 'how often agents and frameworks are asked to ping the master (announced in Welcome)',
  lease: 'leader lease; a leader that cannot renew in time steps down',
};

const durationFlags = Object.fromEntries(
  (Object.entries(MASTER_DURATION_FLAGS) as [DurationFlag, DurationField][]).map(([flag, field]) => [flag, durationFlag(DURATION_HELP[flag], MASTER_DEFAULTS[field], masterRule(field))]),
) as Record<DurationFlag, FlagSpec>;

export const MASTER_FLAGS: Record<string, FlagSpec> = {
  host: { type: 'string', default: '127.0.0.1', help: 'address to listen on', rule: 'an IP address or host name', placeholder: 'ADDR' },
  port: { type: 'string', default: '5050', help: 'port for agents, frameworks and the HTTP API', rule: 'a whole number from 0 to 65535; 0 picks a free port', placeholder: 'PORT' },
  redis: { type: 'string', help: 'keep state in Redis at this URL (several masters may share it); user and password go in the URL', rule: `a redis:// or rediss:// (TLS) URL, or ${SENTINEL_URL_RULE} to follow Redis Sentinel`, placeholder: 'URL' },
  'redis-ca-file': REDIS_CA_FILE_FLAG,
  'redis-min-replicas': { type: 'string', default: '0', help: 'acknowledge a write only once this many Redis replicas have it (WAIT), so a Redis failover cannot lose it', rule: 'a whole number from 0 to 16', placeholder: 'N' },
  data: { type: 'string', help: 'without --redis: snapshot state to this folder so it survives a restart (default: state in memory only)', placeholder: 'DIR' },
  role: { type: 'string', multiple: true, help: 'a role and its weight for fair sharing', rule: 'NAME=WEIGHT, NAME "*" or lower-case path segments like eng/ml, WEIGHT > 0; roles not named have weight 1', placeholder: 'NAME=W' },
  quota: { type: 'string', multiple: true, help: 'resources a role is guaranteed', rule: 'NAME=SPEC like eng=cpus:4;mem:8192 (mem and disk in MB)', placeholder: 'NAME=SPEC' },
  limit: { type: 'string', multiple: true, help: 'resources a role may never exceed', rule: 'NAME=SPEC like eng=cpus:8;mem:16384 (mem and disk in MB)', placeholder: 'NAME=SPEC' },
  ...durationFlags,
  presence: { type: 'string', default: 'on', help: "with --redis: a standby takes over soon after the leader's Redis connection closed while Redis stayed up (its process died); off: only once its lease ends (docs/operations.md)", rule: 'on or off', placeholder: 'on|off' },
  'advertise-url': { type: 'string', help: 'the URL others use to reach this master (default: ws://HOST:PORT)', rule: 'a ws:// or wss:// URL', placeholder: 'URL' },
  'auth-file': { type: 'string', help: 'turn authentication on: principals, their tokens and the ACLs (docs/security.md); without it anyone who reaches the master may do anything', rule: 'a YAML or JSON auth file', placeholder: 'FILE' },
  failpoint: { type: 'string', env: 'BERTH_FAILPOINT', help: 'for fault-injection tests only: crash, pause or fail at these points', rule: FAILPOINT_RULE, placeholder: 'SPEC' },
};

/**
 * The flags of `berth master` (not of `berth dev`, which links its own frameworks) for the web UI's
 * proxy to the frameworks' APIs: the links, and the CA of https:// ones (the master's --tls-cert
 * is the client certificate it shows a framework that asks for one).
 */
export const MASTER_UI_FLAGS: Record<string, FlagSpec> = {
  'framework-link': { type: 'string', multiple: true, help: "a framework API the web UI reads through the master's proxy (/ui/proxy/NAME, docs/ui.md)", rule: 'NAME=URL, NAME services or batch, URL http:// or https://', placeholder: 'NAME=URL' },
  'ca-file': { ...CA_FILE_FLAG, help: "trust the https:// framework links whose certificates this CA signed (default: the system's CAs)" },
};

/** --framework-link NAME=URL flags as the links, checked by the master's own rules. */
function frameworkLinksOf(flags: Flags, problems: Problems): FrameworkLinks | undefined {
  const given = flags['framework-link'] as string[] | undefined;
  if (!given) return undefined;
  const links: Record<string, string> = {};
  for (const v of given) {
    const eq = v.indexOf('=');
    if (eq <= 0) problems.add(`--framework-link must look like NAME=URL (services=https://127.0.0.1:5070), got '${v}'`);
    else links[v.slice(0, eq)] = v.slice(eq + 1);
  }
  try {
    return checkFrameworkLinks(links, '--framework-link');
  } catch (err) {
    problems.add((err as Error).message);
    return undefined;
  }
}

/** What the master flags ask for: where to listen and keep state, and the master's options. */
export interface MasterFlags {
  host: string;
  port: number;
  redis: string | undefined;
  /** Writes wait for this many Redis replicas before they are acknowledged. */
  redisMinReplicas: number;
  data: string | undefined;
  advertiseUrl: string | undefined;
  /** The auth file (--auth-file); authentication is off without one. */
  authFile: string | undefined;
  /** https and wss (berth master's --tls-cert, --tls-key, --tls-client-ca). */
  tls: ServerTls | undefined;
  /** The CA of a rediss:// server (--redis-ca-file). */
  redisCa: Buffer | undefined;
  /** The framework APIs of the web UI (--framework-link), and what the proxy trusts and shows over https. */
  frameworkLinks: FrameworkLinks | undefined;
  frameworkTls: ClientTls | undefined;
  /** Only what the flags set; the master fills the rest from MASTER_DEFAULTS. */
  options: Partial<Pick<MasterOptions, DurationField | 'failpoints' | 'presence'>> & { roles: Map<string, RoleConfig> };
}

/** Roles from --role NAME=WEIGHT, --quota NAME=SPEC (guarantee) and --limit NAME=SPEC flags. */
function parseRoles(flags: Flags, problems: Problems, namedBy: Map<string, string>): Map<string, RoleConfig> {
  const roles = new Map<string, RoleConfig>();
  const role = (name: string, flag: string): RoleConfig => {
    if (!namedBy.has(name)) namedBy.set(name, flag);
    let r = roles.get(name);
    if (!r) roles.set(name, (r = { weight: 1 }));
    return r;
  };
  for (const v of (flags.role as string[] | undefined) ?? []) {
    const eq = v.indexOf('=');
    const weight = v.slice(eq + 1).trim();
    if (eq <= 0 || weight === '' || !Number.isFinite(Number(weight))) problems.add(`--role must look like NAME=WEIGHT (a number), got '${v}'`);
    else role(v.slice(0, eq), 'role').weight = Number(weight);
  }
  for (const [flag, key] of [['quota', 'quotaGuarantee'], ['limit', 'quotaLimit']] as const) {
    for (const v of (flags[flag] as string[] | undefined) ?? []) {
      const eq = v.indexOf('=');
      if (eq <= 0) {
        problems.add(`--${flag} must look like NAME=cpus:4;mem:8192, got '${v}'`);
        continue;
      }
      const name = v.slice(0, eq);
      try {
        const spec = resources.normalize(parseResourceSpec(v.slice(eq + 1)));
        role(name, flag)[key] = spec;
      } catch (err) {
        problems.add(`--${flag} ${name}: ${(err as Error).message}`);
      }
    }
  }
  return roles;
}

/** Parses the master flags; problems (the flags' own and the options module's) go to `problems`. */
export function masterFlags(flags: Flags, problems: Problems): MasterFlags {
  const namedBy = new Map<string, string>();
  const options: MasterFlags['options'] = { roles: parseRoles(flags, problems, namedBy) };
  if (flags.presence !== undefined && problems.oneOf(flags, 'presence', ['on', 'off'] as const) === 'off') options.presence = false;
  for (const [flag, field] of Object.entries(MASTER_DURATION_FLAGS) as [DurationFlag, DurationField][]) {
    const ms = durationMs(flags, flag, problems);
    if (ms !== undefined) options[field] = ms;
  }
  const fieldFlag = Object.fromEntries(Object.entries(MASTER_DURATION_FLAGS).map(([flag, field]) => [field, flag]));
  const flagOf = (field: string): FlagOf | undefined => {
    const direct = fieldFlag[field];
    if (direct) return { flag: direct, ...(flags[direct] === undefined ? {} : { raw: String(flags[direct]) }) };
    const role = /^roles\.(.+?)(\.weight)?$/.exec(field);
    if (role) {
      const name = role[1] as string;
      const weight = role[2] ? (flags.role as string[] | undefined)?.find((v) => v.startsWith(`${name}=`)) : undefined;
      return role[2] ? { flag: namedBy.get(name) ?? 'role', label: `weight of ${name}`, ...(weight ? { raw: weight.slice(name.length + 1) } : {}) } : { flag: namedBy.get(name) ?? 'role', label: 'role name', raw: name };
    }
    return undefined;
  };
  if (flags.failpoint !== undefined) {
    const spec = String(flags.failpoint);
    const found = failpointProblems(spec);
    for (const p of found) problems.add(`--failpoint ${p}`);
    if (found.length === 0) options.failpoints = Failpoints.parse(spec);
  }
  reportFieldProblems(masterOptionProblems(options), flagOf, problems);
  const tls = tlsFlags(flags, problems);
  return {
    host: String(flags.host),
    port: problems.int(flags, 'port', 0, 65535),
    redis: flags.redis === undefined ? undefined : redisUrl(flags, problems),
    redisMinReplicas: problems.int(flags, 'redis-min-replicas', 0, 16),
    data: flags.data as string | undefined,
    advertiseUrl: flags['advertise-url'] === undefined ? undefined : problems.url(flags, 'advertise-url', ['ws', 'wss']),
    authFile: flags['auth-file'] === undefined ? undefined : String(flags['auth-file']),
    tls: tls.server,
    redisCa: tls.redisCa,
    frameworkLinks: frameworkLinksOf(flags, problems),
    frameworkTls: tls.client,
    options,
  };
}

/** --redis: a server URL or a sentinel URL, checked by the store's own parser. */
function redisUrl(flags: Flags, problems: Problems): string {
  const raw = String(flags.redis);
  const problem = redisUrlProblem('--redis', raw);
  if (problem) problems.add(problem);
  return problem ? '' : raw;
}
