// The Docker Swarm half of `npm run bench -- services`: on this engine (a one-node swarm on
// loopback, made for the run and left again if the run made it), a service of busybox httpd
// replicas on the host network, each on its own port (18000 + its slot), with a health check.
// It measures (a) self-healing: from `docker kill` of one replica's container until its
// replacement is running and healthy, and (b) a rolling update of every replica (an environment
// variable changed, one at a time) until all new tasks are running and healthy. The berth half
// runs the same shapes, with the same stop grace period, and prints both side by side.
import { performance } from 'node:perf_hooks';
import { docker, ensureSwarm, leaveSwarm } from './swarm-kit.js';

export interface SwarmOptions {
  /** Replicas of the service (default 10). */
  replicas?: number;
  /** Replica n listens on basePort + its slot (slots count from 1; default 18000). */
  basePort?: number;
  image?: string;
  /** How often the health check runs (default 250 ms). */
  healthIntervalMs?: number;
  /** SIGTERM, then SIGKILL after this long, for kills by the orchestrator (default 1000 ms). */
  stopGraceMs?: number;
  /**
   * How long Swarm watches each updated task for failure (`--update-monitor`); unset keeps
   * Swarm's default (5 s). Measured here: 500 ms does not shorten the update (about 5 s a replica).
   */
  updateMonitorMs?: number;
  /** How many kills to time, one after another (default 3). */
  kills?: number;
  /** The longest one phase (start, one heal, the update) may take (default 120 s). */
  timeoutMs?: number;
  serviceName?: string;
  /** Progress lines (default: stderr). */
  log?: (msg: string) => void;
}

export interface SwarmResult {
  /** One time per kill: from `docker kill` until the replacement is running and healthy. */
  selfHealMs: number[];
  /** From `docker service update` until every replica is a new task, running and healthy. */
  rollingMs: number;
}

const POLL_MS = 25;

interface Observed {
  /** Tasks Swarm wants running. */
  desired: string[];
  /** Task id -> container id, for the containers whose health check passes. */
  healthy: Map<string, string>;
}

async function observe(name: string): Promise<Observed> {
  const [tasks, containers] = await Promise.all([
    docker('service', 'ps', name, '--filter', 'desired-state=running', '--no-trunc', '--format', '{{.ID}}'),
    docker('ps', '--filter', `label=com.docker.swarm.service.name=${name}`, '--filter', 'health=healthy', '--no-trunc', '--format', '{{.Label "com.docker.swarm.task.id"}} {{.ID}}'),
  ]);
  const healthy = new Map<string, string>();
  for (const line of containers.split('\n').filter(Boolean)) {
    const [taskId, containerId] = line.split(' ');
    if (taskId && containerId) healthy.set(taskId, containerId);
  }
  return { desired: tasks.split('\n').filter(Boolean), healthy };
}

/** Polls until every desired task is healthy, `replicas` of them, and `also` holds. */
async function settled(name: string, replicas: number, timeoutMs: number, what: string, also: (o: Observed) => boolean = () => true): Promise<Observed> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const o = await observe(name);
    if (o.desired.length === replicas && o.desired.every((id) => o.healthy.has(id)) && also(o)) return o;
    if (performance.now() > deadline) {
      throw new Error(`swarm: ${what} did not happen within ${timeoutMs / 1000} s (${o.desired.length} desired, ${o.healthy.size} healthy)`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function removeService(name: string, timeoutMs: number): Promise<void> {
  await docker('service', 'rm', name).catch(() => undefined);
  const deadline = performance.now() + timeoutMs;
  while ((await docker('ps', '-a', '-q', '--filter', `label=com.docker.swarm.service.name=${name}`)) !== '') {
    if (performance.now() > deadline) throw new Error(`swarm: the containers of ${name} were not removed within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs the Swarm half; leaves no service behind, and leaves the swarm if it made it. */
export async function measureSwarm(options: SwarmOptions = {}): Promise<SwarmResult> {
  const {
    replicas = 10, basePort = 18000, image = 'busybox:latest', healthIntervalMs = 250, stopGraceMs = 1000,
    kills = 3, timeoutMs = 120_000, updateMonitorMs, serviceName: name = 'berth-bench-services', log = (m: string) => void process.stderr.write(`services-swarm: ${m}\n`),
  } = options;
  const problems: string[] = [];
  if (!Number.isInteger(replicas) || replicas < 1) problems.push(`replicas must be a whole number >= 1, got ${replicas}`);
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort + replicas > 65535) problems.push(`basePort must leave room for ${replicas} ports from 1024 to 65535, got ${basePort}`);
  if (!Number.isInteger(kills) || kills < 1) problems.push(`kills must be a whole number >= 1, got ${kills}`);
  for (const [field, v] of [['healthIntervalMs', healthIntervalMs], ['stopGraceMs', stopGraceMs], ['timeoutMs', timeoutMs], ['updateMonitorMs', updateMonitorMs ?? 1]] as const) {
    if (!Number.isFinite(v) || v < 1) problems.push(`${field} must be a number of milliseconds >= 1, got ${v}`);
  }
  if (problems.length > 0) throw new Error(`measureSwarm: ${problems.join('; ')}`);

  const { created } = await ensureSwarm();
  try {
    await removeService(name, timeoutMs);
    const port = `$((${basePort}+SLOT))`;
    await docker('service', 'create', '--detach', '--no-resolve-image', '--name', name, '--network', 'host', '--replicas', String(replicas),
      '--env', 'SLOT={{.Task.Slot}}', '--env', 'VERSION=1',
      '--restart-condition', 'any', '--restart-delay', '0s',
      '--update-parallelism', '1', '--update-delay', '0s', '--update-order', 'stop-first', '--update-failure-action', 'pause',
      ...(updateMonitorMs === undefined ? [] : ['--update-monitor', `${updateMonitorMs}ms`]),
      '--stop-grace-period', `${stopGraceMs}ms`,
      '--health-cmd', `wget -q -O- http://127.0.0.1:${port}/ || exit 1`, '--health-interval', `${healthIntervalMs}ms`,
      '--health-timeout', '2s', '--health-retries', '1', '--health-start-period', '0s',
      image, 'sh', '-c', `mkdir -p /tmp/www && echo ok > /tmp/www/index.html && exec httpd -f -p ${port} -h /tmp/www`);
    let o = await settled(name, replicas, timeoutMs, `${replicas} healthy replicas`);
    log(`${replicas} replicas running and healthy`);

    const selfHealMs: number[] = [];
    for (let k = 0; k < kills; k++) {
      const [taskId, containerId] = [...o.healthy][0]!;
      const t0 = performance.now();
      await docker('kill', containerId);
      o = await settled(name, replicas, timeoutMs, `the replacement of task ${taskId}`, (x) => !x.desired.includes(taskId));
      selfHealMs.push(performance.now() - t0);
      log(`kill ${k + 1} of ${kills}: healed in ${selfHealMs[k]!.toFixed(0)} ms`);
    }

    const before = new Set(o.desired);
    const t0 = performance.now();
    await docker('service', 'update', '--detach', '--env-add', 'VERSION=2', name);
    await settled(name, replicas, timeoutMs, 'the rolling update', (x) => x.desired.every((id) => !before.has(id)));
    const rollingMs = performance.now() - t0;
    log(`rolling update of ${replicas} replicas in ${rollingMs.toFixed(0)} ms`);
    return { selfHealMs, rollingMs };
  } finally {
    await removeService(name, timeoutMs).catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
    await leaveSwarm(created).catch((err: unknown) => log(`could not leave the swarm: ${(err as Error).message}`));
  }
}
