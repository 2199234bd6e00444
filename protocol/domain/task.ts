// The task spec a framework sends: TaskInfo with its command, container and health check, every
// field present. The rules are the master's launch rules, so a spec that decodes cleanly launches.
import { checkId } from '../ids.js';
import { ErrorCode } from '../errors.js';
import { ContainerType, HealthCheckType, type CommandInfo, type ContainerInfo, type HealthCheck, type TaskInfo } from '../messages.js';
import { listPorts, type Res } from '../resources.js';
import { FieldReader, type Decoded } from './decoded.js';
import { readResources, toWireResources } from './resources.js';

export interface CommandSpec {
  /** A command line (run with /bin/sh -c when `shell`), or the program to run with `arguments`. */
  value: string;
  shell: boolean;
  arguments: string[];
  environment: Record<string, string>;
}

export interface VolumeSpec {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** ContainerType.DOCKER runs `image`; ContainerType.MESOS (also what no container or UNKNOWN means) runs the command on the host. */
export type ContainerKind = typeof ContainerType.DOCKER | typeof ContainerType.MESOS;

export interface ContainerSpec {
  type: ContainerKind;
  /** '' unless type is DOCKER. */
  image: string;
  /** Requests the agent's policy checks (refused unless the operator allows them). */
  privileged: boolean;
  volumes: VolumeSpec[];
  capAdd: string[];
  /** Docker's `--user` (name, uid or uid:gid); '' keeps the image's user. */
  user: string;
}

export type HealthCheckKind = typeof HealthCheckType.HTTP | typeof HealthCheckType.TCP | typeof HealthCheckType.COMMAND;

/** Times are ms; 0 means the agent's default (see agent/health scheduleOf). */
export interface HealthCheckSpec {
  type: HealthCheckKind;
  /** HTTP and TCP: which of the task's ports, in the order of TaskSpec.resources.ports (see taskPorts). */
  portIndex: number;
  /** HTTP: the path, '/' when the wire had none; '' for the other kinds. */
  path: string;
  /** COMMAND: the check's command; an empty CommandSpec for the other kinds. */
  command: CommandSpec;
  delayMs: number;
  intervalMs: number;
  timeoutMs: number;
  gracePeriodMs: number;
  consecutiveFailures: number;
}

export interface TaskSpec {
  taskId: string;
  name: string;
  /** '' until the master places the task on the agent of the offer it was launched with. */
  agentId: string;
  /** Validated and rounded; the port ranges keep the order they were given in (not merged). */
  resources: Res;
  command: CommandSpec;
  container: ContainerSpec;
  /** SIGTERM, then SIGKILL after this long; 0 means the agent's default. */
  killGracePeriodMs: number;
  /** null when the task has no health check (none on the wire, or type UNKNOWN). */
  healthCheck: HealthCheckSpec | null;
  labels: Record<string, string>;
  preemptible: boolean;
}

function readCommand(r: FieldReader, wire: unknown, field: string): CommandSpec {
  const m = r.message(wire, field);
  return {
    value: r.str(m?.value, `${field}.value`),
    shell: r.bool(m?.shell, `${field}.shell`),
    arguments: r.strings(m?.arguments, `${field}.arguments`),
    environment: r.map(m?.environment, `${field}.environment`),
  };
}

function readContainer(r: FieldReader, wire: unknown, field: string): ContainerSpec {
  const m = r.message(wire, field);
  const type = r.enumValue(m?.type, `${field}.type`, ContainerType) === ContainerType.DOCKER ? ContainerType.DOCKER : ContainerType.MESOS;
  const image = r.str(m?.image, `${field}.image`);
  if (type === ContainerType.DOCKER && image === '') r.add(`${field}.image`, 'is required for a DOCKER container');
  const volumes = r.list(m?.volumes, `${field}.volumes`, (v, at) => {
    const vm = r.message(v, at);
    const volume = { hostPath: r.str(vm?.hostPath, `${at}.host_path`), containerPath: r.str(vm?.containerPath, `${at}.container_path`), readOnly: r.bool(vm?.readOnly, `${at}.read_only`) };
    if (!volume.containerPath.startsWith('/')) r.add(`${at}.container_path`, `must be an absolute path, got "${volume.containerPath}"`);
    return volume;
  });
  return {
    type,
    image: type === ContainerType.DOCKER ? image : '',
    privileged: r.bool(m?.privileged, `${field}.privileged`),
    volumes,
    capAdd: r.strings(m?.capAdd, `${field}.cap_add`),
    user: r.str(m?.user, `${field}.user`),
  };
}

function readHealthCheck(r: FieldReader, wire: unknown, field: string, portCount: number): HealthCheckSpec | null {
  const m = r.message(wire, field);
  const type = r.enumValue(m?.type, `${field}.type`, HealthCheckType);
  if (!m || type === HealthCheckType.UNKNOWN) return null;
  const ms = (key: string, wireName: string): number => r.num(m[key], `${field}.${wireName}`, { min: 0 });
  const check: HealthCheckSpec = {
    type,
    portIndex: r.num(m.portIndex, `${field}.port_index`, { min: 0, integer: true }),
    path: type === HealthCheckType.HTTP ? r.str(m.path, `${field}.path`) || '/' : '',
    command: readCommand(r, type === HealthCheckType.COMMAND ? m.command : undefined, `${field}.command`),
    delayMs: ms('delayMs', 'delay_ms'),
    intervalMs: ms('intervalMs', 'interval_ms'),
    timeoutMs: ms('timeoutMs', 'timeout_ms'),
    gracePeriodMs: ms('gracePeriodMs', 'grace_period_ms'),
    consecutiveFailures: r.num(m.consecutiveFailures, `${field}.consecutive_failures`, { min: 0, integer: true }),
  };
  if (type === HealthCheckType.COMMAND && check.command.value === '') r.add(`${field}.command.value`, 'must not be empty for a COMMAND check');
  if (type !== HealthCheckType.COMMAND && check.portIndex >= portCount) {
    r.add(`${field}.port_index`, `must name one of the task's ${portCount} ports, got ${check.portIndex}`);
  }
  return check;
}

/**
 * Why a command cannot run, or undefined when it can: a shell command line needs its text; without
 * a shell, a Docker task may leave the program to the image's entrypoint (arguments become its
 * CMD), and a host process needs a program in `value` or as the first argument.
 */
export function commandProblem(command: { value?: string | null; shell?: boolean | null; arguments?: string[] | null }, docker: boolean): string | undefined {
  if (command.value) return undefined;
  if (command.shell) return 'must not be empty for a shell command';
  if (docker || (command.arguments?.length ?? 0) > 0) return undefined;
  return 'must not be empty (or give the program as the first argument, or run a Docker image with its entrypoint)';
}

/**
 * A TaskInfo as a TaskSpec. Problems: task_id (the id rule), agent_id when set, resources (valid,
 * cpus and mem_mb > 0), command.value (see commandProblem), container.image (for DOCKER), volumes,
 * kill_grace_period_ms (>= 0) and the health check (known type, a port the task has, a command).
 */
export function decodeTaskInfo(wire: TaskInfo | null | undefined, field = 'task'): Decoded<TaskSpec> {
  const r = new FieldReader([], ErrorCode.INVALID_TASK);
  const m = r.message(wire, field);
  const taskId = r.str(m?.taskId, `${field}.task_id`);
  const idProblem = checkId(taskId, `${field}.task_id`);
  if (idProblem) r.problems.push({ field: `${field}.task_id`, message: idProblem, code: ErrorCode.INVALID_TASK });
  const agentId = r.str(m?.agentId, `${field}.agent_id`);
  const agentProblem = agentId === '' ? null : checkId(agentId, `${field}.agent_id`);
  if (agentProblem) r.problems.push({ field: `${field}.agent_id`, message: agentProblem, code: ErrorCode.INVALID_TASK });
  const res = readResources(r, m?.resources, `${field}.resources`, true);
  if (res.cpus <= 0) r.add(`${field}.resources.cpus`, `must be greater than 0, got ${res.cpus}`, ErrorCode.INVALID_RESOURCES);
  if (res.memMb <= 0) r.add(`${field}.resources.mem_mb`, `must be greater than 0, got ${res.memMb}`, ErrorCode.INVALID_RESOURCES);
  const command = readCommand(r, m?.command, `${field}.command`);
  const container = readContainer(r, m?.container, `${field}.container`);
  const runnable = commandProblem(command, container.type === ContainerType.DOCKER);
  if (runnable) r.add(`${field}.command.value`, runnable);
  const value: TaskSpec = {
    taskId,
    name: r.str(m?.name, `${field}.name`),
    agentId,
    resources: res,
    command,
    container,
    killGracePeriodMs: r.num(m?.killGracePeriodMs, `${field}.kill_grace_period_ms`, { min: 0 }),
    healthCheck: readHealthCheck(r, m?.healthCheck, `${field}.health_check`, listPorts(res).length),
    labels: r.map(m?.labels, `${field}.labels`),
    preemptible: r.bool(m?.preemptible, `${field}.preemptible`),
  };
  return { value, problems: r.problems };
}

/** The task's ports in the order its ranges were given ($PORT0 is the first). */
export function taskPorts(task: TaskSpec): number[] {
  return listPorts(task.resources);
}

export function toWireCommand(c: CommandSpec): CommandInfo {
  return { value: c.value, shell: c.shell, arguments: [...c.arguments], environment: { ...c.environment } };
}

export function toWireContainer(c: ContainerSpec): ContainerInfo {
  return { type: c.type, image: c.image, privileged: c.privileged, volumes: c.volumes.map((v) => ({ ...v })), capAdd: [...c.capAdd], user: c.user };
}

export function toWireHealthCheck(h: HealthCheckSpec): HealthCheck {
  return {
    type: h.type,
    portIndex: h.portIndex,
    path: h.path,
    command: h.type === HealthCheckType.COMMAND ? toWireCommand(h.command) : null,
    delayMs: h.delayMs,
    intervalMs: h.intervalMs,
    timeoutMs: h.timeoutMs,
    gracePeriodMs: h.gracePeriodMs,
    consecutiveFailures: h.consecutiveFailures,
  };
}

export function toWireTaskInfo(t: TaskSpec): TaskInfo {
  return {
    taskId: t.taskId,
    name: t.name,
    agentId: t.agentId,
    resources: toWireResources(t.resources),
    command: toWireCommand(t.command),
    container: toWireContainer(t.container),
    killGracePeriodMs: t.killGracePeriodMs,
    healthCheck: t.healthCheck ? toWireHealthCheck(t.healthCheck) : null,
    labels: { ...t.labels },
    preemptible: t.preemptible,
  };
}
