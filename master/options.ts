// The master's options, compiled once: defaults filled in and every field checked, with every
// problem listed in one BerthError. The Master calls compileMasterOptions; the CLI checks its flags
// with masterOptionProblems and shows MASTER_DEFAULTS in its help.
import type { Logger } from 'pino';
import { Authenticator, type AuthConfig } from '../protocol/auth/index.js';
import { BerthError, ErrorCode } from '../protocol/index.js';
import { DrfAllocator } from './allocator/drf-allocator.js';
import { Failpoints } from './failpoints.js';
import type { Allocator, RoleConfig } from './allocator/types.js';
import { quoteRole, roleProblem } from '../protocol/domain/index.js';
import type { ClusterStore } from './store/cluster-store.js';

export interface MasterOptions {
  masterId: string;
  /** The URL agents and frameworks use to reach this master (ws://host:port). */
  url: string;
  store: ClusterStore;
  log: Logger;
  allocator?: Allocator;
  roles?: ReadonlyMap<string, RoleConfig>;
  allocationIntervalMs?: number;
  /**
   * Triggered runs (an accept, a freed task) wait until at least this long after the previous run,
   * so a burst of triggers costs a few runs, not one run over every agent per trigger.
   */
  allocationMinGapMs?: number;
  /** Offers not answered in this time are rescinded (0 = never). */
  offerTimeoutMs?: number;
  /** refuseSeconds used by a DECLINE that gives none (Mesos' default is 5 s). */
  defaultRefuseSeconds?: number;
  minOffer?: { cpus: number; memMb: number };
  /** How long a disconnected agent has to come back before it is marked unreachable. */
  agentReregisterTimeoutMs?: number;
  /**
   * The same after a failover, for every agent the new leader loaded (they all reconnect at once);
   * loaded frameworks get at least this long too, whatever their own failover timeout.
   */
  failoverReregisterTimeoutMs?: number;
  /** How long an unreachable agent may stay away before it is removed and its tasks are GONE. */
  agentGoneTimeoutMs?: number;
  /** At most this fraction of the agents (at least one) is marked unreachable per window. */
  unreachableRateFraction?: number;
  unreachableRateWindowMs?: number;
  /** Heartbeat interval the master announces in Welcome. */
  heartbeatIntervalMs?: number;
  leaseMs?: number;
  /**
   * Whether a standby takes the lease over as soon as the leader's presence connection to the
   * store closed while Redis stayed up (its process died), rather than only when the lease ends.
   * Default true; only stores shared by several processes (Redis) offer it (docs/operations.md).
   */
  presence?: boolean;
  /** Terminal tasks kept after acknowledgement, for reconciliation answers. */
  completedTasksKept?: number;
  /**
   * Principals and ACLs (protocol/auth's parseAuthConfig or loadAuthFile; docs/security.md).
   * Without it authentication is off: every call is allowed, as in Mesos by default.
   */
  auth?: AuthConfig | undefined;
  /** Where the fault-injection suite makes the master crash, stall or fail (none by default). */
  failpoints?: Failpoints;
}

/** MasterOptions with every default filled in and every field checked. */
export interface CompiledMasterOptions {
  readonly masterId: string;
  readonly url: string;
  readonly store: ClusterStore;
  readonly log: Logger;
  readonly allocator: Allocator;
  readonly roles: ReadonlyMap<string, RoleConfig>;
  readonly allocationIntervalMs: number;
  readonly allocationMinGapMs: number;
  readonly offerTimeoutMs: number;
  readonly defaultRefuseSeconds: number;
  readonly minOffer: { readonly cpus: number; readonly memMb: number };
  readonly agentReregisterTimeoutMs: number;
  readonly failoverReregisterTimeoutMs: number;
  readonly agentGoneTimeoutMs: number;
  readonly unreachableRateFraction: number;
  readonly unreachableRateWindowMs: number;
  readonly heartbeatIntervalMs: number;
  readonly leaseMs: number;
  readonly presence: boolean;
  readonly completedTasksKept: number;
  /** Who calls and what they may do; `enabled` is false without an auth config. */
  readonly auth: Authenticator;
  readonly failpoints: Failpoints;
}

