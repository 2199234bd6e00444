// One Marathon app definition translated into a berth service (before validation). What berth
// cannot honour is listed through the sink, field by field.
import { FieldReader, isObject, meaningful, unsupported, type MarathonSink } from './marathon-fields.js';

/** Marathon's own defaults, applied where an app leaves a field out (they differ from berth's). */
const MARATHON_DEFAULTS = { instances: 1, cpus: 1, mem: 128, disk: 0 } as const;

const HOST_NETWORK_WHY = 'berth runs containers on the host network; the task must listen on the port berth gives it ($PORT0, $PORT1...)';
const STATUS_WHY = 'a status field Marathon reports, not part of a definition; berth ignores it';
/** What Marathon's GET /v2/apps adds to a definition. */
const STATUS_FIELDS = ['version', 'versionInfo', 'tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy', 'deployments', 'tasks', 'lastTaskFailure', 'taskStats', 'readinessCheckResults'];

/** A translated app: the berth service and its dependencies as written (resolved later). */
export interface TranslatedApp {
  service: Record<string, unknown>;
  dependencies: string[];
  /** berth field paths in this service and the Marathon paths they came from (`healthChecks[1]` <- `healthChecks[2]`). */
  renames: [string, string][];
}

/** Resolves a Marathon path (`web`, `../db`, `/a/b`) against the id of the group that holds it. */
export function resolveId(id: string, base: string): string {
  const parts = id.startsWith('/') ? [] : base.split('/').filter((p) => p !== '');
  for (const p of id.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

/** Translates the app at `path` in a group whose id is `groupId`. */
export function translateApp(app: Record<string, unknown>, path: string, groupId: string, sink: MarathonSink): TranslatedApp {
  const r = new FieldReader(app, path, sink);
  const service: Record<string, unknown> = {};
  const renames: [string, string][] = [];
  const id = r.take('id');
  service.id = typeof id === 'string' ? resolveId(id, groupId) : id;
  service.instances = r.take('instances') ?? MARATHON_DEFAULTS.instances;

  const container = translateContainer(r);
  const networks = r.array('networks');
  const hostNetworks = networks.every((n) => isObject(n) && n.mode === 'host');
  if (!hostNetworks) unsupported(r.sink, r.at('networks'), HOST_NETWORK_WHY);
  // Marathon gives an app on the host network that lists no ports one port of its own.
  const listsPorts = 'portDefinitions' in app || 'ports' in app || container.portMappings !== undefined;
  const ports = translatePorts(r, container.portMappings, renames);
  if (!listsPorts && container.hostNetwork && hostNetworks) ports.push({ name: 'default' });
  service.container = container.spec;
  service.resources = {
    cpus: r.take('cpus') ?? MARATHON_DEFAULTS.cpus,
    memMb: r.take('mem') ?? MARATHON_DEFAULTS.mem,
    diskMb: r.take('disk') ?? MARATHON_DEFAULTS.disk,
    ports,
  };
  r.refuse('gpus', 'berth does not offer GPUs to services yet', 0);

  const role = r.take('role');
  if (role !== undefined && role !== null) service.role = role;
  r.refuse('acceptedResourceRoles', 'berth offers a service only its own role', role === undefined || role === null ? ['*'] : [role]);

  const constraints = translateConstraints(r);
  if (constraints.length > 0) service.constraints = constraints;
  const healthChecks = translateHealthChecks(r, ports, renames);
  if (healthChecks.length > 0) service.healthChecks = healthChecks;
  const readiness = translateReadiness(r);
  if (readiness) service.readinessCheck = readiness;

  const upgrade = r.object('upgradeStrategy');
  if (upgrade) {
    service.upgradeStrategy = definedFields({ minimumHealthCapacity: upgrade.take('minimumHealthCapacity'), maximumOverCapacity: upgrade.take('maximumOverCapacity') });
    upgrade.finish();
  }
  const backoff = definedFields({ initialSeconds: r.take('backoffSeconds'), factor: r.take('backoffFactor'), maxSeconds: r.take('maxLaunchDelaySeconds') });
  if (Object.keys(backoff).length > 0) service.backoff = backoff;
  const kill = r.take('taskKillGracePeriodSeconds');
  if (kill !== undefined && kill !== null) service.killGracePeriodSeconds = kill;
  const labels = r.take('labels');
  if (meaningful(labels)) service.labels = labels;
  const dependencies = r.array('dependencies').map((d) => (typeof d === 'string' ? resolveId(d, groupId) : d)) as string[];

  for (const k of STATUS_FIELDS) r.refuse(k, STATUS_WHY);
  r.finish({ requirePorts: false, executor: '' });
  return { service, dependencies, renames };
}

function definedFields(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null));
}

