// Who takes part: an agent's description of itself (AgentInfo), a framework's (FrameworkInfo),
// and the tasks an agent reports when it registers again (TaskReport).
import { ErrorCode } from '../errors.js';
import type { AgentInfo, FrameworkInfo, TaskReport } from '../messages.js';
import type { Res } from '../resources.js';
import { FieldReader, type Decoded } from './decoded.js';
import { readResources, toWireResources } from './resources.js';
import { decodeTaskStatus, toWireTaskStatus, type StatusUpdate } from './status.js';
import { decodeTaskInfo, toWireTaskInfo, type TaskSpec } from './task.js';

/** "*" or lower-case path segments like eng/ml. */
export const ROLE_RULE = /^(\*|[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*)$/;
/**
 * Mesos' roles are directory names joined by "/": none empty, none "." or "..", none starting with
 * "-", no "%" or spaces. Its names have no length limit of their own; berth's do, so a name fits
 * in logs, metrics labels and Redis keys.
 */
export const MAX_ROLE_CHARS = 128;
export const MAX_ROLE_SEGMENT_CHARS = 64;

/** What is wrong with a role name, or undefined when it keeps the rule. */
export function roleProblem(role: string): string | undefined {
  if (role.length > MAX_ROLE_CHARS) return `must be at most ${MAX_ROLE_CHARS} characters, not ${role.length}`;
  if (!ROLE_RULE.test(role)) return 'must be "*" or lower-case path segments like eng/ml';
  if (role.split('/').some((segment) => segment.length > MAX_ROLE_SEGMENT_CHARS)) return `must have path segments of at most ${MAX_ROLE_SEGMENT_CHARS} characters`;
  return undefined;
}

/** A role name as messages quote it: cut short when long, since a bad name may be very long. */
export function quoteRole(role: string): string {
  return JSON.stringify(role.length > 40 ? `${role.slice(0, 40)}…` : role);
}

export interface ReservationSpec {
  role: string;
  resources: Res;
  /** Made by a framework's RESERVE, not by the agent's --reserve flag. */
  dynamic: boolean;
}

export interface AgentDescription {
  hostname: string;
  resources: Res;
  attributes: Record<string, string>;
  reservations: ReservationSpec[];
  /** One boot of the host; a new boot id means the old containers are gone. */
  bootId: string;
  /** "docker", "process" or "hollow"; '' from an agent that did not say. */
  runtime: string;
  version: string;
  /** Where clients reach its tasks; the hostname when the agent did not say (an older agent). */
  address: string;
}

export interface FrameworkDescription {
  name: string;
  /** Never empty: ['*'] when the wire had none. */
  roles: string[];
  /** How long the master keeps the framework's tasks after its connection drops. */
  failoverTimeoutMs: number;
  user: string;
  principal: string;
  /** Partition-aware frameworks see UNREACHABLE instead of LOST. */
  partitionAware: boolean;
  webuiUrl: string;
  /** At most this many offers outstanding at once; absent (or 0): no limit. */
  maxOffers?: number;
}

/** The largest offer limit a framework may ask for (more is no limit at all). */
export const MAX_OFFERS_LIMIT = 1_000_000;

export interface ReportedTask {
  task: TaskSpec;
  frameworkId: string;
  status: StatusUpdate;
}

function checkRole(r: FieldReader, role: string, field: string): void {
  const problem = roleProblem(role);
  if (problem) r.add(field, `${quoteRole(role)} ${problem}`);
}

/** An AgentInfo as an AgentDescription. Problems: hostname (not empty), resources, reservations (role rule, resources). */
export function decodeAgentInfo(wire: AgentInfo | null | undefined, field = 'agent'): Decoded<AgentDescription> {
  const r = new FieldReader([], ErrorCode.INVALID_RESOURCES);
  const m = r.message(wire, field);
  const value: AgentDescription = {
    hostname: r.str(m?.hostname, `${field}.hostname`),
    resources: readResources(r, m?.resources, `${field}.resources`),
    attributes: r.map(m?.attributes, `${field}.attributes`),
    reservations: r.list(m?.reservations, `${field}.reservations`, (v, at) => {
      const rm = r.message(v, at);
      const role = r.str(rm?.role, `${at}.role`);
      checkRole(r, role, `${at}.role`);
      return { role, resources: readResources(r, rm?.resources, `${at}.resources`), dynamic: r.bool(rm?.dynamic, `${at}.dynamic`) };
    }),
    bootId: r.str(m?.bootId, `${field}.boot_id`),
    runtime: r.str(m?.runtime, `${field}.runtime`),
    version: r.str(m?.version, `${field}.version`),
    address: r.str(m?.address, `${field}.address`),
  };
  if (value.address === '') value.address = value.hostname;
  if (value.hostname === '') r.add(`${field}.hostname`, 'must not be empty', ErrorCode.INVALID_CALL);
  return { value, problems: r.problems };
}

/** A FrameworkInfo as a FrameworkDescription. Problems: name (not empty), roles (the role rule), failover_timeout_ms (>= 0). */
export function decodeFrameworkInfo(wire: FrameworkInfo | null | undefined, field = 'framework'): Decoded<FrameworkDescription> {
  const r = new FieldReader([], ErrorCode.INVALID_CALL);
  const m = r.message(wire, field);
  const roles = r.strings(m?.roles, `${field}.roles`);
  if (roles.length === 0) roles.push('*');
  roles.forEach((role, i) => checkRole(r, role, `${field}.roles[${i}]`));
  const value: FrameworkDescription = {
    name: r.str(m?.name, `${field}.name`),
    roles,
    failoverTimeoutMs: r.num(m?.failoverTimeoutMs, `${field}.failover_timeout_ms`, { min: 0 }),
    user: r.str(m?.user, `${field}.user`),
    principal: r.str(m?.principal, `${field}.principal`),
    partitionAware: r.bool(m?.partitionAware, `${field}.partition_aware`),
    webuiUrl: r.str(m?.webuiUrl, `${field}.webui_url`),
  };
  const maxOffers = r.num(m?.maxOffers, `${field}.max_offers`, { min: 0, integer: true });
  if (maxOffers > MAX_OFFERS_LIMIT) r.add(`${field}.max_offers`, `must be at most ${MAX_OFFERS_LIMIT} (0: no limit)`);
  else if (maxOffers > 0) value.maxOffers = maxOffers;
  if (value.name === '') r.add(`${field}.name`, 'must not be empty');
  return { value, problems: r.problems };
}

/** A TaskReport: its task and status decoded as above, under `field`.task and `field`.status. */
export function decodeTaskReport(wire: TaskReport | null | undefined, field = 'report'): Decoded<ReportedTask> {
  const r = new FieldReader([], ErrorCode.INVALID_CALL);
  const m = r.message(wire, field);
  const task = decodeTaskInfo(m?.task as TaskReport['task'], `${field}.task`);
  const status = decodeTaskStatus(m?.status as TaskReport['status'], `${field}.status`);
  const frameworkId = r.str(m?.frameworkId, `${field}.framework_id`);
  return { value: { task: task.value, frameworkId, status: status.value }, problems: [...task.problems, ...status.problems, ...r.problems] };
}

export function toWireAgentInfo(a: AgentDescription): AgentInfo {
  return {
    ...a,
    resources: toWireResources(a.resources),
    attributes: { ...a.attributes },
    reservations: a.reservations.map((x) => ({ role: x.role, resources: toWireResources(x.resources), dynamic: x.dynamic })),
  };
}

export function toWireFrameworkInfo(f: FrameworkDescription): FrameworkInfo {
  return { ...f, roles: [...f.roles] };
}

export function toWireTaskReport(t: ReportedTask): TaskReport {
  return { task: toWireTaskInfo(t.task), frameworkId: t.frameworkId, status: toWireTaskStatus(t.status) };
}
