// Every Redis key berth's master uses is named here and nowhere else, so the layout can be read in
// one place and a prefix (one per cluster, or one per test) keeps clusters and tests apart.

export const DEFAULT_KEY_PREFIX = 'berth:';

/**
 * The master's keys under one prefix.
 *
 * - `<prefix>epoch`       string  — the fencing token; INCR on every election, never expires.
 * - `<prefix>leader`      string  — JSON {masterId,url,epoch} of the lease holder, with a PX expiry.
 * - `<prefix>agents`      hash    — agent id → AgentRecord JSON.
 * - `<prefix>frameworks`  hash    — framework id → FrameworkRecord JSON.
 * - `<prefix>tasks`       hash    — task id → TaskRecord JSON, as of its last put.
 * - `<prefix>statuses`    hash    — task id → the live task's status since then, when it changed
 *   (./status-codec.ts); a put or the task's end removes it.
 * - `<prefix>roles`       hash    — role name → RoleRecord JSON (weights and quotas).
 * - `<prefix>completed`   hash    — task id → TaskRecord JSON of ended, acknowledged tasks (the newest N).
 * - `<prefix>events`      stream  — one entry per applied StateChange: {epoch, type, id, value}.
 * - `<prefix>audit`       list    — AuditEvent JSON, oldest first, trimmed to the newest N.
 * - `<prefix>presence:<masterId>`  pub/sub channel (no key) — each master's presence connection
 *   subscribes to its own; a lease that names one is vacant once it has no subscriber.
 *
 * Every state change runs as one Lua script over several of these keys. On Redis Cluster they must
 * share a hash slot: give a prefix with a hash tag, e.g. `{berth}:`.
 */
export interface StoreKeys {
  readonly prefix: string;
  readonly epoch: string;
  readonly leader: string;
  readonly agents: string;
  readonly frameworks: string;
  readonly tasks: string;
  readonly statuses: string;
  readonly roles: string;
  readonly completed: string;
  readonly events: string;
  readonly audit: string;
  /** What every master's presence channel name starts with (channels, not keys). */
  readonly presencePrefix: string;
}

/** The presence channel of masterId: `<prefix>presence:<masterId>`. */
export function presenceChannel(keys: StoreKeys, masterId: string): string {
  return `${keys.presencePrefix}${masterId}`;
}

export function storeKeys(prefix: string = DEFAULT_KEY_PREFIX): StoreKeys {
  if (prefix.length === 0) throw new TypeError('key prefix must not be empty (it keeps clusters apart)');
  return Object.freeze({
    prefix,
    epoch: `${prefix}epoch`,
    leader: `${prefix}leader`,
    agents: `${prefix}agents`,
    frameworks: `${prefix}frameworks`,
    tasks: `${prefix}tasks`,
    statuses: `${prefix}statuses`,
    roles: `${prefix}roles`,
    completed: `${prefix}completed`,
    events: `${prefix}events`,
    audit: `${prefix}audit`,
    presencePrefix: `${prefix}presence:`,
  });
}