/** cmd, args, user, env and container.docker.image; the port mappings are handed back. */
function translateContainer(r: FieldReader): { spec: Record<string, unknown>; hostNetwork: boolean; portMappings: { list: unknown[]; path: string } | undefined } {
  const spec: Record<string, unknown> = {};
  let portMappings: { list: unknown[]; path: string } | undefined;
  let hostNetwork = true;
  const c = r.object('container');
  if (c) {
    const type = c.take('type');
    if (type !== undefined && type !== 'DOCKER' && type !== 'MESOS') unsupported(r.sink, c.at('type'), `container type ${String(type)}; berth runs Docker images`);
    const docker = c.object('docker');
    if (docker) {
      spec.image = docker.take('image');
      const network = docker.take('network');
      if (meaningful(network) && network !== 'HOST') {
        hostNetwork = false;
        unsupported(r.sink, docker.at('network'), HOST_NETWORK_WHY);
      }
      const old = docker.array('portMappings');
      if (old.length > 0) portMappings = { list: old, path: docker.at('portMappings') };
      docker.refuse('forcePullImage', 'the agent\'s pull policy decides whether images are pulled', false);
      docker.refuse('privileged', 'the agent\'s container policy decides; services cannot ask for it', false);
      docker.refuse('parameters', 'berth passes no raw Docker parameters');
      docker.finish();
    }
    const mappings = c.array('portMappings');
    if (mappings.length > 0) {
      if (portMappings) unsupported(r.sink, c.at('portMappings'), `only one port list is read (${portMappings.path})`);
      else portMappings = { list: mappings, path: c.at('portMappings') };
    }
    c.refuse('volumes', 'berth does not mount volumes into service containers yet');
    c.finish();
  }
  const cmd = r.take('cmd');
  if (cmd !== undefined && cmd !== null) spec.command = cmd;
  const args = r.take('args');
  if (meaningful(args)) spec.args = args;
  const user = r.take('user');
  if (user !== undefined && user !== null) spec.user = user;
  const env = r.object('env');
  if (env) {
    const vars: Record<string, unknown> = {};
    for (const key of env.keys()) {
      const v = env.take(key);
      if (isObject(v)) unsupported(r.sink, env.at(key), 'secret references are not supported');
      else vars[key] = v;
    }
    if (Object.keys(vars).length > 0) spec.env = vars;
  }
  return { spec, hostNetwork, portMappings };
}

/**
 * A port definition's `port` (0: none) is the service port, as in Marathon; with requirePorts the
 * host port is that number too.
 */
function servicePortOf(n: unknown, requirePorts: boolean, port: Record<string, unknown>): void {
  if (typeof n !== 'number' || n <= 0) return;
  port.servicePort = n;
  if (requirePorts) port.number = n;
}

/** Named ports from the port mappings (Docker) or the port definitions (host network). */
function translatePorts(r: FieldReader, mappings: { list: unknown[]; path: string } | undefined, renames: [string, string][]): Record<string, unknown>[] {
  const requirePorts = r.take('requirePorts') === true;
  const definitions = r.array('portDefinitions');
  const legacy = r.array('ports');
  const ports: Record<string, unknown>[] = [];
  const read = (list: unknown[], path: string, each: (p: FieldReader, port: Record<string, unknown>) => void) => {
    renames.push(['resources.ports', path]);
    list.forEach((item, i) => {
      const p = new FieldReader(isObject(item) ? item : {}, `${path}[${i}]`, r.sink);
      if (!isObject(item)) {
        r.sink.problems.push({ path: p.path, rule: 'must be an object', message: `${p.path} must be an object` });
        return;
      }
      const name = p.take('name');
      const port: Record<string, unknown> = { name: name ?? `port${i}` };
      each(p, port);
      p.refuse('protocol', 'berth ports are TCP', 'tcp');
      p.refuse('labels', 'berth ports carry no labels');
      p.finish();
      ports.push(port);
    });
  };
  if (mappings) {
    read(mappings.list, mappings.path, (p, port) => {
      const host = p.take('hostPort');
      const inside = p.take('containerPort');
      if (typeof host === 'number' && host > 0) port.number = host;
      if (meaningful(inside) && inside !== 0 && inside !== host) unsupported(r.sink, p.at('containerPort'), HOST_NETWORK_WHY);
      const service = p.take('servicePort');
      if (typeof service === 'number' && service > 0) port.servicePort = service;
    });
    if (definitions.length > 0) unsupported(r.sink, r.at('portDefinitions'), `only one port list is read (${mappings.path})`);
  } else if (definitions.length > 0) {
    read(definitions, r.at('portDefinitions'), (p, port) => {
      servicePortOf(p.take('port'), requirePorts, port);
    });
  }
  const legacyPath = r.at('ports');
  if (legacy.length > 0 && ports.length > 0) unsupported(r.sink, legacyPath, 'only one port list is read');
  else {
    if (legacy.length > 0) renames.push(['resources.ports', legacyPath]);
    legacy.forEach((n, i) => {
      const port: Record<string, unknown> = { name: `port${i}` };
      servicePortOf(n, requirePorts, port);
      ports.push(port);
    });
  }
  return ports;
}

