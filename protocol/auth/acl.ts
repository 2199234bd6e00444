// ACL evaluation: the first rule that matches the principal, the action and the object decides;
// when none matches the answer is no.
import type { Action } from './actions.js';
import type { AclRule } from './parse-config.js';

export interface AclObject {
  role?: string | undefined;
  user?: string | undefined;
}

/** '*' is any role; 'web/*' is any role below web (not web itself); anything else is exact. */
function roleMatches(pattern: string, role: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('/*')) return role.startsWith(pattern.slice(0, -1));
  return pattern === role;
}

function ruleMatches(rule: AclRule, principal: string, action: Action, object: AclObject): boolean {
  if (!rule.principals.includes('*') && !rule.principals.includes(principal)) return false;
  if (!rule.actions.includes('*') && !rule.actions.includes(action)) return false;
  // A rule about roles says nothing of an object without one.
  if (rule.roles && (object.role === undefined || !rule.roles.some((p) => roleMatches(p, object.role as string)))) return false;
  // Users narrow launches only. A launch without a user (it runs as the image's or the agent's
  // default, often root) matches a users rule only through '*'.
  if (rule.users && action === 'launch' && !rule.users.includes('*') && !rule.users.includes(object.user ?? '')) return false;
  return true;
}

/** Whether the first matching rule allows; false when no rule matches. */
export function allowed(acls: readonly AclRule[], principal: string, action: Action, object: AclObject = {}): boolean {
  const rule = acls.find((r) => ruleMatches(r, principal, action, object));
  return rule?.allow ?? false;
}
