// A Mesos scheduler Call (JSON, already parsed) read into what berth does with it: the berth
// SchedulerCall to send, or what the adapter answers by itself. Problems name the Mesos field.
import { ErrorCode, type pb } from '../../protocol/index.js';
import { FieldReader } from '../../protocol/domain/index.js';
import { readOperation } from './read-task.js';
import { MesosCallType, UNSUPPORTED_CALLS } from './types.js';

/** A SUBSCRIBE: the berth subscribe call and the roles to suppress once subscribed. */
export interface SubscribeCall {
  type: 'SUBSCRIBE';
  frameworkId: string;
  subscribe: pb.SchedulerCall.Subscribe.$Properties;
  suppressedRoles: string[];
}

/** Any other call: the berth call to make (none for calls berth takes without acting, such as MESSAGE). */
export interface FrameworkCall {
  type: Exclude<MesosCallType, 'SUBSCRIBE'>;
  frameworkId: string;
  berth: Omit<pb.SchedulerCall.$Properties, 'requestId'> | undefined;
}

export type MesosCall = SubscribeCall | FrameworkCall;

export type ReadCall = { call: MesosCall; problems: [] } | { call: undefined; problems: string[] };

const idOf = (r: FieldReader, m: Record<string, unknown> | undefined, key: string, field: string): string =>
  r.str(r.message(m?.[key], `${field}.${key}`)?.value, `${field}.${key}.value`);

const required = (r: FieldReader, value: string, field: string): string => {
  if (!value) r.add(field, 'must not be empty');
  return value;
};

/** Bytes in Mesos JSON are base64; berth's uuids are the UTF-8 text they encode (see events-out.ts). */
function uuidOf(r: FieldReader, v: unknown, field: string): string {
  const text = r.str(v, field);
  if (!text) return required(r, '', field);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    r.add(field, 'must be base64');
    return '';
  }
  return Buffer.from(text, 'base64').toString('utf8');
}

function filtersOf(r: FieldReader, v: unknown, field: string): pb.Filters.$Properties | undefined {
  const m = r.message(v, field);
  if (m?.refuse_seconds === undefined || m.refuse_seconds === null) return undefined;
  // Mesos caps refuse_seconds at a year.
  return { refuseSeconds: Math.min(r.num(m.refuse_seconds, `${field}.refuse_seconds`, { min: 0 }), 31_536_000) };
}

function readSubscribe(r: FieldReader, m: Record<string, unknown>, callFrameworkId: string): SubscribeCall {
  const sub = r.message(m.subscribe, 'subscribe');
  const info = r.message(sub?.framework_info, 'subscribe.framework_info');
  if (!info) r.add('subscribe.framework_info', 'must be given');
  const capabilities = new Set(r.list(info?.capabilities, 'subscribe.framework_info.capabilities', (c, f) => r.str(r.message(c, f)?.type, `${f}.type`)));
  const roles = r.strings(info?.roles, 'subscribe.framework_info.roles');
  const role = r.str(info?.role, 'subscribe.framework_info.role');
  const infoId = idOf(r, info, 'id', 'subscribe.framework_info');
  if (infoId && callFrameworkId && infoId !== callFrameworkId) r.add('subscribe.framework_info.id', `must equal framework_id ("${callFrameworkId}") when both are set`);
  const failoverSeconds = r.num(info?.failover_timeout, 'subscribe.framework_info.failover_timeout', { min: 0 });
  const name = r.str(info?.name, 'subscribe.framework_info.name');
  if (info && !name) r.add('subscribe.framework_info.name', 'must not be empty');
  return {
    type: 'SUBSCRIBE',
    frameworkId: infoId || callFrameworkId,
    subscribe: {
      framework: {
        name,
        roles: capabilities.has('MULTI_ROLE') || roles.length > 0 ? roles : [role || '*'],
        failoverTimeoutMs: failoverSeconds * 1000,
        user: r.str(info?.user, 'subscribe.framework_info.user'),
        principal: r.str(info?.principal, 'subscribe.framework_info.principal'),
        partitionAware: capabilities.has('PARTITION_AWARE'),
        webuiUrl: r.str(info?.webui_url, 'subscribe.framework_info.webui_url'),
      },
      ...(infoId || callFrameworkId ? { frameworkId: infoId || callFrameworkId } : {}),
    },
    suppressedRoles: r.strings(sub?.suppressed_roles, 'subscribe.suppressed_roles'),
  };
}

