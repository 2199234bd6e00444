// The operator routes that change the cluster (drain, roles, task kill, framework teardown), each
// recorded in the audit log with who asked, and the reads that go with them (frameworks, audit).
// Each names the action it needs and the objects it acts on (docs/security.md).
import type { IncomingMessage } from 'node:http';
import { Action, type Principal } from '../../protocol/auth/index.js';
import { BerthError, ErrorCode, parseDuration } from '../../protocol/index.js';
import { ANONYMOUS, AUDIT_READ_LIMIT, type AuditSubject } from '../audit-log.js';
import type { Master } from '../master.js';
import { can, type Access, type AuthObject, type Handler } from './router.js';

export type AddRoute = (method: string, path: string, access: Access, handler: Handler) => void;
export type ReadJson = (req: IncomingMessage) => Promise<unknown>;

/** The header that names the person or program making a change (not authenticated). */
export const USER_HEADER = 'x-berth-user';
const USER_RULE = /^[\x21-\x7e][\x20-\x7e]{0,127}$/;

/** Who asks: the x-berth-user header (printable ASCII, at most 128 characters), else 'anonymous'. */
export function requestUser(req: IncomingMessage): string {
  const raw = req.headers[USER_HEADER];
  if (raw === undefined) return ANONYMOUS;
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  if (!USER_RULE.test(value)) {
    throw new BerthError(ErrorCode.BAD_REQUEST, `header ${USER_HEADER} must be 1 to 128 printable ASCII characters, not starting with a space`, { field: USER_HEADER });
  }
  return value;
}

/** ?limit=N: a whole number from 1 to AUDIT_READ_LIMIT, 100 when absent. */
export function auditLimit(url: URL): number {
  const raw = url.searchParams.get('limit');
  if (raw === null) return 100;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > AUDIT_READ_LIMIT) {
    throw new BerthError(ErrorCode.BAD_REQUEST, `limit must be a whole number from 1 to ${AUDIT_READ_LIMIT}, got ${JSON.stringify(raw)}`, { field: 'limit' });
  }
  return n;
}

/** A JSON body's own fields, for an audit event's details (anything else is kept under `body`). */
function detailsOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : { body };
}

/** A role name as the path gives it, not decoded: a percent-encoded one (eng%2Fml) is refused by the role rule. */
function rawRole(url: URL): string {
  return url.pathname.slice('/api/v1/roles/'.length);
}

export function operatorRoutes(route: AddRoute, readJson: ReadJson, master: Master): void {
  // With authentication on, the principal is who asked; the header is a claim otherwise.
  const who = (req: IncomingMessage, principal: Principal): string => (master.auth.enabled ? principal.name : requestUser(req));
  const audited = (req: IncomingMessage, principal: Principal, what: Omit<AuditSubject, 'who'>, change: () => Promise<unknown>): Promise<unknown> =>
    master.audit.record({ who: who(req, principal), ...what }, change);
  const read = can(Action.READ);
  const agent = (params: Record<string, string>): AuthObject[] => [{ describe: `agent ${params.id ?? ''}` }];
  const role = (_params: Record<string, string>, url: URL): AuthObject[] => [{ role: rawRole(url), describe: `role ${rawRole(url)}` }];
  // An unknown id has no roles: only a rule for any role matches, and the call then answers 404.
  const rolesOf = (describe: string, roles: readonly string[] | undefined): AuthObject[] => (roles && roles.length > 0 ? roles : ['']).map((r) => ({ ...(r ? { role: r } : {}), describe }));

  route('POST', '/api/v1/agents/:id/drain', can(Action.DRAIN, agent), async (req, _url, params, principal) => {
    const id = params.id ?? '';
    const body = (await readJson(req)) as { deadline?: unknown };
    return audited(req, principal, { action: 'agent.drain', subject: `agent/${id}`, details: detailsOf(body) }, async () => {
      const text = body.deadline === undefined ? '0' : String(body.deadline);
      const ms = parseDuration(text);
      if (ms === undefined) throw new BerthError(ErrorCode.BAD_REQUEST, `deadline must be a duration like "5m" or "90s", got ${JSON.stringify(body.deadline)}`, { field: 'deadline' });
      return master.drain(id, Date.now() + ms);
    });
  });
  route('POST', '/api/v1/agents/:id/undrain', can(Action.DRAIN, agent), (req, _url, params, principal) =>
    audited(req, principal, { action: 'agent.undrain', subject: `agent/${params.id ?? ''}` }, () => master.undrain(params.id ?? '')));
  route('PUT', '/api/v1/roles/:name*', can(Action.SET_ROLES, role), async (req, url, _params, principal) => {
    const body = await readJson(req);
    return audited(req, principal, { action: 'role.put', subject: `role/${rawRole(url)}`, details: detailsOf(body) }, () => master.setRole(rawRole(url), body));
  });
  route('DELETE', '/api/v1/roles/:name*', can(Action.SET_ROLES, role), (req, url, _params, principal) =>
    audited(req, principal, { action: 'role.delete', subject: `role/${rawRole(url)}` }, () => master.deleteRole(rawRole(url))));
  route('POST', '/api/v1/tasks/:id/kill', can(Action.TEARDOWN, (params) => rolesOf(`task ${params.id ?? ''}`, master.rolesOf({ taskId: params.id ?? '' }))), (req, _url, params, principal) =>
    audited(req, principal, { action: 'task.kill', subject: `task/${params.id ?? ''}` }, () => master.killTask(params.id ?? '')));
  route('GET', '/api/v1/frameworks', read, () => master.frameworks());
  route('GET', '/api/v1/frameworks/:id', read, (_req, _url, params) => master.framework(params.id ?? ''));
  route('POST', '/api/v1/frameworks/:id/teardown', can(Action.TEARDOWN, (params) => rolesOf(`framework ${params.id ?? ''}`, master.rolesOf({ frameworkId: params.id ?? '' }))), (req, _url, params, principal) =>
    audited(req, principal, { action: 'framework.teardown', subject: `framework/${params.id ?? ''}` }, () => master.teardownFramework(params.id ?? '')));
  route('GET', '/api/v1/audit', read, (_req, url) => master.audit.read(auditLimit(url)));
}
