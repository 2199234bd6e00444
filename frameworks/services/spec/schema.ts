// The JSON Schema of a service file, the one source of what a spec may say. It is published as
// docs/services-spec.schema.json (a unit test keeps the two equal). `x-rule` is our annotation:
// the rule named in a problem when the keyword next to it fails (validate-schema.ts reads it).
import { autoscaleSchema } from './autoscale.js';
import { DEFAULTS } from './defaults.js';
import { ConstraintOperator, HealthCheckProtocol, LbAlgorithm, Placement } from './types.js';

const D = DEFAULTS;
const hc = DEFAULTS.healthCheck;
const rc = DEFAULTS.readinessCheck;

/** The largest `instances` a service may ask for. */
export const MAX_INSTANCES = 10_000;

/** A service id: `/`-separated DNS labels. */
const ID_PATTERN = '^(/[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$';
const ID_RULE = 'must be a path of lower-case segments (a-z, 0-9, "-" inside), each at most 63 characters, like /team/web';
const PORT_NAME_PATTERN = '^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$';

const notAllowed = (why: string) => ({ not: {}, 'x-rule': `not allowed ${why}` });
const seconds = (description: string, exclusive = false) => ({
  type: 'number',
  ...(exclusive ? { exclusiveMinimum: 0 } : { minimum: 0 }),
  description,
});
const stringMap = (description: string, keyPattern: string, keyRule: string) => ({
  type: 'object',
  description,
  propertyNames: { pattern: keyPattern, 'x-rule': keyRule },
  additionalProperties: { type: 'string' },
});
const whenEquals = (property: string, value: string, then: Record<string, unknown>) => ({
  if: { properties: { [property]: { const: value } }, required: [property] },
  then,
});

const serviceId = { type: 'string', maxLength: 255, pattern: ID_PATTERN, 'x-rule': ID_RULE };
const portName = { type: 'string', pattern: PORT_NAME_PATTERN, 'x-rule': 'must be a lower-case name of a-z, 0-9 and "-", starting with a letter, at most 63 characters' };

const positiveCount = (op: string) => ({ type: ['string', 'integer'], pattern: '^[1-9][0-9]{0,5}$', minimum: 1, maximum: 999_999, 'x-rule': `must be a positive integer for ${op}` });

const OPERATORS_WITH_VALUE = [ConstraintOperator.CLUSTER, ConstraintOperator.LIKE, ConstraintOperator.UNLIKE, ConstraintOperator.MAX_PER, ConstraintOperator.IS];

const constraint = {
  type: 'object',
  description: 'Where instances may run: `field` (hostname or an agent attribute), an operator and, for most operators, a value. Marathon semantics: UNIQUE (at most one instance per value; no value), CLUSTER (all instances on agents whose field equals value), GROUP_BY (spread evenly over the values; optional value = how many values to expect), LIKE / UNLIKE (the field matches / does not match the regular expression value, anchored at both ends), MAX_PER (at most value instances per field value, a positive integer), IS (the field equals value).',
  additionalProperties: false,
  required: ['field', 'operator'],
  properties: {
    field: { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9_][A-Za-z0-9_.:-]*$', 'x-rule': 'must be "hostname" or an attribute name (letters, digits, "_", ".", ":", "-")' },
    operator: { enum: Object.values(ConstraintOperator) },
    value: { type: ['string', 'number'], maxLength: 1024, description: 'A string; a number (YAML `value: 2`) is read as its decimal string.' },
  },
  allOf: [
    ...OPERATORS_WITH_VALUE.map((op) => whenEquals('operator', op, { required: ['value'], 'x-rule': `required by operator ${op}` })),
    whenEquals('operator', ConstraintOperator.UNIQUE, { properties: { value: notAllowed('with operator UNIQUE') } }),
    whenEquals('operator', ConstraintOperator.MAX_PER, { properties: { value: positiveCount('MAX_PER') } }),
    whenEquals('operator', ConstraintOperator.GROUP_BY, { properties: { value: positiveCount('GROUP_BY') } }),
    whenEquals('operator', ConstraintOperator.LIKE, { properties: { value: { format: 'regex', 'x-rule': 'must be a valid regular expression' } } }),
    whenEquals('operator', ConstraintOperator.UNLIKE, { properties: { value: { format: 'regex', 'x-rule': 'must be a valid regular expression' } } }),
  ],
};

