// The types of a service spec: what a user may write (ServiceInput, most fields optional) and what
// the rest of the services framework works with (ServiceSpec, every default filled in).

/** Constraint operators, with Marathon's meaning (docs/services-spec.md). */
export const ConstraintOperator = {
  UNIQUE: 'UNIQUE',
  CLUSTER: 'CLUSTER',
  GROUP_BY: 'GROUP_BY',
  LIKE: 'LIKE',
  UNLIKE: 'UNLIKE',
  MAX_PER: 'MAX_PER',
  IS: 'IS',
} as const;
export type ConstraintOperator = (typeof ConstraintOperator)[keyof typeof ConstraintOperator];

/** How instances are spread over the agents that satisfy the constraints. */
export const Placement = { SPREAD: 'spread', BINPACK: 'binpack' } as const;
export type Placement = (typeof Placement)[keyof typeof Placement];

/** How a load balancer picks an instance for a new connection. */
export const LbAlgorithm = { ROUND_ROBIN: 'round-robin', LEAST_CONNECTIONS: 'least-connections' } as const;
export type LbAlgorithm = (typeof LbAlgorithm)[keyof typeof LbAlgorithm];

export const HealthCheckProtocol = { HTTP: 'HTTP', TCP: 'TCP', COMMAND: 'COMMAND' } as const;
export type HealthCheckProtocol = (typeof HealthCheckProtocol)[keyof typeof HealthCheckProtocol];

/** A named host port; `number` asks for that exact port, otherwise one is assigned from the offer. */
export interface PortSpec {
  name: string;
  number?: number;
  /** The port load balancers listen on for this port of the service; unique across services. */
  servicePort?: number;
}

export interface ConstraintSpec {
  /** `hostname` or the name of an agent attribute. */
  field: string;
  operator: ConstraintOperator;
  value?: string;
}

/** Timings shared by every kind of health check, in seconds. */
export interface HealthCheckTimings {
  delaySeconds: number;
  intervalSeconds: number;
  timeoutSeconds: number;
  gracePeriodSeconds: number;
  maxConsecutiveFailures: number;
}

export type HealthCheckSpec =
  | ({ protocol: 'HTTP'; path: string; portName: string } & HealthCheckTimings)
  | ({ protocol: 'TCP'; portName: string } & HealthCheckTimings)
  | ({ protocol: 'COMMAND'; command: string } & HealthCheckTimings);

export interface ReadinessCheckSpec {
  path: string;
  portName: string;
  intervalSeconds: number;
  timeoutSeconds: number;
}

export interface UpgradeStrategySpec {
  minimumHealthCapacity: number;
  maximumOverCapacity: number;
}

export interface BackoffSpec {
  initialSeconds: number;
  factor: number;
  maxSeconds: number;
}

export interface LoadBalancerSpec {
  algorithm: LbAlgorithm;
}

export interface ContainerSpec {
  image: string;
  /** A shell command line (`/bin/sh -c`); exclusive with `args`. */
  command?: string;
  /** Arguments run without a shell, as the Docker CMD (the image's ENTRYPOINT runs with them). */
  args: string[];
  env: Record<string, string>;
  user?: string;
}

/**
 * The one metric an autoscaled service is held at, per instance: CPU as a share of the instance's
 * `resources.cpus` (0 < x <= 1), or requests per second measured at the load balancers.
 */
export type AutoscaleTarget = { cpuUtilization: number; requestsPerSecond?: never } | { requestsPerSecond: number; cpuUtilization?: never };

/** Instances follow the load between `min` and `max` (docs/services-spec.md#autoscaling). */
export interface AutoscaleSpec {
  min: number;
  max: number;
  target: AutoscaleTarget;
  /** A scale-down goes only to the highest recommendation of this window (the Kubernetes HPA's). */
  stabilizationWindowSeconds: number;
  /** No two scalings closer than this. */
  cooldownSeconds: number;
}

export interface ResourcesSpec {
  cpus: number;
  memMb: number;
  diskMb: number;
  ports: PortSpec[];
}

/** A service with every default filled in: what the planner and scheduler work with. */
export interface ServiceSpec {
  id: string;
  instances: number;
  container: ContainerSpec;
  resources: ResourcesSpec;
  role: string;
  constraints: ConstraintSpec[];
  healthChecks: HealthCheckSpec[];
  readinessCheck?: ReadinessCheckSpec;
  upgradeStrategy: UpgradeStrategySpec;
  backoff: BackoffSpec;
  killGracePeriodSeconds: number;
  /** How long an instance is out of rotation (draining) before its kill is sent. */
  shutdownDelaySeconds: number;
  loadBalancer: LoadBalancerSpec;
  labels: Record<string, string>;
  dependencies: string[];
  deploymentDeadlineSeconds: number;
  placement: Placement;
  /** When set, `instances` is the starting count, clamped into [min, max], and the autoscaler moves it. */
  autoscale?: AutoscaleSpec;
}

type HealthCheckInput =
  | ({ protocol: 'HTTP'; path?: string; portName: string } & Partial<HealthCheckTimings>)
  | ({ protocol: 'TCP'; portName: string } & Partial<HealthCheckTimings>)
  | ({ protocol: 'COMMAND'; command: string } & Partial<HealthCheckTimings>);

/** A service as written in a file, after the schema accepted it: defaults not yet filled. */
export interface ServiceInput {
  id: string;
  instances?: number;
  container: Omit<ContainerSpec, 'args' | 'env'> & { args?: string[]; env?: Record<string, string> };
  resources: Omit<ResourcesSpec, 'diskMb' | 'ports'> & { diskMb?: number; ports?: PortSpec[] };
  role?: string;
  constraints?: (Omit<ConstraintSpec, 'value'> & { value?: string | number })[];
  healthChecks?: HealthCheckInput[];
  readinessCheck?: Partial<ReadinessCheckSpec> & { portName: string };
  upgradeStrategy?: Partial<UpgradeStrategySpec>;
  backoff?: Partial<BackoffSpec>;
  killGracePeriodSeconds?: number;
  shutdownDelaySeconds?: number;
  loadBalancer?: Partial<LoadBalancerSpec>;
  labels?: Record<string, string>;
  dependencies?: string[];
  deploymentDeadlineSeconds?: number;
  placement?: Placement;
  autoscale?: Omit<AutoscaleSpec, 'min' | 'stabilizationWindowSeconds' | 'cooldownSeconds'> & Partial<Pick<AutoscaleSpec, 'min' | 'stabilizationWindowSeconds' | 'cooldownSeconds'>>;
}

/** A group: several services in one file, deployed in dependency order. */
export interface GroupInput {
  services: ServiceInput[];
}

/**
 * One thing wrong with (or, as a warning, worth knowing about) a file. `path` names the field,
 * dotted with indices (`services[1].resources.cpus`; empty for the whole file); `rule` is the short
 * rule it breaks (`must be > 0`, `unknown field "cpu"`); `message` is the sentence for a person.
 */
export interface SpecProblem {
  path: string;
  rule: string;
  message: string;
}

/** Which language a file was written in. */
export type SpecFormat = 'berth' | 'marathon';

export type ParseResult =
  | { ok: true; format: SpecFormat; services: ServiceSpec[]; warnings: SpecProblem[] }
  | { ok: false; format?: SpecFormat; problems: SpecProblem[]; warnings: SpecProblem[] };
