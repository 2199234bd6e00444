// The protobuf form of the Mesos scheduler API: the messages berth reads and writes, declared with
// Mesos' field numbers (mesos.proto, scheduler.proto) and names, so application/x-protobuf bodies
// decode to the same snake_case objects as JSON bodies (enums as names, bytes as base64) and
// events encode from them. Only the fields berth translates are declared; others are skipped.
// Range ends (uint64 in Mesos) are declared uint32, which reads the same varints for port numbers.
import protobuf from 'protobufjs';

type Field = [id: number, type: string, rule?: 'repeated'];
type Message = { fields: Record<string, Field>; nested?: Record<string, Message | Enum> };
type Enum = { values: Record<string, number> };

const m = (fields: Record<string, Field>, nested?: Record<string, Message | Enum>): Message => ({ fields, ...(nested ? { nested } : {}) });
const e = (...names: [string, number][]): Enum => ({ values: Object.fromEntries(names) });
const ID = m({ value: [1, 'string'] });
const RESOURCES: Field = [0, 'Resource', 'repeated'];
const many = (type: string, id: number): Field => [id, type, 'repeated'];
const at = (f: Field, id: number): Field => [id, f[1], f[2]];

const v1: Record<string, Message | Enum> = {
  FrameworkID: ID, OfferID: ID, AgentID: ID, TaskID: ID, ExecutorID: ID, ContainerID: ID,
  FrameworkInfo: m({
    user: [1, 'string'], name: [2, 'string'], id: [3, 'FrameworkID'], failover_timeout: [4, 'double'], checkpoint: [5, 'bool'], role: [6, 'string'],
    roles: many('string', 12), hostname: [7, 'string'], principal: [8, 'string'], webui_url: [9, 'string'], capabilities: many('Capability', 10),
  }, { Capability: m({ type: [1, 'Type'] }, { Type: e(['UNKNOWN', 0], ['REVOCABLE_RESOURCES', 1], ['TASK_KILLING_STATE', 2], ['GPU_RESOURCES', 3], ['SHARED_RESOURCES', 4], ['PARTITION_AWARE', 5], ['MULTI_ROLE', 6], ['RESERVATION_REFINEMENT', 7], ['REGION_AWARE', 8]) }) }),
  Value: m({}, {
    Type: e(['SCALAR', 0], ['RANGES', 1], ['SET', 2], ['TEXT', 3]),
    Scalar: m({ value: [1, 'double'] }),
    Range: m({ begin: [1, 'uint32'], end: [2, 'uint32'] }),
    Ranges: m({ range: many('Range', 1) }),
    Set: m({ item: many('string', 1) }),
    Text: m({ value: [1, 'string'] }),
  }),
  Resource: m({
    name: [1, 'string'], type: [2, 'Value.Type'], scalar: [3, 'Value.Scalar'], ranges: [4, 'Value.Ranges'], set: [5, 'Value.Set'], role: [6, 'string'],
    allocation_info: [11, 'AllocationInfo'], reservations: many('ReservationInfo', 13),
  }, {
    AllocationInfo: m({ role: [1, 'string'] }),
    ReservationInfo: m({ type: [4, 'Type'], role: [3, 'string'], principal: [1, 'string'] }, { Type: e(['UNKNOWN', 0], ['STATIC', 1], ['DYNAMIC', 2]) }),
  }),
  Attribute: m({ name: [1, 'string'], type: [2, 'Value.Type'], scalar: [3, 'Value.Scalar'], ranges: [4, 'Value.Ranges'], text: [5, 'Value.Text'], set: [6, 'Value.Set'] }),
  Address: m({ hostname: [1, 'string'], ip: [2, 'string'], port: [3, 'int32'] }),
  URL: m({ scheme: [1, 'string'], address: [2, 'Address'], path: [3, 'string'] }),
  Labels: m({ labels: many('Label', 1) }),
  Label: m({ key: [1, 'string'], value: [2, 'string'] }),
  Filters: m({ refuse_seconds: [1, 'double'] }),
  Environment: m({ variables: many('Variable', 1) }, { Variable: m({ name: [1, 'string'], type: [3, 'Type'], value: [2, 'string'] }, { Type: e(['UNKNOWN', 0], ['VALUE', 1], ['SECRET', 2]) }) }),
  CommandInfo: m({ uris: many('URI', 1), environment: [2, 'Environment'], shell: [6, 'bool'], value: [3, 'string'], arguments: many('string', 7), user: [5, 'string'] }, { URI: m({ value: [1, 'string'] }) }),
  Image: m({ type: [1, 'Type'], docker: [3, 'Docker'] }, { Type: e(['APPC', 1], ['DOCKER', 2]), Docker: m({ name: [1, 'string'] }) }),
  Volume: m({ mode: [3, 'Mode'], container_path: [1, 'string'], host_path: [2, 'string'], image: [4, 'Image'], source: [5, 'Source'] }, { Mode: e(['RW', 1], ['RO', 2]), Source: m({}) }),
  Parameter: m({ key: [1, 'string'], value: [2, 'string'] }),
  ContainerInfo: m({ type: [1, 'Type'], volumes: many('Volume', 2), docker: [3, 'DockerInfo'], mesos: [5, 'MesosInfo'] }, {
    Type: e(['DOCKER', 1], ['MESOS', 2]),
    DockerInfo: m({ image: [1, 'string'], network: [2, 'Network'], port_mappings: many('PortMapping', 3), privileged: [4, 'bool'], parameters: many('mesos.v1.Parameter', 5), force_pull_image: [6, 'bool'] }, {
      Network: e(['HOST', 1], ['BRIDGE', 2], ['NONE', 3], ['USER', 4]),
      PortMapping: m({ host_port: [1, 'uint32'], container_port: [2, 'uint32'] }),
    }),
    MesosInfo: m({ image: [1, 'Image'] }),
  }),
  HealthCheck: m({
    delay_seconds: [2, 'double'], interval_seconds: [3, 'double'], timeout_seconds: [4, 'double'], consecutive_failures: [5, 'uint32'], grace_period_seconds: [6, 'double'],
    type: [8, 'Type'], command: [7, 'CommandInfo'], http: [1, 'HTTPCheckInfo'], tcp: [9, 'TCPCheckInfo'],
  }, {
    Type: e(['UNKNOWN', 0], ['COMMAND', 1], ['HTTP', 2], ['TCP', 3]),
    HTTPCheckInfo: m({ port: [1, 'uint32'], path: [2, 'string'], scheme: [3, 'string'] }),
    TCPCheckInfo: m({ port: [1, 'uint32'] }),
  }),
  // nanoseconds is an int64 in Mesos; kill grace periods in protobuf bodies are not read (see docs/mesos-compat.md).
  KillPolicy: m({}),
  ExecutorInfo: m({ executor_id: [1, 'ExecutorID'] }),
  TaskInfo: m({
    name: [1, 'string'], task_id: [2, 'TaskID'], agent_id: [3, 'AgentID'], resources: at(RESOURCES, 4), executor: [5, 'ExecutorInfo'], command: [7, 'CommandInfo'],
    container: [9, 'ContainerInfo'], health_check: [8, 'HealthCheck'], labels: [10, 'Labels'],
  }),
  TaskGroupInfo: m({ tasks: many('TaskInfo', 1) }),
  Offer: m({
    id: [1, 'OfferID'], framework_id: [2, 'FrameworkID'], agent_id: [3, 'AgentID'], hostname: [4, 'string'], url: [8, 'URL'], resources: at(RESOURCES, 5),
    attributes: many('Attribute', 7), executor_ids: many('ExecutorID', 6), allocation_info: [10, 'Resource.AllocationInfo'],
  }, {
    Operation: m({ type: [1, 'Type'], launch: [2, 'Launch'], launch_group: [7, 'LaunchGroup'], reserve: [3, 'Reserve'], unreserve: [4, 'Unreserve'] }, {
      Type: e(['UNKNOWN', 0], ['LAUNCH', 1], ['LAUNCH_GROUP', 6], ['RESERVE', 2], ['UNRESERVE', 3], ['CREATE', 4], ['DESTROY', 5], ['GROW_VOLUME', 11], ['SHRINK_VOLUME', 12], ['CREATE_DISK', 13], ['DESTROY_DISK', 14]),
      Launch: m({ task_infos: many('TaskInfo', 1) }),
      LaunchGroup: m({ executor: [1, 'ExecutorInfo'], task_group: [2, 'TaskGroupInfo'] }),
      Reserve: m({ resources: at(RESOURCES, 1) }),
      Unreserve: m({ resources: at(RESOURCES, 1) }),
    }),
  }),
  TaskState: e(['TASK_STAGING', 6], ['TASK_STARTING', 0], ['TASK_RUNNING', 1], ['TASK_KILLING', 8], ['TASK_FINISHED', 2], ['TASK_FAILED', 3], ['TASK_KILLED', 4], ['TASK_ERROR', 7], ['TASK_LOST', 5], ['TASK_DROPPED', 9], ['TASK_UNREACHABLE', 10], ['TASK_GONE', 11], ['TASK_GONE_BY_OPERATOR', 12], ['TASK_UNKNOWN', 13]),
  ContainerStatus: m({ container_id: [4, 'ContainerID'] }),
  TaskStatus: m({
    task_id: [1, 'TaskID'], state: [2, 'TaskState'], message: [4, 'string'], source: [9, 'Source'], reason: [10, 'Reason'], agent_id: [5, 'AgentID'], executor_id: [7, 'ExecutorID'],
    timestamp: [6, 'double'], uuid: [11, 'bytes'], healthy: [8, 'bool'], container_status: [13, 'ContainerStatus'],
  }, {
    Source: e(['SOURCE_MASTER', 0], ['SOURCE_AGENT', 1], ['SOURCE_EXECUTOR', 2]),
    Reason: e(
      ['REASON_COMMAND_EXECUTOR_FAILED', 0], ['REASON_CONTAINER_LAUNCH_FAILED', 21], ['REASON_CONTAINER_LIMITATION', 19], ['REASON_CONTAINER_LIMITATION_DISK', 20],
      ['REASON_CONTAINER_LIMITATION_MEMORY', 8], ['REASON_CONTAINER_PREEMPTED', 17], ['REASON_EXECUTOR_TERMINATED', 1], ['REASON_FRAMEWORK_REMOVED', 3],
      ['REASON_INVALID_OFFERS', 6], ['REASON_RECONCILIATION', 9], ['REASON_AGENT_DISCONNECTED', 10], ['REASON_AGENT_DRAINING', 34], ['REASON_AGENT_REMOVED', 11],
      ['REASON_AGENT_REREGISTERED', 32], ['REASON_TASK_HEALTH_CHECK_STATUS_UPDATED', 29], ['REASON_TASK_INVALID', 14], ['REASON_TASK_UNAUTHORIZED', 15], ['REASON_TASK_UNKNOWN', 16],
    ),
  }),
};

