// Authentication at the edge of a framework's HTTP server (the services and batch APIs, the load
// balancer's admin server), shared so that each checks tokens the same way: a route's action is
// checked before its handler runs, on plain requests and on WebSocket upgrades alike, and a refusal
// is answered as every berth server answers it (401 with WWW-Authenticate, 403, 429 with
// Retry-After), so nothing runs for a refused call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BerthError, type ChannelServer } from '../../protocol/index.js';
import { ANONYMOUS, httpAnswer, type Action, type Authenticator, type Principal } from '../../protocol/auth/index.js';

/** The actions the frameworks' own APIs check (the master's are its own). */
export type FrameworkAction = Extract<Action, 'services.read' | 'services.write' | 'jobs.read' | 'jobs.write' | 'lb.read'>;

/** The principal of each request let through, for the audit log. */
const callers = new WeakMap<IncomingMessage, Principal>();

/** The caller's principal when `action` is allowed, else the error to answer with. Without authentication: ANONYMOUS. */
export function checkCall(auth: Authenticator | undefined, req: IncomingMessage, action: FrameworkAction): Principal | BerthError {
  if (!auth?.enabled) return ANONYMOUS;
  try {
    const principal = auth.authenticate(req.headers);
    auth.authorize(principal, action, { describe: `(${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0]})` });
    callers.set(req, principal);
    return principal;
  } catch (err) {
    if (err instanceof BerthError) return err;
    throw err;
  }
}

/** Checks the call and answers a refusal; true when the handler may run. */
export function allowCall(auth: Authenticator | undefined, req: IncomingMessage, res: ServerResponse, action: FrameworkAction): boolean {
  const checked = checkCall(auth, req, action);
  if (!(checked instanceof BerthError)) return true;
  const answer = httpAnswer(checked);
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
  return false;
}

/** Refuses the WebSocket upgrades whose path needs an action (`actionOf`) the caller may not do. */
export function guardUpgrades(channels: ChannelServer, auth: Authenticator | undefined, actionOf: (path: string) => FrameworkAction | undefined): void {
  if (!auth?.enabled) return;
  channels.guard((req, path) => {
    const action = actionOf(path);
    if (action === undefined) return ANONYMOUS;
    const checked = checkCall(auth, req, action);
    if (checked instanceof BerthError) throw checked;
    return checked;
  });
}

/**
 * Who the audit log records for a change: the authenticated principal (as the master records it);
 * without authentication, the x-berth-user header (`user`), as before.
 */
export function auditCaller(req: IncomingMessage, user: string): string {
  return callers.get(req)?.name ?? user;
}
