// The one interface through which the master's core checks permissions (protocol/auth's
// Authenticator fits), and the ownership rule: a principal speaks only for what it registered.
import { Action, type Authenticator, type Principal } from '../protocol/auth/index.js';
import { BerthError, ErrorCode } from '../protocol/index.js';

export type Authorizer = Pick<Authenticator, 'enabled' | 'authorize' | 'throttle'>;
export { Action };
export type { Principal };

/**
 * With authentication on, refuses `principal` acting as `what` (an agent or framework id) when
 * another principal registered it. A record from before authentication was on has no owner.
 */
export function checkOwner(auth: Authorizer, owner: string | undefined, principal: Principal, what: string): void {
  if (!auth.enabled || !owner || owner === principal.name) return;
  throw new BerthError(ErrorCode.FORBIDDEN, `principal ${principal.name} may not speak for ${what}: principal ${owner} registered it`);
}

/** The owner to record: the authenticated principal, or, with authentication off, whoever owned it before. */
export function ownerOf(auth: Authorizer, principal: Principal, before: string | undefined): string | undefined {
  return auth.enabled ? principal.name : before;
}