export const MASTER_DEFAULTS = {
  allocationIntervalMs: 1_000,
  allocationMinGapMs: 20,
  offerTimeoutMs: 60_000,
  defaultRefuseSeconds: 5,
  minOffer: { cpus: 0.01, memMb: 32 },
  agentReregisterTimeoutMs: 5_000,
  failoverReregisterTimeoutMs: 15_000,
  agentGoneTimeoutMs: 600_000,
  unreachableRateFraction: 0.1,
  unreachableRateWindowMs: 60_000,
  heartbeatIntervalMs: 5_000,
  leaseMs: 10_000,
  completedTasksKept: 10_000,
} as const;

type Rule = { min: number; minIncluded: boolean; max?: number; integer?: boolean };
const positive: Rule = { min: 0, minIncluded: false };
const nonNegative: Rule = { min: 0, minIncluded: true };

const NUMBER_RULES: Record<Exclude<keyof typeof MASTER_DEFAULTS, 'minOffer'>, Rule> = {
  allocationIntervalMs: positive,
  allocationMinGapMs: nonNegative,
  offerTimeoutMs: nonNegative,
  defaultRefuseSeconds: nonNegative,
  agentReregisterTimeoutMs: positive,
  failoverReregisterTimeoutMs: positive,
  agentGoneTimeoutMs: positive,
  unreachableRateFraction: { min: 0, minIncluded: false, max: 1 },
  unreachableRateWindowMs: positive,
  heartbeatIntervalMs: positive,
  leaseMs: positive,
  completedTasksKept: { min: 0, minIncluded: true, integer: true },
};

/** One bad option: its field (a path like roles.eng.weight), the rule it breaks, and what it got. */
export interface OptionProblem {
  field: string;
  rule: string;
  got: string;
}

/** The rule a number option keeps, as text ("> 0", ">= 0, whole"), for help texts. */
export function masterRule(field: keyof typeof NUMBER_RULES): string {
  const rule = NUMBER_RULES[field];
  return `${rule.minIncluded ? '>=' : '>'} ${rule.min}${rule.max === undefined ? '' : ` and <= ${rule.max}`}${rule.integer ? ', whole' : ''}`;
}

/** Why value breaks rule, or undefined when it keeps it. */
function breaks(value: unknown, rule: Rule): string | undefined {
  const bound = `${rule.minIncluded ? '>=' : '>'} ${rule.min}${rule.max === undefined ? '' : ` and <= ${rule.max}`}`;
  const what = rule.integer ? 'an integer' : 'a finite number';
  if (typeof value !== 'number' || !Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) return `must be ${what} ${bound}`;
  if (value < rule.min || (!rule.minIncluded && value === rule.min) || (rule.max !== undefined && value > rule.max)) return `must be ${bound}`;
  return undefined;
}

const shown = (value: unknown): string => (typeof value === 'number' ? String(value) : JSON.stringify(value) ?? 'undefined');

const REQUIRED = ['masterId', 'url', 'store', 'log'] as const;
const REQUIRED_RULES: Record<(typeof REQUIRED)[number], string> = {
  masterId: 'must be a non-empty string',
  url: 'must be a ws:// or wss:// URL',
  store: 'must be a ClusterStore',
  log: 'must be a pino Logger',
};

/**
 * Every problem with the fields options gives, each naming its field. The fields a caller builds
 * later (masterId, url, store, log) are checked only when given, so the CLI can check its flags
 * before it opens a store; compileMasterOptions requires them.
 */