const healthCheck = {
  type: 'object',
  description: 'A health check: HTTP (GET `path` on the named port; 2xx and 3xx are healthy), TCP (connect to the named port) or COMMAND (run `command` in the container; exit 0 is healthy). An instance that fails `maxConsecutiveFailures` checks in a row after its grace period is killed and replaced.',
  additionalProperties: false,
  required: ['protocol'],
  properties: {
    protocol: { enum: Object.values(HealthCheckProtocol) },
    path: { type: 'string', pattern: '^/', 'x-rule': 'must start with "/"', description: `HTTP only. Default "${hc.path}".` },
    portName: { ...portName, description: 'HTTP and TCP: the name of one of resources.ports.' },
    command: { type: 'string', minLength: 1, description: 'COMMAND only: a shell command line.' },
    delaySeconds: seconds(`Wait before the first check. Default ${hc.delaySeconds}.`),
    intervalSeconds: seconds(`Time between checks. Default ${hc.intervalSeconds}.`, true),
    timeoutSeconds: seconds(`How long one check may take; at most intervalSeconds. Default ${hc.timeoutSeconds}, or intervalSeconds when that is shorter.`, true),
    gracePeriodSeconds: seconds(`Failures in this time after the start do not count. Default ${hc.gracePeriodSeconds}.`),
    maxConsecutiveFailures: { type: 'integer', minimum: 0, description: `Failures in a row before the instance is killed; 0 never kills. Default ${hc.maxConsecutiveFailures}.` },
  },
  allOf: [
    whenEquals('protocol', 'HTTP', { required: ['portName'], 'x-rule': 'required by protocol HTTP', properties: { command: notAllowed('with protocol HTTP') } }),
    whenEquals('protocol', 'TCP', { required: ['portName'], 'x-rule': 'required by protocol TCP', properties: { command: notAllowed('with protocol TCP'), path: notAllowed('with protocol TCP') } }),
    whenEquals('protocol', 'COMMAND', { required: ['command'], 'x-rule': 'required by protocol COMMAND', properties: { path: notAllowed('with protocol COMMAND'), portName: notAllowed('with protocol COMMAND') } }),
  ],
};