function readBerthCall(r: FieldReader, type: FrameworkCall['type'], m: Record<string, unknown>): FrameworkCall['berth'] {
  const key = type.toLowerCase();
  const body = r.message(m[key], key);
  switch (type) {
    case 'TEARDOWN':
      return { teardown: {} };
    case 'ACCEPT': {
      const offerIds = r.list(body?.offer_ids, 'accept.offer_ids', (o, f) => required(r, r.str(r.message(o, f)?.value, `${f}.value`), `${f}.value`));
      const operations = r.list(body?.operations, 'accept.operations', (o, f) => readOperation(r, o, f));
      // Mesos refuses what an ACCEPT leaves unused for Filters' default, 5 s, when no filters are given.
      const filters = filtersOf(r, body?.filters, 'accept.filters') ?? { refuseSeconds: 5 };
      // As in Mesos, an ACCEPT without operations declines its offers.
      if (operations.length === 0) return { decline: { offerIds, filters } };
      return { accept: { offerIds, operations, filters } };
    }
    case 'DECLINE': {
      const offerIds = r.list(body?.offer_ids, 'decline.offer_ids', (o, f) => required(r, r.str(r.message(o, f)?.value, `${f}.value`), `${f}.value`));
      const filters = filtersOf(r, body?.filters, 'decline.filters');
      return { decline: { offerIds, ...(filters ? { filters } : {}) } };
    }
    case 'REVIVE':
    case 'SUPPRESS': {
      const roles = r.strings(body?.roles, `${key}.roles`);
      const role = r.str(body?.role, `${key}.role`);
      return { [key]: { roles: role ? [...roles, role] : roles } };
    }
    case 'KILL': {
      const grace = r.message(r.message(body?.kill_policy, 'kill.kill_policy')?.grace_period, 'kill.kill_policy.grace_period');
      return {
        kill: {
          taskId: required(r, idOf(r, body, 'task_id', 'kill'), 'kill.task_id.value'),
          agentId: idOf(r, body, 'agent_id', 'kill'),
          gracePeriodMs: r.num(grace?.nanoseconds, 'kill.kill_policy.grace_period.nanoseconds', { min: 0 }) / 1e6,
        },
      };
    }
    case 'SHUTDOWN':
      // A command task's executor has the task's id (as Mesos' command executor does): shutting it down kills the task.
      return { kill: { taskId: required(r, idOf(r, body, 'executor_id', 'shutdown'), 'shutdown.executor_id.value'), agentId: idOf(r, body, 'agent_id', 'shutdown') } };
    case 'ACKNOWLEDGE':
      return {
        acknowledge: {
          agentId: idOf(r, body, 'agent_id', 'acknowledge'),
          taskId: required(r, idOf(r, body, 'task_id', 'acknowledge'), 'acknowledge.task_id.value'),
          uuid: uuidOf(r, body?.uuid, 'acknowledge.uuid'),
        },
      };
    case 'RECONCILE':
      return {
        reconcile: {
          tasks: r.list(body?.tasks, 'reconcile.tasks', (t, f) => {
            const tm = r.message(t, f);
            return { taskId: required(r, idOf(r, tm, 'task_id', f), `${f}.task_id.value`), agentId: idOf(r, tm, 'agent_id', f) };
          }),
        },
      };
    case 'MESSAGE':
      required(r, idOf(r, body, 'agent_id', 'message'), 'message.agent_id.value');
      required(r, idOf(r, body, 'executor_id', 'message'), 'message.executor_id.value');
      uuidOf(r, body?.data, 'message.data');
      return undefined;
    case 'REQUEST':
      return undefined;
    default:
      r.add('type', `${type} is not supported: ${UNSUPPORTED_CALLS[type] ?? 'see docs/mesos-compat.md'}`);
      return undefined;
  }
}

const TYPES = new Set<string>(Object.values(MesosCallType));

/** Reads a parsed JSON body as a Mesos Call; every problem names its field. */
export function readCall(body: unknown): ReadCall {
  const r = new FieldReader([], ErrorCode.INVALID_CALL);
  const m = r.message(body, 'call');
  if (!m) return { call: undefined, problems: r.problems.length > 0 ? r.problems.map((p) => p.message) : ['the body must be a JSON object (a Mesos Call)'] };
  const type = r.str(m.type, 'type');
  if (!TYPES.has(type)) return { call: undefined, problems: [...r.problems.map((p) => p.message), `type must be one of ${[...TYPES].join(', ')}, got "${type.slice(0, 40)}"`] };
  const frameworkId = idOf(r, m, 'framework_id', 'call');
  let call: MesosCall;
  if (type === 'SUBSCRIBE') call = readSubscribe(r, m, frameworkId);
  else {
    required(r, frameworkId, 'framework_id.value');
    call = { type: type as FrameworkCall['type'], frameworkId, berth: readBerthCall(r, type as FrameworkCall['type'], m) };
  }
  if (r.problems.length > 0) return { call: undefined, problems: r.problems.map((p) => p.message) };
  return { call, problems: [] };
}
