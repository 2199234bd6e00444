// Mesos TaskInfo, Resource and Offer.Operation JSON read into berth's wire messages. Every problem
// names the Mesos field (accept.operations[0].launch.task_infos[1].container.docker.image) and
// the rule; what berth cannot do (custom executors, the fetcher, bridge networking) is refused here,
// by name, rather than run differently from what the framework asked.
import { ContainerType, HealthCheckType, OperationType, type pb } from '../../protocol/index.js';
import { FieldReader } from '../../protocol/domain/index.js';

/** Set to something: frameworks built on protobuf objects send every unset field as null. */
const isGiven = (v: unknown): boolean => v !== undefined && v !== null;

const SCALAR_NAMES: Record<string, 'cpus' | 'memMb' | 'diskMb' | 'gpus'> = { cpus: 'cpus', mem: 'memMb', disk: 'diskMb', gpus: 'gpus' };

/** Reads Mesos Resource objects into one berth Resources; `reservedRole` is set to the role a reservation names. */
export function readResources(r: FieldReader, v: unknown, field: string): { resources: pb.Resources.$Properties; reservedRoles: Set<string> } {
  const out: Required<Pick<pb.Resources.$Properties, 'cpus' | 'memMb' | 'diskMb' | 'gpus'>> & { ports: pb.Range.$Properties[] } = { cpus: 0, memMb: 0, diskMb: 0, gpus: 0, ports: [] };
  const reservedRoles = new Set<string>();
  r.list(v, field, (item, f) => {
    const m = r.message(item, f);
    if (!m) return;
    const name = r.str(m.name, `${f}.name`);
    const type = r.str(m.type, `${f}.type`);
    const reservations = r.list(m.reservations, `${f}.reservations`, (res, rf) => r.str(r.message(res, rf)?.role, `${rf}.role`));
    const last = reservations[reservations.length - 1];
    if (last) reservedRoles.add(last);
    else {
      const role = r.str(m.role, `${f}.role`);
      if (role && role !== '*') reservedRoles.add(role);
    }
    if (name === 'ports') {
      if (type !== 'RANGES') return r.add(`${f}.type`, `must be RANGES for ports, got "${type}"`);
      const ranges = r.message(m.ranges, `${f}.ranges`);
      r.list(ranges?.range, `${f}.ranges.range`, (range, rf) => {
        const rm = r.message(range, rf);
        const begin = r.num(rm?.begin, `${rf}.begin`, { min: 1, integer: true });
        const end = r.num(rm?.end, `${rf}.end`, { min: begin, integer: true });
        if (end > 65535) r.add(`${rf}.end`, `must be a port number (at most 65535), got ${end}`);
        else out.ports.push({ begin, end });
      });
      return;
    }
    const key = SCALAR_NAMES[name];
    if (!key) return r.add(`${f}.name`, `must be one of cpus, mem, disk, gpus or ports (the resources berth offers), got "${name.slice(0, 40)}"`);
    if (type !== 'SCALAR') return r.add(`${f}.type`, `must be SCALAR for ${name}, got "${type}"`);
    out[key] = (out[key] ?? 0) + r.num(r.message(m.scalar, `${f}.scalar`)?.value, `${f}.scalar.value`, { min: 0 });
  });
  return { resources: out, reservedRoles };
}

function readCommand(r: FieldReader, v: unknown, field: string): pb.CommandInfo.$Properties & { user: string } {
  const m = r.message(v, field);
  if (!m) return { value: '', shell: true, arguments: [], environment: {}, user: '' };
  if (r.list(m.uris, `${field}.uris`, (u) => u).length > 0) r.add(`${field}.uris`, 'must be empty: berth has no fetcher (bake files into the image)');
  const env: Record<string, string> = {};
  r.list(r.message(m.environment, `${field}.environment`)?.variables, `${field}.environment.variables`, (item, f) => {
    const vm = r.message(item, f);
    const type = r.str(vm?.type, `${f}.type`);
    if (type && type !== 'VALUE') return r.add(`${f}.type`, `must be VALUE (berth has no secrets), got "${type}"`);
    const name = r.str(vm?.name, `${f}.name`);
    if (!name) return r.add(`${f}.name`, 'must not be empty');
    env[name] = r.str(vm?.value, `${f}.value`);
  });
  return {
    value: r.str(m.value, `${field}.value`),
    // Mesos' default: a command is a shell command line unless shell is false.
    shell: m.shell === undefined || m.shell === null ? true : r.bool(m.shell, `${field}.shell`),
    arguments: r.strings(m.arguments, `${field}.arguments`),
    environment: env,
    user: r.str(m.user, `${field}.user`),
  };
}

