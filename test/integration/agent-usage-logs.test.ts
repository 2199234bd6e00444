// Usage reports and log streaming over the agent protocol, against a scripted master: usage of
// running tasks and of the host with memory pressure; logs of running and finished tasks, tail,
// follow until the task ends, cancel, unknown tasks, frame sizes, and a dropped connection.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { pino } from 'pino';
import { Agent, DockerRuntime, MAX_FRAME_LINE_BYTES, ProcessRuntime, type AgentOptions, type ContainerRuntime } from '../../agent/index.js';
import { ContainerType, resources, TaskState, type TaskInfo } from '../../protocol/index.js';
import { BUSYBOX_IMAGE, cleanUpAgentContainers, dockerClient, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';
import { FakeMaster } from '../helpers/fake-master.js';
import { until } from '../helpers/poll.js';

async function setup(t: Test, runtime: ContainerRuntime, agentId: string, extra: Partial<AgentOptions> = {}): Promise<{ master: FakeMaster; agent: Agent }> {
  const master = await FakeMaster.start(t);
  master.agentId = agentId;
  const workDir = await mkdtemp(path.join(tmpdir(), 'berth-usage-logs-'));
  const agent = new Agent({
    masterUrl: master.url,
    runtime,
    log: pino({ level: process.env.BERTH_TEST_LOG ?? 'silent' }),
    resources: resources.normalize({ cpus: 2, memMb: 1024 }),
    workDir,
    statusRetry: { initialMs: 100, maxMs: 500 },
    reconnect: { initialMs: 50, maxMs: 200 },
    ...extra,
  });
  t.teardown(async () => {
    await agent.stop({ killTasks: true, flushTimeoutMs: 200 });
    await rm(workDir, { recursive: true, force: true });
  });
  agent.start();
  await agent.whenRegistered();
  return { master, agent };
}

function docker(taskId: string, cmd: string): TaskInfo {
  return { taskId, resources: { cpus: 0.2, memMb: 64 }, command: { value: cmd, shell: true }, container: { type: ContainerType.DOCKER, image: BUSYBOX_IMAGE } };
}

/** Every line a request got, and whether its last frame said eof. */
function linesOf(master: FakeMaster, requestId: string): { lines: string[]; eof: boolean; error: string } {
  const frames = master.logLines(requestId);
  return {
    lines: frames.flatMap((f) => f.lines ?? []),
    eof: frames.some((f) => f.eof),
    error: frames.map((f) => f.error ?? '').join(''),
  };
}

t.test('docker: usage reports and logs', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const agentId = `agent-usage-logs-${process.pid}`;
  cleanUpAgentContainers(t, agentId);
  // Any memory use at all counts as pressure here, so the report must say so.
  const { master, agent } = await setup(t, new DockerRuntime(), agentId, { usageIntervalMs: 300, memoryPressureFraction: 1e-9 });
  const run = (task: TaskInfo): void => master.send({ runTask: { frameworkId: 'fw', task } });
  const running = (taskId: string): Promise<unknown> => until(`${taskId} RUNNING`, () => master.updates(taskId).find((u) => u.state === TaskState.TASK_RUNNING), 30_000);

  run(docker('ticker', 'i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.2; done'));
  run(docker('done', 'echo hello; echo world'));
  run(docker('short', 'echo first; sleep 1; echo last'));
  run(docker('chatty', 'i=0; while [ $i -lt 3000 ]; do echo "line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); done; exec sleep 600'));
  await running('ticker');

  t.test('usage of the running tasks and of the host arrives, with the pressure and its reason', async (t) => {
    const usage = await until('a usage report with the ticker', () => master.usages().find((u) => u.tasks?.some((x) => x.taskId === 'ticker' && (x.usage?.memBytes ?? 0) > 0)), 15_000);
    t.ok((usage.agent?.memBytes ?? 0) > 0, 'the host\'s memory use');
    t.ok((usage.agent?.atMs ?? 0) > 0);
    t.equal(usage.underPressure, true);
    t.match(usage.pressureReason, /tasks use .* of the 1024 MiB advertised/);
  });

  t.test('logs of a finished task can still be read', async (t) => {
    await until('done retired', () => agent.finishedTasks().some((f) => f.taskId === 'done'), 30_000);
    master.send({ readLogs: { requestId: 'r-done', taskId: 'done', follow: false } });
    await until('eof', () => linesOf(master, 'r-done').eof);
    t.same(linesOf(master, 'r-done').lines, ['hello', 'world']);
  });

  t.test('logs of a running task, with a tail', async (t) => {
    await until('a few ticks', async () => (await collectTicks(agent)) >= 3);
    master.send({ readLogs: { requestId: 'r-tail', taskId: 'ticker', follow: false, tail: 2 } });
    await until('eof', () => linesOf(master, 'r-tail').eof);
    const got = linesOf(master, 'r-tail');
    t.equal(got.lines.length, 2, `the last two lines: ${got.lines.join(', ')}`);
    t.ok(got.lines.every((l) => /^tick-\d+$/.test(l)));
  });

  t.test('follow streams new lines until cancelled', async (t) => {
    master.send({ readLogs: { requestId: 'r-follow', taskId: 'ticker', follow: true } });
    const first = await until('some lines', () => (linesOf(master, 'r-follow').lines.length > 0 ? linesOf(master, 'r-follow').lines.length : undefined), 10_000);
    await until('new lines keep coming', () => linesOf(master, 'r-follow').lines.length >= first + 3, 10_000);
    t.ok(master.logLines('r-follow').length >= 2, 'in several frames');
    t.notOk(linesOf(master, 'r-follow').eof, 'no eof while following');
    master.send({ cancelLogs: { requestId: 'r-follow' } });
    await until('eof after the cancel', () => linesOf(master, 'r-follow').eof);
    await until('stream closed', () => agent.activeLogStreams === 0);
    const lines = linesOf(master, 'r-follow').lines;
    const numbers = lines.map((l) => Number(l.replace('tick-', '')));
    t.same(numbers, numbers.map((_, i) => (numbers[0] ?? 0) + i), 'in order, none lost or repeated');
  });

  t.test('follow ends with eof when the task ends', async (t) => {
    master.send({ readLogs: { requestId: 'r-short', taskId: 'short', follow: true } });
    await until('eof', () => linesOf(master, 'r-short').eof, 15_000);
    t.same(linesOf(master, 'r-short').lines, ['first', 'last']);
  });

  t.test('frames stay under 64 KiB', async (t) => {
    await running('chatty');
    await until('chatty wrote everything', async () => {
      master.send({ readLogs: { requestId: 'r-count', taskId: 'chatty', follow: false, tail: 1 } });
      await until('eof', () => linesOf(master, 'r-count').eof);
      const last = linesOf(master, 'r-count').lines.at(-1) ?? '';
      master.connections.forEach((c) => (c.calls = c.calls.filter((x) => x.logLines?.requestId !== 'r-count')));
      return last.startsWith('line 2999');
    }, 15_000);
    master.send({ readLogs: { requestId: 'r-big', taskId: 'chatty', follow: false } });
    await until('eof', () => linesOf(master, 'r-big').eof, 15_000);
    const frames = master.logLines('r-big');
    t.equal(linesOf(master, 'r-big').lines.length, 3000, 'every line');
    t.ok(frames.length > 1, `split into ${frames.length} frames`);
    const biggest = Math.max(...frames.map((f) => (f.lines ?? []).reduce((n, l) => n + Buffer.byteLength(l) + 4, 0)));
    t.ok(biggest <= MAX_FRAME_LINE_BYTES, `largest frame holds ${biggest} bytes of lines`);
  });

  t.test('an unknown task gets an error', async (t) => {
    master.send({ readLogs: { requestId: 'r-none', taskId: 'no-such-task', follow: true } });
    await until('answer', () => linesOf(master, 'r-none').eof);
    t.match(linesOf(master, 'r-none').error, /no task no-such-task/);
  });

  t.test('a dropped connection ends the streams', async (t) => {
    master.send({ readLogs: { requestId: 'r-drop', taskId: 'ticker', follow: true } });
    await until('streaming', () => linesOf(master, 'r-drop').lines.length > 0);
    t.equal(agent.activeLogStreams, 1);
    master.current?.channel.close(4000, 'test cut');
    await until('stream closed', () => agent.activeLogStreams === 0);
    await agent.whenRegistered();
  });
});