const scheduler: Record<string, Message | Enum> = {
  Call: m({
    framework_id: [1, 'mesos.v1.FrameworkID'], type: [2, 'Type'], subscribe: [3, 'Subscribe'], accept: [4, 'Accept'], decline: [5, 'Decline'], revive: [15, 'Revive'],
    kill: [6, 'Kill'], shutdown: [7, 'Shutdown'], acknowledge: [8, 'Acknowledge'], reconcile: [9, 'Reconcile'], message: [10, 'Message'], suppress: [16, 'Suppress'],
  }, {
    Type: e(['UNKNOWN', 0], ['SUBSCRIBE', 1], ['TEARDOWN', 2], ['ACCEPT', 3], ['DECLINE', 4], ['ACCEPT_INVERSE_OFFERS', 13], ['DECLINE_INVERSE_OFFERS', 14], ['REVIVE', 5], ['KILL', 6],
      ['SHUTDOWN', 7], ['ACKNOWLEDGE', 8], ['ACKNOWLEDGE_OPERATION_STATUS', 15], ['RECONCILE', 9], ['RECONCILE_OPERATIONS', 16], ['MESSAGE', 10], ['REQUEST', 11], ['SUPPRESS', 12], ['UPDATE_FRAMEWORK', 17]),
    Subscribe: m({ framework_info: [1, 'mesos.v1.FrameworkInfo'], suppressed_roles: many('string', 2) }),
    Accept: m({ offer_ids: many('mesos.v1.OfferID', 1), operations: many('mesos.v1.Offer.Operation', 2), filters: [3, 'mesos.v1.Filters'] }),
    Decline: m({ offer_ids: many('mesos.v1.OfferID', 1), filters: [2, 'mesos.v1.Filters'] }),
    Revive: m({ roles: many('string', 1) }),
    Suppress: m({ roles: many('string', 1) }),
    Kill: m({ task_id: [1, 'mesos.v1.TaskID'], agent_id: [2, 'mesos.v1.AgentID'] }),
    Shutdown: m({ executor_id: [1, 'mesos.v1.ExecutorID'], agent_id: [2, 'mesos.v1.AgentID'] }),
    Acknowledge: m({ agent_id: [1, 'mesos.v1.AgentID'], task_id: [2, 'mesos.v1.TaskID'], uuid: [3, 'bytes'] }),
    Reconcile: m({ tasks: many('Task', 1) }, { Task: m({ task_id: [1, 'mesos.v1.TaskID'], agent_id: [2, 'mesos.v1.AgentID'] }) }),
    Message: m({ agent_id: [1, 'mesos.v1.AgentID'], executor_id: [2, 'mesos.v1.ExecutorID'], data: [3, 'bytes'] }),
  }),
  Event: m({
    type: [1, 'Type'], subscribed: [2, 'Subscribed'], offers: [3, 'Offers'], rescind: [4, 'Rescind'], update: [5, 'Update'], message: [6, 'Message'], failure: [7, 'Failure'], error: [8, 'Error'],
  }, {
    Type: e(['UNKNOWN', 0], ['SUBSCRIBED', 1], ['OFFERS', 2], ['RESCIND', 3], ['UPDATE', 4], ['MESSAGE', 5], ['FAILURE', 6], ['ERROR', 7], ['HEARTBEAT', 8]),
    Subscribed: m({ framework_id: [1, 'mesos.v1.FrameworkID'], heartbeat_interval_seconds: [2, 'double'] }),
    Offers: m({ offers: many('mesos.v1.Offer', 1) }),
    Rescind: m({ offer_id: [1, 'mesos.v1.OfferID'] }),
    Update: m({ status: [1, 'mesos.v1.TaskStatus'] }),
    Message: m({ agent_id: [1, 'mesos.v1.AgentID'], executor_id: [2, 'mesos.v1.ExecutorID'], data: [3, 'bytes'] }),
    Failure: m({ agent_id: [1, 'mesos.v1.AgentID'], executor_id: [2, 'mesos.v1.ExecutorID'], status: [3, 'int32'] }),
    Error: m({ message: [1, 'string'] }),
  }),
};