function readContainer(r: FieldReader, v: unknown, field: string, user: string): pb.ContainerInfo.$Properties | undefined {
  const m = r.message(v, field);
  if (!m) return user ? { type: ContainerType.MESOS, user } : undefined;
  const type = r.str(m.type, `${field}.type`) || 'MESOS';
  const volumes = r.list(m.volumes, `${field}.volumes`, (item, f) => {
    const vm = r.message(item, f);
    if (isGiven(vm?.source) || isGiven(vm?.image)) r.add(`${f}`, 'must be a host_path volume (berth has no volume sources or image volumes)');
    const mode = r.str(vm?.mode, `${f}.mode`) || 'RW';
    if (mode !== 'RW' && mode !== 'RO') r.add(`${f}.mode`, `must be RW or RO, got "${mode}"`);
    return { hostPath: r.str(vm?.host_path, `${f}.host_path`), containerPath: r.str(vm?.container_path, `${f}.container_path`), readOnly: mode === 'RO' };
  });
  if (type === 'DOCKER') {
    const docker = r.message(m.docker, `${field}.docker`);
    const image = r.str(docker?.image, `${field}.docker.image`);
    if (!image) r.add(`${field}.docker.image`, 'must not be empty for a DOCKER container');
    const network = r.str(docker?.network, `${field}.docker.network`) || 'HOST';
    if (network !== 'HOST') r.add(`${field}.docker.network`, `must be HOST: berth runs containers on the host network (tasks use the ports of their offer), got "${network}"`);
    if (r.list(docker?.port_mappings, `${field}.docker.port_mappings`, (p) => p).length > 0) r.add(`${field}.docker.port_mappings`, 'must be empty: containers use the host network');
    if (r.list(docker?.parameters, `${field}.docker.parameters`, (p) => p).length > 0) r.add(`${field}.docker.parameters`, 'must be empty: berth builds the container spec from an allow-list, never from raw docker parameters');
    return { type: ContainerType.DOCKER, image, privileged: r.bool(docker?.privileged, `${field}.docker.privileged`), volumes, user };
  }
  if (type === 'MESOS') {
    // The unified containerizer with a Docker image runs as a Docker container on berth.
    const image = r.message(r.message(m.mesos, `${field}.mesos`)?.image, `${field}.mesos.image`);
    if (image) {
      const imageType = r.str(image.type, `${field}.mesos.image.type`);
      if (imageType !== 'DOCKER') r.add(`${field}.mesos.image.type`, `must be DOCKER (berth runs Docker images only), got "${imageType}"`);
      const name = r.str(r.message(image.docker, `${field}.mesos.image.docker`)?.name, `${field}.mesos.image.docker.name`);
      if (!name) r.add(`${field}.mesos.image.docker.name`, 'must not be empty');
      return { type: ContainerType.DOCKER, image: name, volumes, user };
    }
    return { type: ContainerType.MESOS, volumes, user };
  }
  r.add(`${field}.type`, `must be DOCKER or MESOS, got "${type}"`);
  return undefined;
}

function seconds(r: FieldReader, v: unknown, field: string): number {
  return r.num(v, field, { min: 0 }) * 1000;
}

function readHealthCheck(r: FieldReader, v: unknown, field: string, ports: number[]): pb.HealthCheck.$Properties | undefined {
  const m = r.message(v, field);
  if (!m) return undefined;
  const http = r.message(m.http, `${field}.http`);
  const tcp = r.message(m.tcp, `${field}.tcp`);
  const type = r.str(m.type, `${field}.type`) || (http ? 'HTTP' : tcp ? 'TCP' : 'COMMAND');
  const portIndex = (port: unknown, f: string): number => {
    const n = r.num(port, f, { min: 1, integer: true });
    const i = ports.indexOf(n);
    if (i < 0) r.add(f, `must be one of the task's ports (${ports.join(', ') || 'none'}), got ${n}`);
    return Math.max(i, 0);
  };
  const times = {
    delayMs: seconds(r, m.delay_seconds, `${field}.delay_seconds`),
    intervalMs: seconds(r, m.interval_seconds, `${field}.interval_seconds`),
    timeoutMs: seconds(r, m.timeout_seconds, `${field}.timeout_seconds`),
    gracePeriodMs: seconds(r, m.grace_period_seconds, `${field}.grace_period_seconds`),
    consecutiveFailures: r.num(m.consecutive_failures, `${field}.consecutive_failures`, { min: 0, integer: true }),
  };
  if (type === 'HTTP') return { type: HealthCheckType.HTTP, portIndex: portIndex(http?.port, `${field}.http.port`), path: r.str(http?.path, `${field}.http.path`) || '/', ...times };
  if (type === 'TCP') return { type: HealthCheckType.TCP, portIndex: portIndex(tcp?.port, `${field}.tcp.port`), ...times };
  if (type === 'COMMAND') {
    const { user: _user, ...command } = readCommand(r, m.command, `${field}.command`);
    return { type: HealthCheckType.COMMAND, command, ...times };
  }
  r.add(`${field}.type`, `must be COMMAND, HTTP or TCP, got "${type}"`);
  return undefined;
}

