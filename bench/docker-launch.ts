// docker-launch: N busybox containers to RUNNING on one agent through berth (framework -> master
// -> agent -> Docker), next to raw dockerode at the same concurrency and to Docker Swarm on the
// same engine, in one run, alternating, so the ratios hold on a noisy machine.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { pino } from 'pino';
import { Agent, DockerRuntime } from '../agent/index.js';
import { ContainerType, SchedulerClient, TaskState, pack } from '../frameworks/sdk/index.js';
import { MemoryStore, startMaster } from '../master/index.js';
import { resources } from '../protocol/index.js';
import { percentile, type BenchReport } from './report.js';
import { ensureSwarm } from './swarm-kit.js';

const run$ = promisify(execFile);
const IMAGE = 'busybox:latest';
const LABEL = 'berth.bench';

export interface DockerLaunchOptions {
  containers: number;
  runs: number;
  swarm: boolean;
}

const defaults: DockerLaunchOptions = { containers: 100, runs: 3, swarm: true };

async function removeBenchContainers(docker: Docker): Promise<void> {
  const all = await docker.listContainers({ all: true, filters: { label: [LABEL] } });
  const managed = await docker.listContainers({ all: true, filters: { label: ['berth.managed=true'] } });
  await Promise.all([...all, ...managed].map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

/** Through berth: one master, one Docker agent, one framework launching every task at once. */
async function viaBerth(n: number): Promise<number> {
  const log = pino({ level: 'silent' });
  const master = await startMaster({ port: 0, store: await MemoryStore.open(), log, allocationIntervalMs: 100 });
  const workDir = await mkdtemp(join(tmpdir(), 'berth-bench-'));
  const agent = new Agent({
    masterUrl: master.url,
    runtime: new DockerRuntime(),
    log,
    workDir,
    hostname: 'bench',
    resources: resources.normalize({ cpus: n, memMb: n * 64, diskMb: 0, ports: [{ begin: 33000, end: 33999 }] }),
  });
  agent.start();
  await agent.whenRegistered();
  const client = new SchedulerClient({ masterUrl: master.url, framework: { name: 'bench', roles: ['*'] } });
  let started = 0;
  let running = 0;
  try {
    for await (const event of client.events()) {
      if (event.type === 'offers') {
        for (const offer of event.offers) {
          const placed = pack(offer, Array(n).fill({ cpus: 0.01, memMb: 16 }));
          started = performance.now();
          client.launch([offer.id], placed.map((p, i) => ({
            taskId: `bench-${i}`,
            resources: p.resources,
            command: { value: 'sleep 3600', shell: true },
            container: { type: ContainerType.DOCKER, image: IMAGE },
          })));
        }
      }
      if (event.type === 'update' && event.status.state === TaskState.TASK_RUNNING && ++running === n) break;
      if (event.type === 'update' && event.status.state !== TaskState.TASK_RUNNING && event.status.state !== TaskState.TASK_STARTING) {
        throw new Error(`task ${event.status.taskId} ended ${event.status.state}: ${event.status.message}`);
      }
    }
    return performance.now() - started;
  } finally {
    await client.close();
    await agent.stop({ killTasks: false });
    await master.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Raw dockerode with the same container options and the same concurrency (all at once). */
async function viaDockerode(docker: Docker, n: number): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    const c = await docker.createContainer({
      Image: IMAGE,
      Cmd: ['/bin/sh', '-c', 'sleep 3600'],
      Labels: { [LABEL]: 'raw' },
      name: `berth-bench-raw-${i}`,
      HostConfig: { NetworkMode: 'host', NanoCpus: 0.01 * 1e9, Memory: 16 * 2 ** 20, MemorySwap: 16 * 2 ** 20 },
    });
    await c.start();
  }));
  return performance.now() - started;
}