function toJson(nested: Record<string, Message | Enum>): Record<string, protobuf.AnyNestedObject> {
  return Object.fromEntries(Object.entries(nested).map(([name, def]) => {
    // proto2, as Mesos: a field that is set is sent even when it is zero (TASK_STARTING, SCALAR).
    if ('values' in def) return [name, { edition: 'proto2', ...def }];
    const fields = Object.fromEntries(Object.entries(def.fields).map(([f, [id, type, rule]]) => [f, { id, type, ...(rule ? { rule } : {}) }]));
    return [name, { edition: 'proto2', fields, ...(def.nested ? { nested: toJson(def.nested) } : {}) }];
  })) as Record<string, protobuf.AnyNestedObject>;
}

const root = protobuf.Root.fromJSON({ nested: { mesos: { nested: { v1: { nested: { ...toJson(v1), scheduler: { nested: toJson(scheduler) } } } } } } });
const Call = root.lookupType('mesos.v1.scheduler.Call');
const Event = root.lookupType('mesos.v1.scheduler.Event');
const AS_JSON = { enums: String, longs: Number, bytes: String, defaults: false } as const;

/** A protobuf Call as the object its JSON form parses to; throws with the reason on bad bytes. */
export function decodeCall(bytes: Uint8Array): unknown {
  return Call.toObject(Call.decode(bytes), AS_JSON);
}

/** An event (in its JSON form) as protobuf bytes. */
export function encodeEvent(event: object): Uint8Array {
  return Event.encode(Event.fromObject(event)).finish();
}
