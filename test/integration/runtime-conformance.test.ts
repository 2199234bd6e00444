// One behaviour suite for every real ContainerRuntime (Docker and process), plus the checks that
// only make sense for Docker (limits, idempotent names, policy).
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resources } from '../../protocol/index.js';
import { ContainerPolicyError, DockerRuntime, ProcessRuntime } from '../../agent/index.js';
import type { ContainerRuntime, ContainerSummary, LaunchSpec } from '../../agent/index.js';
import { BUSYBOX_IMAGE, cleanUpAgentContainers, dockerClient, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';

interface Impl {
  name: string;
  needsDocker: boolean;
  make(): ContainerRuntime;
}

const impls: Impl[] = [
  { name: 'process', needsDocker: false, make: () => new ProcessRuntime({ logPollMs: 50 }) },
  { name: 'docker', needsDocker: true, make: () => new DockerRuntime() },
];

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of lines) out.push(l);
  return out;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 15_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const impl of impls) {
  t.test(`${impl.name} runtime`, async (t) => {
    if (impl.needsDocker) {
      if (!(await requireDocker(t))) return;
      await ensureBusyboxImage();
    }
    const runtime = impl.make();
    const agentId = `conf-${randomUUID().slice(0, 8)}`;
    const root = await mkdtemp(path.join(tmpdir(), 'berth-conformance-'));
    const launched: ContainerSummary[] = [];
    if (impl.needsDocker) cleanUpAgentContainers(t, agentId);
    t.teardown(async () => {
      for (const c of launched) await runtime.remove(c.id).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    });

    const spec = (taskId: string, command: string, extra: Partial<LaunchSpec> = {}): LaunchSpec => ({
      taskId,
      frameworkId: 'fw-conformance',
      agentId,
      image: BUSYBOX_IMAGE,
      command: { value: command, shell: true, arguments: [] },
      environment: {},
      resources: resources.normalize({ cpus: 0.5, memMb: 64 }),
      ports: [],
      labels: {},
      sandboxDir: path.join(root, taskId),
      ...extra,
    });
    const launch = async (s: LaunchSpec): Promise<ContainerSummary> => {
      const c = await runtime.launch(s);
      launched.push(c);
      return c;
    };

    t.test('a task that echoes exits 0 and its output is in the logs', async (t) => {
      const c = await launch(spec('echo', 'echo hi; echo oops >&2'));
      const exit = await runtime.wait(c.id);
      t.equal(exit.exitCode, 0);
      t.equal(exit.oomKilled, false);
      const lines = await collect(runtime.logs(c.id, { follow: false }));
      t.ok(lines.includes('hi'), `stdout line in ${JSON.stringify(lines)}`);
      t.ok(lines.includes('oops'), `stderr line in ${JSON.stringify(lines)}`);
      const after = await runtime.inspect(c.id);
      t.equal(after?.running, false);
      t.equal(after?.exit?.exitCode, 0);
    });

    t.test('a non-zero exit code is reported', async (t) => {
      const c = await launch(spec('exit3', 'exit 3'));
      t.equal((await runtime.wait(c.id)).exitCode, 3);
    });

    t.test('a task trapping SIGTERM ends on its own within the grace period', async (t) => {
      const c = await launch(spec('trap', 'trap "echo bye; exit 0" TERM; echo ready; while true; do sleep 0.1; done'));
      await until('ready', async () => ((await collect(runtime.logs(c.id, { follow: false }))).includes('ready') ? true : undefined));
      await runtime.kill(c.id, 30_000);
      const exit = await runtime.wait(c.id);
      t.equal(exit.exitCode, 0, 'the trap ran and exited 0, so no SIGKILL was needed');
      t.ok((await collect(runtime.logs(c.id, { follow: false }))).includes('bye'));
    });

    t.test('a task ignoring SIGTERM is SIGKILLed after the grace period', async (t) => {
      const c = await launch(spec('stubborn', 'trap "" TERM; echo ready; while true; do sleep 0.1; done'));
      await until('ready', async () => ((await collect(runtime.logs(c.id, { follow: false }))).includes('ready') ? true : undefined));
      await runtime.kill(c.id, 300);
      const exit = await runtime.wait(c.id);
      if (impl.name === 'docker') t.equal(exit.exitCode, 137, '128 + SIGKILL');
      else t.equal(exit.signal, 'SIGKILL');
      t.equal((await runtime.inspect(c.id))?.running, false);
    });

    t.test('PORT0..n and PORTS are in the environment', async (t) => {
      const c = await launch(spec('ports', 'echo "p0=$PORT0 p1=$PORT1 all=$PORTS id=$BERTH_TASK_ID"', { ports: [31001, 31007] }));
      await runtime.wait(c.id);
      const lines = await collect(runtime.logs(c.id, { follow: false }));
      t.ok(lines.includes('p0=31001 p1=31007 all=31001,31007 id=ports'), JSON.stringify(lines));
    });

    t.test('list() finds the agent\'s containers by agent id', async (t) => {
      const c = await launch(spec('listed', 'sleep 30'));
      const mine = await runtime.list(agentId);
      const found = mine.find((s) => s.taskId === 'listed');
      t.ok(found, 'found by agent id');
      t.equal(found?.id, c.id);
      t.equal(found?.running, true);
      t.equal(found?.frameworkId, 'fw-conformance');
      t.same(await runtime.list(`${agentId}-other`), [], 'nothing under another agent id');
      await runtime.kill(c.id, 0);
    });

    t.test('logs can be followed and the follow stops on abort', async (t) => {
      const c = await launch(spec('ticker', 'while true; do echo tick; sleep 0.1; done'));
      const abort = new AbortController();
      const seen: string[] = [];
      for await (const line of runtime.logs(c.id, { follow: true, signal: abort.signal })) {
        seen.push(line);
        if (seen.length === 3) abort.abort();
      }
      t.ok(seen.length >= 3 && seen.every((l) => l === 'tick'), JSON.stringify(seen));
      await runtime.kill(c.id, 0);
    });

    t.test('a followed log ends when the task ends', async (t) => {
      const c = await launch(spec('short', 'echo one; sleep 0.3; echo two'));
      const lines = await collect(runtime.logs(c.id, { follow: true }));
      t.same(lines.filter((l) => l === 'one' || l === 'two'), ['one', 'two']);
    });

    t.test('stats of a running task', async (t) => {
      const c = await launch(spec('stats', 'sleep 30'));
      const s = await runtime.stats(c.id);
      t.ok(s, 'a sample');
      t.ok((s?.memBytes ?? -1) >= 0);
      t.ok((s?.cpuPercent ?? -1) >= 0);
      await runtime.kill(c.id, 0);
      t.equal(await runtime.stats(c.id), undefined, 'no sample once it ended');
    });

    t.test('container.user: Docker runs the task as that user; the process runtime refuses, naming why', async (t) => {
      const s = spec('as-user', 'id -u', { container: { privileged: false, volumes: [], capAdd: [], user: '1234' } });
      if (impl.name !== 'docker') {
        await t.rejects(runtime.launch(s), /asks to run as user 1234; the process runtime runs tasks as the agent's own user/);
        return;
      }
      const c = await launch(s);
      t.equal((await runtime.wait(c.id)).exitCode, 0);
      t.same(await collect(runtime.logs(c.id, { follow: false })), ['1234']);
    });

    if (impl.name !== 'docker') return;
    const docker = dockerClient();

    t.test('memory, swap, NanoCpus, pids limit, host network and labels are set', async (t) => {
      const c = await launch(spec('limits', 'sleep 30', { resources: resources.normalize({ cpus: 0.25, memMb: 48 }) }));
      const info = await docker.getContainer(c.id).inspect();
      t.equal(info.HostConfig.Memory, 48 * 1024 * 1024);
      t.equal(info.HostConfig.MemorySwap, 48 * 1024 * 1024);
      t.equal(info.HostConfig.NanoCpus, 250_000_000);
      t.equal(info.HostConfig.PidsLimit, 1024);
      t.equal(info.HostConfig.NetworkMode, 'host');
      t.equal(info.HostConfig.Privileged, false);
      t.equal(info.Config.Labels['berth.task_id'], 'limits');
      t.equal(info.Config.Labels['berth.agent_id'], agentId);
      t.equal(info.Config.Labels['berth.framework_id'], 'fw-conformance');
      t.equal(info.Config.Labels['berth.managed'], 'true');
      await runtime.kill(c.id, 0);
    });

    t.test('launching one task id twice never makes two containers', async (t) => {
      const s = spec('twice', 'sleep 30');
      const [a, b] = await Promise.all([launch(s), launch(s)]);
      const c = await launch(s);
      t.equal(a.id, b.id);
      t.equal(a.id, c.id);
      const found = await docker.listContainers({ all: true, filters: { label: [`berth.agent_id=${agentId}`, 'berth.task_id=twice'] } });
      t.equal(found.length, 1);
      await runtime.kill(a.id, 0);
    });

    t.test('a privileged request is refused by the default policy', async (t) => {
      const s = spec('priv', 'true', { container: { privileged: true, volumes: [], capAdd: [] } });
      await t.rejects(runtime.launch(s), ContainerPolicyError);
      const err = await runtime.launch(s).catch((e: unknown) => e as ContainerPolicyError);
      t.equal((err as ContainerPolicyError).field, 'container.privileged');
      const found = await docker.listContainers({ all: true, filters: { label: [`berth.agent_id=${agentId}`, 'berth.task_id=priv'] } });
      t.equal(found.length, 0, 'no container was created');
    });

    t.test('a docker.sock mount is refused', async (t) => {
      const s = spec('sock', 'true', {
        container: { privileged: false, volumes: [{ hostPath: '/var/run/docker.sock', containerPath: '/sock', readOnly: true }], capAdd: [] },
      });
      await t.rejects(runtime.launch(s), { name: 'ContainerPolicyError', field: 'container.volumes[0].hostPath' });
    });

    t.test('a missing image fails with advice and is never pulled', async (t) => {
      const s = spec('noimage', 'true', { image: `berth-test-missing-${randomUUID().slice(0, 8)}:latest` });
      await t.rejects(runtime.launch(s), /docker load/);
    });
  });
}
