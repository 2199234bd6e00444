// The services scheduler on a real master with three Docker agents (distinct hostnames): a busybox
// httpd service is applied through commit(), its instances run healthy and ready, one per host,
// each serving a page that names it; it scales down, and its removal stops every instance.
import t from 'tap';
import {
  MemoryServicesStore,
  applySpec,
  newServiceState,
  parseServiceDocument,
  startServicesScheduler,
  type ServiceSpec,
  type ServicesRuntime,
} from '../../frameworks/services/index.js';
import { testAgent } from '../helpers/cluster.js';
import { BUSYBOX_IMAGE, dockerClient, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';
import { testLogger } from '../helpers/log.js';
import { getState, testMaster } from '../helpers/master.js';
import { until } from '../helpers/poll.js';

function webSpec(instances: number, over: Record<string, unknown> = {}, page = 'instance $BERTH_INSTANCE_ID'): ServiceSpec {
  const parsed = parseServiceDocument({
    id: '/test/web',
    instances,
    container: {
      image: BUSYBOX_IMAGE,
      command: `mkdir -p /www && echo "${page}" > /www/index.html && exec httpd -f -p "$PORT_HTTP" -h /www`,
    },
    resources: { cpus: 0.1, memMb: 32, ports: [{ name: 'http' }] },
    constraints: [{ field: 'hostname', operator: 'UNIQUE' }],
    healthChecks: [{ protocol: 'HTTP', portName: 'http', path: '/', delaySeconds: 0, intervalSeconds: 1, timeoutSeconds: 1, gracePeriodSeconds: 10, maxConsecutiveFailures: 3 }],
    readinessCheck: { portName: 'http', path: '/index.html', intervalSeconds: 1, timeoutSeconds: 1 },
    killGracePeriodSeconds: 1,
    backoff: { initialSeconds: 0.1 },
    ...over,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.services[0]!;
}

function available(runtime: ServicesRuntime) {
  return runtime.view().instances.filter((i) => i.serviceId === '/test/web' && i.state === 'running' && i.healthy === true && i.ready === true);
}

void t.test('a service applied through commit runs, scales down and is removed', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const master = await testMaster(t);
  for (let i = 0; i < 3; i++) {
    await testAgent(t, master.url, 'docker', { hostname: `svc-host-${i + 1}`, attributes: { rack: `r${i % 2}` }, ports: [33000 + i * 100, 33099 + i * 100], cpus: 1, memMb: 512 });
  }
  const runtime = await startServicesScheduler({ masterUrl: master.url, store: new MemoryServicesStore(), log: testLogger(), clusterPollMs: 200 });
  t.teardown(() => runtime.stop());

  await runtime.commit({ put: [newServiceState(webSpec(3), Date.now())], remove: [] });
  const three = await until('3 instances healthy and ready', () => available(runtime).length === 3 && runtime.view().plans.get('/test/web')?.deployment.status === 'stable' && available(runtime), 90_000, 100);
  t.same(new Set(three.map((i) => i.hostname)), new Set(['svc-host-1', 'svc-host-2', 'svc-host-3']), 'one instance per host (UNIQUE hostname)');
  for (const i of three) {
    const page = await (await fetch(`http://127.0.0.1:${i.ports.http}/`)).text();
    t.equal(page.trim(), `instance ${i.id}`, 'each instance serves a page that names it');
  }
  const view = runtime.view();
  t.equal(view.agents.length, 3, 'the cluster poll shows every agent');
  t.equal(view.states.get('/test/web')?.lastGoodVersion, 1, 'the first deployment succeeded');
  t.same(view.heldByRole.get('*'), { cpus: 0.3, memMb: 96, diskMb: 0 });

  const scaled = await runtime.exclusive(async () => {
    const state = runtime.view().states.get('/test/web')!;
    const next = applySpec(state, webSpec(1), Date.now());
    await runtime.commit({ put: [next], remove: [] });
    return next;
  });
  t.equal(scaled.targetVersion, 2);
  await until('scaled down to 1', async () => {
    const tasks = (await getState(master.httpUrl)).tasks.filter((x) => x.state === 'RUNNING');
    return tasks.length === 1 && runtime.view().instances.length === 1 && runtime.view().plans.get('/test/web')?.deployment.status === 'stable';
  }, 60_000, 100);
  t.ok(three.some((i) => i.id === runtime.view().instances[0]!.id), 'scaling down keeps a running instance instead of replacing it');

  await runtime.commit({ put: [], remove: ['/test/web'] });
  await until('every instance gone', async () => (await getState(master.httpUrl)).tasks.length === 0 && runtime.view().instances.length === 0, 60_000, 100);
  t.equal(runtime.view().states.size, 0);
});

void t.test('a health-gated rolling upgrade keeps the floor, and a killed container is replaced', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const master = await testMaster(t);
  for (let i = 0; i < 3; i++) {
    await testAgent(t, master.url, 'docker', { hostname: `up-host-${i + 1}`, ports: [33500 + i * 100, 33599 + i * 100], cpus: 1, memMb: 512 });
  }
  // The backoff's reset (a current instance serving for resetAfterMs) must not fall inside the
  // test however slow the machine: the crash below is counted and looked at.
  const runtime = await startServicesScheduler({ masterUrl: master.url, store: new MemoryServicesStore(), log: testLogger(), clusterPollMs: 200, planner: { resetAfterMs: 3_600_000 } });
  t.teardown(() => runtime.stop());
  const strategy = { upgradeStrategy: { minimumHealthCapacity: 0.6, maximumOverCapacity: 0 } };
  await runtime.commit({ put: [newServiceState(webSpec(3, strategy, 'v1'), Date.now())], remove: [] });
  await until('v1 stable', () => available(runtime).length === 3 && runtime.view().plans.get('/test/web')?.deployment.status === 'stable', 90_000, 100);

  let lowest = Infinity;
  const sampler = setInterval(() => (lowest = Math.min(lowest, available(runtime).length)), 100);
  t.teardown(() => clearInterval(sampler));
  await runtime.exclusive(() => runtime.commit({ put: [applySpec(runtime.view().states.get('/test/web')!, webSpec(3, strategy, 'v2'), Date.now())], remove: [] }));
  await until('v2 stable', () => available(runtime).filter((i) => i.version === 2).length === 3 && runtime.view().plans.get('/test/web')?.deployment.status === 'stable', 120_000, 100);
  clearInterval(sampler);
  t.ok(lowest >= 2, `never fewer than 2 of 3 available during the upgrade (lowest ${lowest})`);
  t.equal(runtime.view().instances.length, 3, 'the old instances are gone');

  const victim = available(runtime)[0]!;
  const [container] = await dockerClient().listContainers({ filters: { label: [`berth.task_id=${victim.id}`] } });
  t.ok(container, 'the instance runs in a container');
  await dockerClient().getContainer(container!.Id).kill();
  const healed = await until('replaced', () => {
    const now = available(runtime);
    return now.length === 3 && !now.some((i) => i.id === victim.id) && runtime.view().plans.get('/test/web')?.deployment.status === 'stable' && now;
  }, 90_000, 100);
  t.equal(healed.length, 3, 'three healthy instances again, the killed one replaced');
  t.equal(runtime.view().states.get('/test/web')?.backoff.consecutiveFailures, 1, 'the crash counted towards restart backoff');
});