/** `[field, operator, value?]` triples into constraint objects. */
function translateConstraints(r: FieldReader): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  r.array('constraints').forEach((c, i) => {
    if (!Array.isArray(c) || c.length < 2 || c.length > 3 || !c.every((x) => typeof x === 'string')) {
      const at = `${r.at('constraints')}[${i}]`;
      r.sink.problems.push({ path: at, rule: 'must be [field, operator] or [field, operator, value]', message: `${at} must be an array of two or three strings, like ["hostname", "UNIQUE"]` });
      return;
    }
    const [field, operator, value] = c as string[];
    out.push({ field: field === '@hostname' ? 'hostname' : field, operator: operator!.toUpperCase(), ...(value !== undefined ? { value } : {}) });
  });
  return out;
}

function translateHealthChecks(r: FieldReader, ports: Record<string, unknown>[], renames: [string, string][]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  r.array('healthChecks').forEach((item, i) => {
    const at = `${r.at('healthChecks')}[${i}]`;
    if (!isObject(item)) {
      r.sink.problems.push({ path: at, rule: 'must be an object', message: `${at} must be an object` });
      return;
    }
    const h = new FieldReader(item, at, r.sink);
    const given = h.take('protocol') ?? 'HTTP';
    const protocol = ({ HTTP: 'HTTP', MESOS_HTTP: 'HTTP', TCP: 'TCP', MESOS_TCP: 'TCP', COMMAND: 'COMMAND' } as Record<string, string>)[String(given)];
    if (!protocol) {
      unsupported(r.sink, h.at('protocol'), `${String(given)} checks are not supported; this health check was left out`);
      return;
    }
    const check: Record<string, unknown> = { protocol };
    for (const k of ['delaySeconds', 'intervalSeconds', 'timeoutSeconds', 'gracePeriodSeconds', 'maxConsecutiveFailures']) {
      const v = h.take(k);
      if (v !== undefined && v !== null) check[k] = v;
    }
    if (protocol === 'COMMAND') {
      const command = h.take('command');
      check.command = isObject(command) ? command.value : command;
    } else {
      const path = h.take('path');
      if (protocol === 'HTTP' && meaningful(path)) check.path = path;
      if (protocol === 'TCP' && meaningful(path)) unsupported(r.sink, h.at('path'), 'a TCP check has no path');
      const fixed = h.take('port');
      const index = h.take('portIndex');
      if (typeof fixed === 'number' && fixed > 0) {
        const named = ports.find((p) => p.number === fixed);
        if (!named) {
          unsupported(r.sink, h.at('port'), 'a check on a port that is not one of the app\'s ports; this health check was left out');
          return;
        }
        check.portName = named.name;
      } else {
        const n = typeof index === 'number' ? index : 0;
        const port = ports[n];
        if (!port) {
          h.problem('portIndex', `no port at index ${n}`, `${h.at('portIndex')} is ${n}, but the app has ${ports.length} port${ports.length === 1 ? '' : 's'}`);
          return;
        }
        check.portName = port.name;
      }
    }
    h.refuse('ignoreHttp1xx', 'berth treats 1xx answers as unhealthy', false);
    h.finish({ ipProtocol: 'IPv4', portIndex: 0 });
    if (out.length !== i) renames.push([`healthChecks[${out.length}]`, `healthChecks[${i}]`]);
    out.push(check);
  });
  return out;
}

function translateReadiness(r: FieldReader): Record<string, unknown> | undefined {
  const list = r.array('readinessChecks');
  list.slice(1).forEach((_, i) => unsupported(r.sink, `${r.at('readinessChecks')}[${i + 1}]`, 'berth runs one readiness check per service'));
  const first = list[0];
  if (first === undefined) return undefined;
  const at = `${r.at('readinessChecks')}[0]`;
  if (!isObject(first)) {
    r.sink.problems.push({ path: at, rule: 'must be an object', message: `${at} must be an object` });
    return undefined;
  }
  const c = new FieldReader(first, at, r.sink);
  const protocol = c.take('protocol') ?? 'HTTP';
  if (protocol !== 'HTTP') {
    unsupported(r.sink, c.at('protocol'), `${String(protocol)} readiness checks are not supported; the check was left out`);
    return undefined;
  }
  const check = definedFields({ path: c.take('path'), portName: c.take('portName') ?? 'http-api', intervalSeconds: c.take('intervalSeconds'), timeoutSeconds: c.take('timeoutSeconds') });
  c.refuse('httpStatusCodesForReady', 'berth counts any 2xx answer as ready', [200]);
  c.finish({ name: 'readinessCheck', preserveLastResponse: false });
  return check;
}
