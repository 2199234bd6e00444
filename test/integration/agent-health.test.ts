// Health checks end to end on a real agent (scripted master): HTTP, TCP and command checks on
// Docker containers (host networking; command checks through docker exec) and command checks on
// the process runtime. Health changes arrive as RUNNING updates with `health` set.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { pino } from 'pino';
import { Agent, DockerRuntime, ProcessRuntime, type ContainerRuntime } from '../../agent/index.js';
import { ContainerType, HealthCheckType, resources, TaskState, type HealthCheck, type TaskInfo, type TaskStatus } from '../../protocol/index.js';
import { BUSYBOX_IMAGE, cleanUpAgentContainers, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';
import { FakeMaster } from '../helpers/fake-master.js';
import { until } from '../helpers/poll.js';

const HEALTHY = 1;
const UNHEALTHY = 2;
// Generous slack for a loaded 2-core machine (container start, docker exec).
const SLACK_MS = 4_000;

async function setup(t: Test, runtime: ContainerRuntime, agentId: string): Promise<FakeMaster> {
  const master = await FakeMaster.start(t);
  master.agentId = agentId;
  const workDir = await mkdtemp(path.join(tmpdir(), 'berth-health-'));
  const agent = new Agent({
    masterUrl: master.url,
    runtime,
    log: pino({ level: process.env.BERTH_TEST_LOG ?? 'silent' }),
    resources: resources.normalize({ cpus: 2, memMb: 1024, ports: [{ begin: 32700, end: 32799 }] }),
    workDir,
    statusRetry: { initialMs: 100, maxMs: 500 },
  });
  t.teardown(async () => {
    await agent.stop({ killTasks: true, flushTimeoutMs: 200 });
    await rm(workDir, { recursive: true, force: true });
  });
  agent.start();
  await agent.whenRegistered();
  return master;
}

function withCheck(taskId: string, cmd: string, check: HealthCheck, docker: boolean, ports: number[] = []): TaskInfo {
  return {
    taskId,
    resources: { cpus: 0.1, memMb: 32, ports: ports.map((p) => ({ begin: p, end: p })) },
    command: { value: cmd, shell: true },
    ...(docker ? { container: { type: ContainerType.DOCKER, image: BUSYBOX_IMAGE } } : {}),
    healthCheck: { intervalMs: 300, timeoutMs: 1_000, consecutiveFailures: 2, ...check },
  };
}

const healthOf = (master: FakeMaster, taskId: string, health: number): TaskStatus | undefined =>
  master.updates(taskId).find((u) => u.state === TaskState.TASK_RUNNING && u.health === health);

/** Waits for the health report, and checks it came within the bound the schedule promises. */
async function expectHealth(t: Test, master: FakeMaster, taskId: string, health: number, boundMs: number): Promise<TaskStatus> {
  const running = await until(`${taskId} RUNNING`, () => master.updates(taskId).find((u) => u.state === TaskState.TASK_RUNNING), 30_000);
  const report = await until(`${taskId} health ${health}`, () => healthOf(master, taskId, health), boundMs + SLACK_MS + 10_000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; updates: ${master.updates(taskId).map((u) => `${u.state}/${u.health}: ${u.message}`).join(' | ')}`);
  });
  const tookMs = (report.timestampMs ?? 0) - (running.timestampMs ?? 0);
  t.ok(tookMs <= boundMs + SLACK_MS, `${taskId}: reported within ${boundMs} ms (+${SLACK_MS} slack): ${tookMs} ms`);
  t.equal(report.reason, 'HEALTH_CHECK');
  return report;
}

t.test('docker: HTTP, TCP and command checks', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const agentId = `agent-health-${process.pid}`;
  cleanUpAgentContainers(t, agentId);
  const master = await setup(t, new DockerRuntime(), agentId);
  const httpd = 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 127.0.0.1:$PORT0 -h /www';
  const run = (task: TaskInfo): void => master.send({ runTask: { frameworkId: 'fw', task } });
  // interval 300 ms x 2 failures (+ a timeout of 1000 ms for the last probe).
  const boundMs = 300 * 2 + 1_000;

  run(withCheck('http-ok', httpd, { type: HealthCheckType.HTTP, portIndex: 0, path: '/' }, true, [32701]));
  run(withCheck('http-bad', httpd, { type: HealthCheckType.HTTP, portIndex: 0, path: '/missing' }, true, [32702]));
  run(withCheck('tcp-ok', httpd, { type: HealthCheckType.TCP, portIndex: 0 }, true, [32703]));
  run(withCheck('tcp-bad', httpd, { type: HealthCheckType.TCP, portIndex: 1 }, true, [32704, 32705]));
  run(withCheck('cmd-ok', 'touch /ready; exec sleep 600', { type: HealthCheckType.COMMAND, command: { value: 'test -f /ready', shell: true } }, true));
  run(withCheck('cmd-bad', 'exec sleep 600', { type: HealthCheckType.COMMAND, command: { value: 'echo not ready; exit 1', shell: true } }, true));

  // httpd takes a moment to listen: the passing checks may fail first, then turn healthy.
  await expectHealth(t, master, 'http-ok', HEALTHY, boundMs);
  const http = await expectHealth(t, master, 'http-bad', UNHEALTHY, boundMs);
  t.match(http.message, /404/, `says what failed: ${http.message ?? ''}`);
  await expectHealth(t, master, 'tcp-ok', HEALTHY, boundMs);
  const tcp = await expectHealth(t, master, 'tcp-bad', UNHEALTHY, boundMs);
  t.match(tcp.message, /32705/, tcp.message ?? '');
  await expectHealth(t, master, 'cmd-ok', HEALTHY, boundMs);
  const cmd = await expectHealth(t, master, 'cmd-bad', UNHEALTHY, boundMs);
  t.match(cmd.message, /exited with 1: not ready/, cmd.message ?? '');
  t.notOk(healthOf(master, 'http-bad', HEALTHY), 'a failing check never reports healthy');
  t.equal(master.updates('http-ok').filter((u) => u.health === HEALTHY).length, 1, 'only changes are reported');
});

t.test('process: a command check turns healthy, then unhealthy when the task breaks', async (t) => {
  const master = await setup(t, new ProcessRuntime(), 'agent-health-process');
  master.send({
    runTask: {
      frameworkId: 'fw',
      // Ready for 2 s, then broken.
      task: withCheck('flip', 'touch ready; sleep 2; rm ready; exec sleep 600', { type: HealthCheckType.COMMAND, command: { value: 'test -f ready', shell: true } }, false),
    },
  });
  await expectHealth(t, master, 'flip', HEALTHY, 300 * 2 + 1_000);
  const bad = await until('unhealthy', () => healthOf(master, 'flip', UNHEALTHY), 15_000);
  t.match(bad.message, /unhealthy after 2 consecutive failed checks/);
  const healthy = healthOf(master, 'flip', HEALTHY);
  t.ok((bad.timestampMs ?? 0) - (healthy?.timestampMs ?? 0) <= 2_000 + 300 * 2 + 1_000 + SLACK_MS, 'within the break + interval x failures');
});