/** A Mesos TaskInfo as berth's TaskInfo. */
export function readTaskInfo(r: FieldReader, v: unknown, field: string): pb.TaskInfo.$Properties {
  const m = r.message(v, field) ?? {};
  if (isGiven(m.executor)) r.add(`${field}.executor`, 'must be absent: berth has no custom executors; give the task a command (and a container)');
  const taskId = r.str(r.message(m.task_id, `${field}.task_id`)?.value, `${field}.task_id.value`);
  if (!taskId) r.add(`${field}.task_id.value`, 'must not be empty');
  const { resources } = readResources(r, m.resources, `${field}.resources`);
  const { user, ...command } = readCommand(r, m.command, `${field}.command`);
  const container = readContainer(r, m.container, `${field}.container`, user);
  const ports = (resources.ports ?? []).flatMap((p) => Array.from({ length: (p.end ?? 0) - (p.begin ?? 0) + 1 }, (_x, i) => (p.begin ?? 0) + i));
  const healthCheck = readHealthCheck(r, m.health_check, `${field}.health_check`, ports);
  const grace = r.message(r.message(m.kill_policy, `${field}.kill_policy`)?.grace_period, `${field}.kill_policy.grace_period`);
  const labels: Record<string, string> = {};
  r.list(r.message(m.labels, `${field}.labels`)?.labels, `${field}.labels.labels`, (item, f) => {
    const lm = r.message(item, f);
    labels[r.str(lm?.key, `${f}.key`)] = r.str(lm?.value, `${f}.value`);
  });
  return {
    taskId,
    name: r.str(m.name, `${field}.name`),
    agentId: r.str(r.message(m.agent_id, `${field}.agent_id`)?.value, `${field}.agent_id.value`),
    resources,
    command,
    ...(container ? { container } : {}),
    ...(healthCheck ? { healthCheck } : {}),
    killGracePeriodMs: r.num(grace?.nanoseconds, `${field}.kill_policy.grace_period.nanoseconds`, { min: 0 }) / 1e6,
    labels,
  };
}

/** The resources of a RESERVE or UNRESERVE, grouped by the role their reservation names. */
function readReservations(r: FieldReader, v: unknown, field: string): pb.Reservation.$Properties[] {
  const byRole = new Map<string, pb.Resources.$Properties[]>();
  r.list(v, field, (item, f) => {
    const { resources, reservedRoles } = readResources(r, [item], f);
    const [role, more] = [...reservedRoles];
    if (!role || more) return r.add(`${f}.reservations`, 'must name exactly one role to reserve for');
    byRole.set(role, [...(byRole.get(role) ?? []), resources]);
  });
  return [...byRole].map(([role, list]) => ({
    role,
    resources: list.reduce((a, b) => ({
      cpus: (a.cpus ?? 0) + (b.cpus ?? 0), memMb: (a.memMb ?? 0) + (b.memMb ?? 0), diskMb: (a.diskMb ?? 0) + (b.diskMb ?? 0), gpus: (a.gpus ?? 0) + (b.gpus ?? 0), ports: [...(a.ports ?? []), ...(b.ports ?? [])],
    })),
  }));
}

/** A Mesos Offer.Operation as berth's Operation. */
export function readOperation(r: FieldReader, v: unknown, field: string): pb.Operation.$Properties {
  const m = r.message(v, field) ?? {};
  const type = r.str(m.type, `${field}.type`);
  if (type === 'LAUNCH') {
    const launch = r.message(m.launch, `${field}.launch`);
    return { type: OperationType.LAUNCH, tasks: r.list(launch?.task_infos, `${field}.launch.task_infos`, (t, f) => readTaskInfo(r, t, f)) };
  }
  if (type === 'LAUNCH_GROUP') {
    const group = r.message(m.launch_group, `${field}.launch_group`);
    // The group's executor is Mesos' default executor in practice; berth runs each task itself.
    const tasks = r.message(group?.task_group, `${field}.launch_group.task_group`)?.tasks;
    return { type: OperationType.LAUNCH_GROUP, tasks: r.list(tasks, `${field}.launch_group.task_group.tasks`, (t, f) => readTaskInfo(r, t, f)) };
  }
  if (type === 'RESERVE' || type === 'UNRESERVE') {
    const key = type === 'RESERVE' ? 'reserve' : 'unreserve';
    const body = r.message(m[key], `${field}.${key}`);
    return { type: type === 'RESERVE' ? OperationType.RESERVE : OperationType.UNRESERVE, reservations: readReservations(r, body?.resources, `${field}.${key}.resources`) };
  }
  r.add(`${field}.type`, `must be LAUNCH, LAUNCH_GROUP, RESERVE or UNRESERVE (berth has no volumes, resource providers or resizing), got "${type.slice(0, 40)}"`);
  return {};
}