export function masterOptionProblems(options: Partial<MasterOptions>): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const problem = (field: string, rule: string, got = ''): void => void problems.push({ field, rule, got });
  const o = options as unknown as Record<string, unknown>;
  if (o.masterId !== undefined && (typeof o.masterId !== 'string' || o.masterId === '')) problem('masterId', REQUIRED_RULES.masterId, shown(o.masterId));
  if (o.url !== undefined && (typeof o.url !== 'string' || !/^wss?:\/\/[^/\s]+/.test(o.url))) problem('url', REQUIRED_RULES.url, shown(o.url));
  const store = o.store as Partial<ClusterStore> | undefined;
  if (store !== undefined && (typeof store?.apply !== 'function' || typeof store.load !== 'function' || typeof store.campaign !== 'function')) problem('store', REQUIRED_RULES.store);
  const log = o.log as Partial<Logger> | undefined;
  if (log !== undefined && typeof log?.child !== 'function') problem('log', REQUIRED_RULES.log);
  const allocator = o.allocator as Partial<Allocator> | undefined;
  if (allocator !== undefined && typeof allocator.allocate !== 'function') problem('allocator', 'must be an Allocator (with allocate())');
  const auth = o.auth as Partial<AuthConfig> | undefined;
  if (auth !== undefined && !(Array.isArray(auth?.principals) && Array.isArray(auth.acls))) problem('auth', 'must be an AuthConfig from parseAuthConfig or loadAuthFile');
  if (o.failpoints !== undefined && !(o.failpoints instanceof Failpoints)) problem('failpoints', 'must be Failpoints (Failpoints.parse)');
  if (o.presence !== undefined && typeof o.presence !== 'boolean') problem('presence', 'must be true or false', shown(o.presence));
  if (o.roles !== undefined && !(o.roles instanceof Map)) problem('roles', 'must be a Map of role name to RoleConfig');
  else {
    for (const [name, config] of (o.roles as ReadonlyMap<string, RoleConfig> | undefined) ?? []) {
      const nameProblem = roleProblem(name);
      if (nameProblem) problem(`roles.${name}`, nameProblem, quoteRole(name));
      const why = breaks(config?.weight, positive);
      if (why) problem(`roles.${name}.weight`, why, shown(config?.weight));
    }
  }
  for (const [field, rule] of Object.entries(NUMBER_RULES) as [keyof typeof NUMBER_RULES, Rule][]) {
    const value = o[field] ?? MASTER_DEFAULTS[field];
    const why = breaks(value, rule);
    if (why) problem(field, why, shown(value));
  }
  const minOffer = (o.minOffer ?? MASTER_DEFAULTS.minOffer) as { cpus?: unknown; memMb?: unknown };
  for (const key of ['cpus', 'memMb'] as const) {
    const why = breaks(minOffer?.[key], nonNegative);
    if (why) problem(`minOffer.${key}`, why, shown(minOffer?.[key]));
  }
  return problems;
}

/**
 * Fills the defaults into options and checks every field. Throws one BerthError (code
 * INVALID_CALL) whose message lists every problem and whose field names every bad field
 * (comma-separated), so a person fixes them all in one go.
 */
export function compileMasterOptions(options: MasterOptions): CompiledMasterOptions {
  const o = options as unknown as Record<string, unknown>;
  const missing = REQUIRED.filter((f) => o[f] === undefined).map((f) => ({ field: f, rule: REQUIRED_RULES[f], got: 'undefined' }));
  const problems = [...missing, ...masterOptionProblems(options)];
  if (problems.length > 0) {
    throw new BerthError(ErrorCode.INVALID_CALL, `invalid master options: ${problems.map((p) => `${p.field} ${p.rule}${p.got ? `, got ${p.got}` : ''}`).join('; ')}`, {
      field: problems.map((p) => p.field).join(','),
    });
  }
  const numbers = {} as Record<keyof typeof NUMBER_RULES, number>;
  for (const field of Object.keys(NUMBER_RULES) as (keyof typeof NUMBER_RULES)[]) numbers[field] = (o[field] ?? MASTER_DEFAULTS[field]) as number;
  const minOffer = (o.minOffer ?? MASTER_DEFAULTS.minOffer) as { cpus: number; memMb: number };
  return {
    masterId: options.masterId,
    url: options.url,
    store: options.store,
    log: options.log,
    allocator: options.allocator ?? new DrfAllocator(),
    roles: options.roles ?? new Map(),
    presence: options.presence ?? true,
    ...numbers,
    minOffer: { cpus: minOffer.cpus, memMb: minOffer.memMb },
    auth: new Authenticator(options.auth),
    failpoints: options.failpoints ?? Failpoints.NONE,
  };
}
