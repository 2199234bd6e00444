// OOM kills are told apart from other failures while the host is busy: containers that run out of
// memory, one that SIGKILLs itself and one that just fails, started together while two CPU burners
// and a disk writer load the machine. Before the kernel log was asked, the engine's late or lost
// OOM notification made such a run report an OOM kill as a plain exit now and then.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resources } from '../../protocol/index.js';
import { DockerRuntime, type LaunchSpec } from '../../agent/index.js';
import { BUSYBOX_IMAGE, cleanUpAgentContainers, ensureBusyboxImage, requireDocker } from '../helpers/docker.js';

const OOM_TASKS = 6;

/** Two CPU burners and a disk writer, until the test ends. */
function burn(teardown: (fn: () => void) => void, dir: string): void {
  const burners: ChildProcess[] = [
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore', detached: true }),
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore', detached: true }),
    spawn('sh', ['-c', `while :; do dd if=/dev/zero of=${path.join(dir, 'burn')} bs=1M count=64 conv=fsync 2>/dev/null; done`], { stdio: 'ignore', detached: true }),
  ];
  teardown(() => {
    for (const b of burners) if (b.pid) try { process.kill(-b.pid, 'SIGKILL'); } catch { /* already gone */ }
  });
}

t.test('OOM kills are recognised on a loaded host', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const agentId = `oom-${randomUUID().slice(0, 8)}`;
  cleanUpAgentContainers(t, agentId);
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-oom-load-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  burn((fn) => t.teardown(fn), dir);

  const runtime = new DockerRuntime();
  const spec = (taskId: string, command: string, memMb: number): LaunchSpec => ({
    taskId,
    frameworkId: 'fw-oom',
    agentId,
    image: BUSYBOX_IMAGE,
    command: { value: command, shell: true, arguments: [] },
    environment: {},
    resources: resources.normalize({ cpus: 0.2, memMb }),
    ports: [],
    labels: {},
    sandboxDir: path.join(dir, taskId),
  });
  const specs = [
    ...Array.from({ length: OOM_TASKS }, (_, i) => spec(`oom-${i}`, 'dd if=/dev/zero of=/dev/null bs=64M count=1', 16)),
    // SIGKILL from inside, exit 137: not an OOM kill.
    spec('self-kill', 'kill -9 $$', 32),
    // A child OOM-killed under a shell that then exits 3 on its own.
    spec('shell-oom', 'dd if=/dev/zero of=/dev/null bs=64M count=1; exit 3', 16),
    spec('plain-failure', 'exit 1', 32),
  ];
  const exits = await Promise.all(specs.map(async (s) => {
    const c = await runtime.launch(s);
    return [s.taskId, await runtime.wait(c.id)] as const;
  }));
  const got = Object.fromEntries(exits.map(([id, e]) => [id, { exitCode: e.exitCode, oomKilled: e.oomKilled }]));
  for (let i = 0; i < OOM_TASKS; i++) t.same(got[`oom-${i}`], { exitCode: 137, oomKilled: true }, `oom-${i} was OOM-killed`);
  t.same(got['self-kill'], { exitCode: 137, oomKilled: false }, 'a SIGKILL that was not the OOM killer');
  t.same(got['shell-oom'], { exitCode: 3, oomKilled: true }, 'an OOM kill under a shell that exited on its own');
  t.same(got['plain-failure'], { exitCode: 1, oomKilled: false }, 'a plain failure');
});
