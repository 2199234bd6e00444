// The public surface of master/mesos/: the Mesos v1 scheduler HTTP API, an adapter over the master's own scheduler calls.
export { MesosSchedulerApi, type MesosSchedulerApiDeps } from './scheduler-api.js';
export { readCall, type MesosCall, type SubscribeCall, type FrameworkCall } from './read-call.js';
export { jsonRecord } from './recordio.js';
export { mesosOffer, mesosReason, mesosStatus } from './events-out.js';
export type { MesosEvent, MesosOffer, MesosTaskStatus } from './types.js';
