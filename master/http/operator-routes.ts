// The operator routes that change the cluster (drain, roles, task kill, framework teardown), each
// recorded in the audit log with who asked, and the reads that go with them (frameworks, audit).
import type { IncomingMessage } from 'node:http';
import { BerthError, ErrorCode, parseDuration } from '../../protocol/index.js';
import { ANONYMOUS, AUDIT_READ_LIMIT, type AuditSubject } from '../audit-log.js';
import type { Master } from '../master.js';

type Handler = (req: IncomingMessage, url: URL, params: Record<string, string>) => Promise<unknown> | unknown;
export type AddRoute = (method: string, path: string, handler: Handler) => void;
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

export function operatorRoutes(route: AddRoute, readJson: ReadJson, master: Master): void {
  const audited = (req: IncomingMessage, what: Omit<AuditSubject, 'who'>, change: () => Promise<unknown>): Promise<unknown> =>
    master.audit.record({ who: requestUser(req), ...what }, change);

  route('POST', '/api/v1/agents/:id/drain', async (req, _url, params) => {
    const id = params.id ?? '';
    const body = (await readJson(req)) as { deadline?: unknown };
    return audited(req, { action: 'agent.drain', subject: `agent/${id}`, details: detailsOf(body) }, async () => {
      const text = body.deadline === undefined ? '0' : String(body.deadline);
      const ms = parseDuration(text);
      if (ms === undefined) throw new BerthError(ErrorCode.BAD_REQUEST, `deadline must be a duration like "5m" or "90s", got ${JSON.stringify(body.deadline)}`, { field: 'deadline' });
      return master.drain(id, Date.now() + ms);
    });
  });
  route('POST', '/api/v1/agents/:id/undrain', (req, _url, params) =>
    audited(req, { action: 'agent.undrain', subject: `agent/${params.id ?? ''}` }, () => master.undrain(params.id ?? '')));
  route('PUT', '/api/v1/roles/:name', async (req, _url, params) => {
    const body = await readJson(req);
    return audited(req, { action: 'role.put', subject: `role/${params.name ?? ''}`, details: detailsOf(body) }, () => master.setRole(params.name ?? '', body));
  });
  route('DELETE', '/api/v1/roles/:name', (req, _url, params) =>
    audited(req, { action: 'role.delete', subject: `role/${params.name ?? ''}` }, () => master.deleteRole(params.name ?? '')));
  route('POST', '/api/v1/tasks/:id/kill', (req, _url, params) =>
    audited(req, { action: 'task.kill', subject: `task/${params.id ?? ''}` }, () => master.killTask(params.id ?? '')));
  route('GET', '/api/v1/frameworks', () => master.frameworks());
  route('GET', '/api/v1/frameworks/:id', (_req, _url, params) => master.framework(params.id ?? ''));
  route('POST', '/api/v1/frameworks/:id/teardown', (req, _url, params) =>
    audited(req, { action: 'framework.teardown', subject: `framework/${params.id ?? ''}` }, () => master.teardownFramework(params.id ?? '')));
  route('GET', '/api/v1/audit', (_req, url) => master.audit.read(auditLimit(url)));
}
