// What a framework writes to launch a task: the domain TaskSpec with everything but the task id
// optional. taskSpecOf() completes it once, with the defaults the wire would mean; the client then
// encodes it once. The master validates (an invalid task ends TASK_ERROR, naming the field).
import { ContainerType, HealthCheckType, type Range } from '../../protocol/index.js';
import type { CommandSpec, ContainerSpec, HealthCheckSpec, TaskSpec, VolumeSpec } from '../../protocol/domain/index.js';

/** A command line (`shell: true`), or a program with `arguments`. */
export type CommandInput = Partial<CommandSpec>;

export type ContainerInput = Partial<Omit<ContainerSpec, 'type' | 'volumes'>> & {
  /** DOCKER runs `image`; anything else runs the command on the host. */
  type?: (typeof ContainerType)[keyof typeof ContainerType];
  volumes?: (Partial<VolumeSpec> & { containerPath: string })[];
};

export type HealthCheckInput = Partial<Omit<HealthCheckSpec, 'type' | 'command'>> & {
  /** HTTP, TCP or COMMAND; UNKNOWN (or no check) means none. */
  type: (typeof HealthCheckType)[keyof typeof HealthCheckType];
  command?: CommandInput;
};

/** Resources a task takes; `ports` are the ranges it was given from its offer, in the order of $PORT0... */
export interface ResourcesInput {
  cpus?: number;
  memMb?: number;
  diskMb?: number;
  gpus?: number;
  ports?: Range[];
}

/**
 * A task to launch, for example
 * `{ taskId: 'hello-1', resources: { cpus: 0.1, memMb: 32 }, command: { value: 'echo hi', shell: true } }`.
 * Every field but `taskId` may be left out; a complete `TaskSpec` is one too.
 */
export interface TaskInput {
  taskId: string;
  /** Shown in the UI and state; defaults to ''. */
  name?: string;
  /** The agent of the offer; the master fills it in when left out. */
  agentId?: string;
  resources?: ResourcesInput;
  command?: CommandInput;
  container?: ContainerInput;
  /** SIGTERM, then SIGKILL after this long; 0 or none means the agent's default. */
  killGracePeriodMs?: number;
  healthCheck?: HealthCheckInput | null;
  labels?: Record<string, string>;
  preemptible?: boolean;
}

// Defaults are filled here, once, by destructuring; nothing downstream checks for absent fields.
function commandOf({ value = '', shell = false, arguments: args = [], environment = {} }: CommandInput = {}): CommandSpec {
  return { value, shell, arguments: args, environment };
}

function containerOf({ type, image = '', privileged = false, volumes = [], capAdd = [], user = '' }: ContainerInput = {}): ContainerSpec {
  const docker = type === ContainerType.DOCKER;
  return {
    type: docker ? ContainerType.DOCKER : ContainerType.MESOS,
    image: docker ? image : '',
    privileged,
    volumes: volumes.map(({ hostPath = '', containerPath, readOnly = false }) => ({ hostPath, containerPath, readOnly })),
    capAdd,
    user,
  };
}

function healthCheckOf(h: HealthCheckInput | null | undefined): HealthCheckSpec | null {
  if (!h || h.type === HealthCheckType.UNKNOWN) return null;
  const { type, portIndex = 0, path = '', command, delayMs = 0, intervalMs = 0, timeoutMs = 0, gracePeriodMs = 0, consecutiveFailures = 0 } = h;
  return {
    type,
    portIndex,
    path: type === HealthCheckType.HTTP ? path || '/' : '',
    command: commandOf(type === HealthCheckType.COMMAND ? command : undefined),
    delayMs,
    intervalMs,
    timeoutMs,
    gracePeriodMs,
    consecutiveFailures,
  };
}

/** The input completed with the defaults the wire would mean. Values are kept as given: the master judges them. */
export function taskSpecOf(input: TaskInput): TaskSpec {
  const { taskId, name = '', agentId = '', resources = {}, command, container, killGracePeriodMs = 0, healthCheck, labels = {}, preemptible = false } = input;
  const { cpus = 0, memMb = 0, diskMb = 0, gpus = 0, ports = [] } = resources;
  return {
    taskId,
    name,
    agentId,
    resources: { cpus, memMb, diskMb, gpus, ports },
    command: commandOf(command),
    container: containerOf(container),
    killGracePeriodMs,
    healthCheck: healthCheckOf(healthCheck),
    labels,
    preemptible,
  };
}