/** Docker Swarm: a host-network service with N replicas, timed until all N tasks run. */
async function viaSwarm(n: number): Promise<number> {
  const name = 'berth-bench-swarm';
  await run$('docker', ['service', 'rm', name]).catch(() => undefined);
  const started = performance.now();
  await run$('docker', ['service', 'create', '--detach', '--no-resolve-image', '--name', name, '--network', 'host',
    '--replicas', String(n), '--limit-cpu', '0.01', '--limit-memory', '16m', IMAGE, 'sleep', '3600']);
  try {
    for (;;) {
      const { stdout } = await run$('docker', ['service', 'ps', name, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}']);
      if (stdout.split('\n').filter((l) => l.startsWith('Running')).length >= n) return performance.now() - started;
      if (performance.now() - started > 300_000) throw new Error(`swarm did not run ${n} replicas in 300 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await run$('docker', ['service', 'rm', name]).catch(() => undefined);
  }
}

async function waitGone(docker: Docker): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const left = await docker.listContainers({ all: true, filters: { label: ['com.docker.swarm.service.name=berth-bench-swarm'] } });
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function run(options: Partial<DockerLaunchOptions> = {}): Promise<BenchReport> {
  const o = { ...defaults, ...options };
  const docker = new Docker();
  await docker.ping();
  await docker.getImage(IMAGE).inspect().catch(() => {
    throw new Error(`image ${IMAGE} is missing: run scripts/busybox-image.sh (or .ci/setup) first`);
  });
  const times: Record<'berth' | 'dockerode' | 'swarm', number[]> = { berth: [], dockerode: [], swarm: [] };
  const notes: string[] = [];
  let swarm = o.swarm;
  if (swarm) {
    try {
      await ensureSwarm();
    } catch (err) {
      swarm = false;
      notes.push(`Docker Swarm could not start here (${(err as Error).message.split('\n')[0]}); its column is empty`);
    }
  }
  await removeBenchContainers(docker);
  for (let r = 0; r < o.runs; r++) {
    process.stderr.write(`docker-launch: run ${r + 1} of ${o.runs} (${o.containers} containers each)...\n`);
    times.dockerode.push(await viaDockerode(docker, o.containers));
    await removeBenchContainers(docker);
    times.berth.push(await viaBerth(o.containers));
    await removeBenchContainers(docker);
    if (swarm) {
      times.swarm.push(await viaSwarm(o.containers));
      await waitGone(docker);
    }
  }
  const med = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);
  const ratioBerthRaw = med(times.berth.map((b, i) => b / (times.dockerode[i] as number)));
  const ratioSwarmBerth = swarm ? med(times.swarm.map((s, i) => s / (times.berth[i] as number))) : NaN;
  const row = (name: string, xs: number[]): (string | number)[] =>
    xs.length ? [name, med(xs) / 1000, Math.min(...xs) / 1000, Math.max(...xs) / 1000, o.containers / (med(xs) / 1000)] : [name, NaN, NaN, NaN, NaN];
  return {
    bench: 'docker-launch',
    title: `${o.containers} busybox containers to RUNNING on one engine, ${o.runs} runs each, alternating`,
    columns: ['launcher', 'median s', 'min s', 'max s', 'containers/s'],
    rows: [row('berth (framework->master->agent->docker)', times.berth), row('raw dockerode, all at once', times.dockerode), row('docker swarm service --replicas', times.swarm)],
    results: {
      containers: o.containers,
      runs: o.runs,
      seconds: { berth: times.berth.map((x) => x / 1000), dockerode: times.dockerode.map((x) => x / 1000), swarm: times.swarm.map((x) => x / 1000) },
      ratios: { berthOverDockerode: ratioBerthRaw, swarmOverBerth: ratioSwarmBerth },
    },
    targets: [
      { name: 'berth time / raw dockerode time (median of pairs)', value: ratioBerthRaw, unit: 'x', op: '<=', target: 1.2 },
      ...(swarm ? [{ name: 'swarm time / berth time (median of pairs)', value: ratioSwarmBerth, unit: 'x', op: '>=' as const, target: 5 }] : []),
    ],
    notes,
  };
}