t.test('docker: an agent leaving with killTasks removes the finished containers it kept for their logs', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const agentId = `agent-leaving-${process.pid}`;
  cleanUpAgentContainers(t, agentId);
  const { master, agent } = await setup(t, new DockerRuntime(), agentId);
  master.send({ runTask: { frameworkId: 'fw', task: docker('kept', 'echo bye') } });
  await until('retired', () => agent.finishedTasks().some((f) => f.taskId === 'kept'), 30_000);
  const containerId = agent.finishedTasks()[0]?.containerId ?? '';
  const exists = (): Promise<boolean> => dockerClient().getContainer(containerId).inspect().then(() => true, () => false);
  t.ok(await exists(), 'kept after the ack');
  await agent.stop({ killTasks: true });
  t.notOk(await exists(), 'removed when the agent left');
});

/** How many ticks the ticker has written (read straight from the runtime). */
async function collectTicks(agent: Agent): Promise<number> {
  const id = agent.tasks().find((x) => x.taskId === 'ticker')?.containerId ?? '';
  let n = 0;
  for await (const _ of agent.runtime.logs(id, { follow: false })) n++;
  return n;
}

t.test('process: logs of a finished task, and usage only while registered', async (t) => {
  const { master, agent } = await setup(t, new ProcessRuntime(), 'agent-logs-process', { usageIntervalMs: 200 });
  master.send({ runTask: { frameworkId: 'fw', task: { taskId: 'p-done', command: { value: 'echo out; echo err >&2', shell: true }, resources: { cpus: 0.1, memMb: 32 } } } });
  await until('retired', () => agent.finishedTasks().some((f) => f.taskId === 'p-done'), 15_000);
  master.send({ readLogs: { requestId: 'p1', taskId: 'p-done', follow: false } });
  await until('eof', () => linesOf(master, 'p1').eof);
  t.same(linesOf(master, 'p1').lines.sort(), ['err', 'out']);
  await until('usage reports', () => master.usages().length >= 2);
  const usage = master.usages().at(-1);
  t.equal(usage?.underPressure ?? false, false, `no pressure: ${usage?.pressureReason ?? ''}`);
});
