// The berth half of `npm run bench -- services`: a master, two Docker agents and the services
// framework in this process; a 10-instance busybox httpd service with an HTTP health check. It
// times (1) from `docker kill` of one instance's container until its replacement is RUNNING and
// healthy, and (2) a rolling upgrade of all 10, one at a time (stop first, as Swarm's default),
// until every instance of the new version is healthy and the deployment is over.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { pino } from 'pino';
import { Agent, DockerRuntime } from '../agent/index.js';
import {
  MemoryServicesStore,
  applySpec,
  newServiceState,
  parseServiceDocument,
  startServicesScheduler,
  type ServiceSpec,
  type ServicesRuntime,
} from '../frameworks/services/index.js';
import { MemoryStore, startMaster } from '../master/index.js';
import { resources } from '../protocol/index.js';
import { SERVICES_BENCH, type ServicesBenchResult } from './services-shape.js';
import { sleep } from './cluster-kit.js';

const SERVICE_ID = '/bench/web';
const log = pino({ level: 'silent' });

function spec(version: string): ServiceSpec {
  const b = SERVICES_BENCH;
  const parsed = parseServiceDocument({
    id: SERVICE_ID,
    instances: b.instances,
    container: {
      image: b.image,
      command: 'mkdir -p /www && echo "$BERTH_INSTANCE_ID" > /www/index.html && exec httpd -f -p "$PORT_HTTP" -h /www',
      env: { BENCH_VERSION: version },
    },
    resources: { cpus: 0.05, memMb: 16, ports: [{ name: 'http' }] },
    healthChecks: [{
      protocol: 'HTTP', portName: 'http', path: '/', delaySeconds: 0, intervalSeconds: b.healthIntervalS, timeoutSeconds: b.healthTimeoutS,
      gracePeriodSeconds: 10, maxConsecutiveFailures: b.healthRetries,
    }],
    killGracePeriodSeconds: b.stopGraceS,
    backoff: { initialSeconds: 0, factor: 1, maxSeconds: 0 },
    // One at a time, the old one stopped first: Swarm's --update-parallelism 1 with stop-first.
    upgradeStrategy: { minimumHealthCapacity: (b.instances - 1) / b.instances, maximumOverCapacity: 0 },
  });
  if (!parsed.ok) throw new Error(`bench spec: ${JSON.stringify(parsed.problems)}`);
  return parsed.services[0]!;
}

const healthy = (rt: ServicesRuntime) =>
  rt.view().instances.filter((i) => i.serviceId === SERVICE_ID && i.state === 'running' && i.healthy === true);

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 120_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > deadline) throw new Error(`services bench: no ${what} within ${timeoutMs} ms`);
    await sleep(10);
  }
}

export async function measureBerth(progress: (line: string) => void): Promise<ServicesBenchResult> {
  const b = SERVICES_BENCH;
  const docker = new Docker();
  const master = await startMaster({ host: '127.0.0.1', port: 0, store: await MemoryStore.open(), log, allocationIntervalMs: 100 });
  const root = await mkdtemp(join(tmpdir(), 'berth-bench-services-'));
  const agents: Agent[] = [];
  let runtime: ServicesRuntime | undefined;
  try {
    for (let i = 0; i < 2; i++) {
      const workDir = join(root, `a${i}`);
      const agent = new Agent({
        masterUrl: master.url, runtime: new DockerRuntime(), log, workDir, hostname: `bench-${i + 1}`,
        resources: resources.normalize({ cpus: 2, memMb: 1024, diskMb: 0, ports: [{ begin: 34000 + i * 100, end: 34099 + i * 100 }] }),
        reservations: [],
      });
      agent.start();
      agents.push(agent);
      await agent.whenRegistered();
    }
    const rt = (runtime = await startServicesScheduler({ masterUrl: master.url, store: new MemoryServicesStore(), log, clusterPollMs: 500 }));
    await rt.commit({ put: [newServiceState(spec('1'), Date.now())], remove: [] });
    await waitFor('10 healthy instances', () => healthy(rt).length === b.instances && rt.view().plans.get(SERVICE_ID)?.deployment.status === 'stable');
    progress(`berth: ${b.instances} instances healthy`);

    const selfHealMs: number[] = [];
    for (let round = 0; round < b.selfHealRounds; round++) {
      const victim = healthy(rt)[round % b.instances]!;
      const [container] = await docker.listContainers({ filters: { label: [`berth.task_id=${victim.id}`] } });
      if (!container) throw new Error(`services bench: no container for ${victim.id}`);
      const before = new Set(rt.view().instances.map((i) => i.id));
      const started = performance.now();
      await docker.getContainer(container.Id).kill();
      await waitFor('a healthy replacement', () => healthy(rt).some((i) => !before.has(i.id)) && healthy(rt).length === b.instances);
      selfHealMs.push(performance.now() - started);
      progress(`berth: self-heal ${round + 1}: ${selfHealMs.at(-1)!.toFixed(0)} ms`);
      await waitFor('a stable service', () => rt.view().plans.get(SERVICE_ID)?.deployment.status === 'stable');
    }

    const started = performance.now();
    await rt.exclusive(async () => {
      const state = rt.view().states.get(SERVICE_ID)!;
      await rt.commit({ put: [applySpec(state, spec('2'), Date.now())], remove: [] });
    });
    const target = rt.view().states.get(SERVICE_ID)!.targetVersion;
    await waitFor('the upgrade to finish', () => {
      const next = healthy(rt).filter((i) => i.version === target);
      return next.length === b.instances && rt.view().instances.length === b.instances && rt.view().plans.get(SERVICE_ID)?.deployment.status === 'stable';
    }, 300_000);
    const rollingMs = performance.now() - started;
    progress(`berth: rolling upgrade of ${b.instances}: ${rollingMs.toFixed(0)} ms`);
    return { selfHealMs, rollingMs };
  } finally {
    if (runtime) {
      await runtime.commit({ put: [], remove: [SERVICE_ID] }).catch(() => undefined);
      await runtime.stop();
    }
    await Promise.all(agents.map((a) => a.stop({ killTasks: true })));
    await master.close();
    await rm(root, { recursive: true, force: true });
  }
}
