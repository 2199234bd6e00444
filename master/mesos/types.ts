// The Mesos v1 scheduler API's JSON shapes that berth reads and writes, written from Mesos'
// documented JSON (scheduler-http-api.md, mesos.proto and scheduler.proto's field names): only the
// fields berth translates. Enums travel as their names; bytes as base64; int64 and double as numbers.

export interface Id {
  value: string;
}

export interface MesosScalarResource {
  name: string;
  type: 'SCALAR' | 'RANGES';
  scalar?: { value: number };
  ranges?: { range: { begin: number; end: number }[] };
  /** Deprecated in Mesos but still read by older frameworks: '*' or the reserved role. */
  role: string;
  allocation_info?: { role: string };
  reservations?: { type: 'STATIC' | 'DYNAMIC'; role: string }[];
}

export interface MesosOffer {
  id: Id;
  framework_id: Id;
  agent_id: Id;
  hostname: string;
  url: { scheme: string; address: { hostname: string; ip?: string; port: number }; path: string };
  resources: MesosScalarResource[];
  attributes: { name: string; type: 'TEXT'; text: { value: string } }[];
  executor_ids: Id[];
  allocation_info: { role: string };
}

export interface MesosTaskStatus {
  task_id: Id;
  state: string;
  message?: string;
  source: string;
  reason?: string;
  agent_id?: Id;
  executor_id?: Id;
  timestamp: number;
  uuid?: string;
  healthy?: boolean;
  container_status?: { container_id: Id };
}

/** One event on the SUBSCRIBE stream. */
export type MesosEvent =
  | { type: 'SUBSCRIBED'; subscribed: { framework_id: Id; heartbeat_interval_seconds: number } }
  | { type: 'OFFERS'; offers: { offers: MesosOffer[] } }
  | { type: 'RESCIND'; rescind: { offer_id: Id } }
  | { type: 'UPDATE'; update: { status: MesosTaskStatus } }
  | { type: 'MESSAGE'; message: { agent_id: Id; executor_id: Id; data: string } }
  | { type: 'FAILURE'; failure: { agent_id?: Id; executor_id?: Id; status?: number } }
  | { type: 'ERROR'; error: { message: string } }
  | { type: 'HEARTBEAT' };

/** The call types of scheduler.proto's Call.Type. */
export const MesosCallType = {
  SUBSCRIBE: 'SUBSCRIBE',
  TEARDOWN: 'TEARDOWN',
  ACCEPT: 'ACCEPT',
  DECLINE: 'DECLINE',
  ACCEPT_INVERSE_OFFERS: 'ACCEPT_INVERSE_OFFERS',
  DECLINE_INVERSE_OFFERS: 'DECLINE_INVERSE_OFFERS',
  REVIVE: 'REVIVE',
  KILL: 'KILL',
  SHUTDOWN: 'SHUTDOWN',
  ACKNOWLEDGE: 'ACKNOWLEDGE',
  ACKNOWLEDGE_OPERATION_STATUS: 'ACKNOWLEDGE_OPERATION_STATUS',
  RECONCILE: 'RECONCILE',
  RECONCILE_OPERATIONS: 'RECONCILE_OPERATIONS',
  MESSAGE: 'MESSAGE',
  REQUEST: 'REQUEST',
  SUPPRESS: 'SUPPRESS',
  UPDATE_FRAMEWORK: 'UPDATE_FRAMEWORK',
} as const;
export type MesosCallType = (typeof MesosCallType)[keyof typeof MesosCallType];

/** Calls scheduler.proto defines that berth refuses, with why. */
export const UNSUPPORTED_CALLS: Partial<Record<MesosCallType, string>> = {
  ACCEPT_INVERSE_OFFERS: 'berth has no inverse offers (maintenance is announced differently; see docs/mesos-compat.md)',
  DECLINE_INVERSE_OFFERS: 'berth has no inverse offers (maintenance is announced differently; see docs/mesos-compat.md)',
  ACKNOWLEDGE_OPERATION_STATUS: 'berth has no operation feedback (operation ids)',
  RECONCILE_OPERATIONS: 'berth has no operation feedback (operation ids)',
  UPDATE_FRAMEWORK: 'subscribe again with the framework id to change the FrameworkInfo',
};