const service = {
  type: 'object',
  description: 'One long-running service: `instances` copies of a container.',
  additionalProperties: false,
  required: ['id', 'container', 'resources'],
  properties: {
    id: { ...serviceId, description: `The service's path, like /team/web. ${ID_RULE}.` },
    instances: { type: 'integer', minimum: 0, maximum: MAX_INSTANCES, description: `How many copies to run, 0 to ${MAX_INSTANCES}. Default ${D.instances}.` },
    container: {
      type: 'object',
      additionalProperties: false,
      required: ['image'],
      properties: {
        image: { type: 'string', minLength: 1, maxLength: 512, pattern: '^\\S+$', 'x-rule': 'must be an image reference without spaces', description: 'The Docker image.' },
        command: { type: 'string', minLength: 1, description: 'A shell command line, run with /bin/sh -c. Exclusive with args.' },
        args: { type: 'array', items: { type: 'string' }, description: 'Arguments run without a shell, as the Docker CMD: the image ENTRYPOINT (if any) runs with them. Default [] (the image\'s own CMD).' },
        env: stringMap('Environment variables. Default {}. berth adds PORT0..n, PORT, PORTS and BERTH_TASK_ID, BERTH_FRAMEWORK_ID, BERTH_AGENT_ID, which win over these.', '^[A-Za-z_][A-Za-z0-9_]*$', 'must be a variable name of letters, digits and "_", not starting with a digit'),
        user: { type: 'string', minLength: 1, description: 'The user to run as (name or uid). Default: the image user.' },
      },
      // A filled spec carries `args: []` next to its command, and must still be valid input.
      dependentSchemas: { command: { properties: { args: { maxItems: 0, 'x-rule': 'not allowed with container.command' } } } },
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      required: ['cpus', 'memMb'],
      properties: {
        cpus: { type: 'number', exclusiveMinimum: 0, description: 'CPU shares per instance, > 0.' },
        memMb: { type: 'number', exclusiveMinimum: 0, description: 'Memory per instance in MiB, > 0; also the limit.' },
        diskMb: { type: 'number', minimum: 0, description: `Disk per instance in MiB. Default ${D.diskMb}.` },
        ports: {
          type: 'array',
          maxItems: 100,
          description: 'Named host ports, given to the task as PORT0, PORT1... in this order. Default []. Names are unique.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: portName,
              number: { type: 'integer', minimum: 1, maximum: 65535, description: 'A fixed host port; default: any port the offer has.' },
              servicePort: { type: 'integer', minimum: 1024, maximum: 65535, 'x-rule': 'must be a whole number from 1024 to 65535', description: 'The port load balancers listen on for this port of the service, 1024..65535; unique across all services. Default: none (not load balanced).' },
            },
          },
        },
      },
    },
    role: { type: 'string', maxLength: 128, pattern: '^(\\*|[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*)$', 'x-rule': 'must be "*" or a role name like "web" or "team/web"', description: `The role whose resources the service uses. Default "${D.role}".` },
    constraints: { type: 'array', items: constraint, description: 'Placement constraints, all of which must hold. Default [].' },
    healthChecks: { type: 'array', items: healthCheck, maxItems: 16, description: 'Default [].' },
    readinessCheck: {
      type: 'object',
      description: 'During a deployment a new instance counts only once GET `path` on the named port answers 2xx. Default: none.',
      additionalProperties: false,
      required: ['portName'],
      properties: {
        path: { type: 'string', pattern: '^/', 'x-rule': 'must start with "/"', description: `Default "${rc.path}".` },
        portName: { ...portName, description: 'The name of one of resources.ports.' },
        intervalSeconds: seconds(`Default ${rc.intervalSeconds}.`, true),
        timeoutSeconds: seconds(`At most intervalSeconds. Default ${rc.timeoutSeconds}, or intervalSeconds when that is shorter.`, true),
      },
    },
    upgradeStrategy: {
      type: 'object',
      additionalProperties: false,
      properties: {
        minimumHealthCapacity: { type: 'number', minimum: 0, maximum: 1, description: `The share of instances that must stay healthy during a rolling upgrade, 0..1. Default ${D.upgradeStrategy.minimumHealthCapacity} (start new ones before stopping old ones).` },
        maximumOverCapacity: { type: 'number', minimum: 0, maximum: 1, description: `How far above \`instances\` an upgrade may go, as a share, 0..1. Default ${D.upgradeStrategy.maximumOverCapacity}.` },
      },
    },
    backoff: {
      type: 'object',
      description: 'Restart backoff: the delay before relaunching a failed instance starts at initialSeconds and is multiplied by factor on each failure, up to maxSeconds.',
      additionalProperties: false,
      properties: {
        initialSeconds: seconds(`Default ${D.backoff.initialSeconds}.`),
        factor: { type: 'number', minimum: 1, description: `Default ${D.backoff.factor}.` },
        maxSeconds: seconds(`At least initialSeconds. Default ${D.backoff.maxSeconds}.`),
      },
    },
    killGracePeriodSeconds: seconds(`Time between SIGTERM and SIGKILL when an instance is stopped. Default ${D.killGracePeriodSeconds}.`),
    shutdownDelaySeconds: { type: 'number', minimum: 0, maximum: 300, 'x-rule': 'must be a number of seconds from 0 to 300', description: `How long an instance that is in rotation is taken out of it (draining: load balancers send it no new connections, DNS stops naming it) before its kill is sent, 0..300. Default ${D.shutdownDelaySeconds}.` },
    loadBalancer: {
      type: 'object',
      description: 'How load balancers spread connections over the instances.',
      additionalProperties: false,
      properties: {
        algorithm: { enum: Object.values(LbAlgorithm), description: `round-robin: each new connection goes to the next instance; least-connections: to the instance with the fewest open connections. Default ${D.loadBalancer.algorithm}.` },
      },
    },
    labels: stringMap('Free-form labels. Default {}.', '^[A-Za-z0-9_./-]{1,128}$', 'must be a label key of letters, digits, "_", ".", "/" and "-", at most 128 characters'),
    dependencies: {
      type: 'array',
      uniqueItems: true,
      items: serviceId,
      description: 'Ids of services in the same file that must be deployed (and healthy) before this one. Default []. No cycles.',
    },
    deploymentDeadlineSeconds: seconds(`A deployment that has not finished in this time fails (and is rolled back). Default ${D.deploymentDeadlineSeconds}.`, true),
    placement: { enum: Object.values(Placement), description: `spread: prefer agents with fewer instances of this service; binpack: prefer the fullest agents that fit. Default ${D.placement}.` },
    autoscale: autoscaleSchema(MAX_INSTANCES),
  },
};

/** The schema of a service file: one service, or a group `{ services: [...] }`. */
export const serviceFileSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:berth:services-spec',
  title: 'berth service file',
  description: 'One service, or a group of services `{ "services": [...] }`, in YAML or JSON. Unknown fields are refused. Reference: docs/services-spec.md.',
  type: 'object',
  if: { required: ['services'] },
  then: { $ref: '#/$defs/group' },
  else: { $ref: '#/$defs/service' },
  $defs: {
    group: {
      type: 'object',
      additionalProperties: false,
      required: ['services'],
      properties: { services: { type: 'array', minItems: 1, maxItems: 1000, items: { $ref: '#/$defs/service' } } },
    },
    service,
  },
} as const;
