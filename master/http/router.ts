// The master's HTTP routes: method and path (":name" segments are parameters), who may call each
// (anyone, any authenticated principal, or a principal allowed an action on its objects), and the
// handler. The route table is also what docs/security.md lists and the auth tests walk.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Action, Principal } from '../../protocol/auth/index.js';

/** What an ACL rule is matched against for one route call. */
export interface AuthObject {
  role?: string;
  user?: string;
  describe?: string;
}

/**
 * Who may call a route. `authenticated`: any principal with a valid token, the core checking the
 * rest (the Mesos scheduler API checks register_framework at SUBSCRIBE). `objects` gives what the
 * call acts on (every one must be allowed); none means the action alone.
 */
export type Access =
  | { kind: 'open' }
  | { kind: 'authenticated' }
  | { kind: 'action'; action: Action; objects?: (params: Record<string, string>, url: URL) => AuthObject[] };

export const OPEN: Access = { kind: 'open' };
export const AUTHENTICATED: Access = { kind: 'authenticated' };
export const can = (action: Action, objects?: (params: Record<string, string>, url: URL) => AuthObject[]): Access =>
  objects ? { kind: 'action', action, objects } : { kind: 'action', action };

export type Handler = (req: IncomingMessage, url: URL, params: Record<string, string>, principal: Principal) => Promise<unknown> | unknown;
/** A handler that writes the response itself (streams). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, url: URL, params: Record<string, string>, principal: Principal) => void;

export interface RouteInfo {
  method: string;
  path: string;
  access: Access;
  /** A WebSocket endpoint (its upgrade is checked before it is upgraded). */
  websocket: boolean;
}

interface Entry extends RouteInfo {
  pattern: RegExp;
  names: string[];
  handler: Handler;
  raw: RawHandler | undefined;
}

export interface Match {
  access: Access;
  handler: Handler;
  raw: RawHandler | undefined;
  params: Record<string, string>;
}

export class Router {
  #exact = new Map<string, Entry>();
  #patterns: Entry[] = [];
  #table: RouteInfo[] = [];

  add(method: string, path: string, access: Access, handler: Handler, raw?: RawHandler): void {
    const names: string[] = [];
    // ":name*" takes the rest of the path, slashes included (role names like eng/ml).
    const pattern = new RegExp(`^${path.replace(/:([a-zA-Z]+)(\*?)/g, (_m, name: string, rest: string) => {
      names.push(name);
      return rest ? '(.+)' : '([^/]+)';
    })}$`);
    const entry: Entry = { method, path, access, websocket: false, pattern, names, handler, raw };
    this.#table.push({ method, path, access, websocket: false });
    if (!path.includes('/:')) this.#exact.set(`${method} ${path}`, entry);
    else this.#patterns.push(entry);
  }

  /** Lists a WebSocket endpoint (served by the ChannelServer) in the table. */
  websocket(path: string, access: Access): void {
    this.#table.push({ method: 'GET', path, access, websocket: true });
  }

  /** The access of the WebSocket endpoint at path, if there is one. */
  upgradeAccess(path: string): Access | undefined {
    return this.#table.find((r) => r.websocket && (r.path === path || (r.path.endsWith('/*') && path.startsWith(r.path.slice(0, -1)))))?.access;
  }

  match(method: string, path: string): Match | undefined {
    const exact = this.#exact.get(`${method} ${path}`);
    if (exact) return { access: exact.access, handler: exact.handler, raw: exact.raw, params: {} };
    for (const p of this.#patterns) {
      const m = p.method === method ? p.pattern.exec(path) : null;
      if (m) return { access: p.access, handler: p.handler, raw: p.raw, params: Object.fromEntries(p.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')])) };
    }
    return undefined;
  }

  /** Every route, in the order added. */
  table(): readonly RouteInfo[] {
    return this.#table;
  }
}
