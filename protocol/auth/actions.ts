// The actions an ACL rule may allow: the complete list, shared by the master and the framework
// APIs (docs/security.md). Each comes with the words a refusal uses for it.

export const Action = {
  REGISTER_AGENT: 'register_agent',
  REGISTER_FRAMEWORK: 'register_framework',
  LAUNCH: 'launch',
  TEARDOWN: 'teardown',
  DRAIN: 'drain',
  SET_ROLES: 'set_roles',
  READ: 'read',
  SERVICES_READ: 'services.read',
  SERVICES_WRITE: 'services.write',
  JOBS_READ: 'jobs.read',
  JOBS_WRITE: 'jobs.write',
  LB_READ: 'lb.read',
} as const;
export type Action = (typeof Action)[keyof typeof Action];

export const ACTIONS: readonly Action[] = Object.values(Action);

/** How a refusal says the action: "principal web-team may not drain agent a-1". */
export const ACTION_VERBS: Record<Action, string> = {
  register_agent: 'register',
  register_framework: 'register a framework',
  launch: 'launch',
  teardown: 'tear down',
  drain: 'drain',
  set_roles: 'set roles',
  read: 'read',
  'services.read': 'read services',
  'services.write': 'change services',
  'jobs.read': 'read jobs',
  'jobs.write': 'change jobs',
  'lb.read': 'read the load balancer',
};
