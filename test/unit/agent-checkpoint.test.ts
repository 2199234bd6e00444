// The checkpoint file: a round trip keeps every field, writes never overlap and a save() is
// served by a write that starts after it, a saveSoon() rides on the next write, and an unusable
// file is refused with a clear error.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { pino } from 'pino';
import { Checkpoint, CheckpointError, CHECKPOINT_FILE, type AgentCheckpoint } from '../../agent/index.js';
import { ContainerType, HealthCheckType, TaskState } from '../../protocol/index.js';
import { decodeTaskInfo, decodeTaskStatus } from '../../protocol/domain/index.js';
import { until } from '../helpers/poll.js';

const log = pino({ level: 'silent' });

async function dir(t: Test): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'berth-cp-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

const sample: AgentCheckpoint = {
  agentId: 'agent-1',
  previousAgentId: '',
  bootId: 'boot-1',
  tasks: [
    {
      task: decodeTaskInfo({
        taskId: 't1',
        resources: { cpus: 0.5, memMb: 64, ports: [{ begin: 31000, end: 31001 }] },
        command: { value: 'sleep 1', shell: true, environment: { A: 'b' } },
        container: { type: ContainerType.DOCKER, image: 'busybox:latest' },
        healthCheck: { type: HealthCheckType.TCP, intervalMs: 100, consecutiveFailures: 2 },
        labels: { team: 'x' },
      }).value,
      frameworkId: 'fw-1',
      containerId: 'c1',
      state: TaskState.TASK_KILLING,
      latest: decodeTaskStatus({ taskId: 't1', state: TaskState.TASK_KILLING, uuid: 'u2', health: 1, exitCode: -1 }).value,
      launchedBy: 'agent-1',
      kill: { reason: 'KILLED_BY_FRAMEWORK', gracePeriodMs: 2_000 },
    },
  ],
  pending: [
    decodeTaskStatus({ taskId: 't1', uuid: 'u1', state: TaskState.TASK_RUNNING }).value,
    decodeTaskStatus({ taskId: 't1', uuid: 'u2', state: TaskState.TASK_KILLING }).value,
  ],
  finished: [{ taskId: 't0', frameworkId: 'fw-1', containerId: 'c0', sandboxDir: '/tmp/x', finishedAtMs: 5 }],
};

t.test('a saved checkpoint loads back the same', async (t) => {
  const d = await dir(t);
  t.equal(await Checkpoint.load(d), undefined, 'none yet');
  await new Checkpoint(d, () => sample, log).save();
  const back = await Checkpoint.load(d);
  t.same(back, sample);
  t.same(await readdir(d), [CHECKPOINT_FILE], 'no temporary file left');
});

t.test('a checkpoint written with blocking calls loads back the same', async (t) => {
  const d = await dir(t);
  const cp = new Checkpoint(d, () => sample, log, 'blocking');
  await cp.save();
  await cp.save();
  t.same(await Checkpoint.load(d), sample);
  t.same(await readdir(d), [CHECKPOINT_FILE], 'no temporary file left');
});

t.test('a checkpoint in the wire JSON an earlier agent wrote still loads', async (t) => {
  const d = await dir(t);
  const earlier = {
    version: 1,
    agentId: 'agent-1',
    bootId: 'boot-1',
    tasks: [{
      task: { taskId: 't1', resources: { cpus: 0.5, memMb: 64, ports: [{ begin: 31005, end: 31005 }, { begin: 31001, end: 31001 }] }, command: { value: 'sleep 1', shell: true }, container: { type: 'DOCKER', image: 'busybox:latest' } },
      frameworkId: 'fw-1',
      containerId: 'c1',
      state: TaskState.TASK_RUNNING,
      latest: { taskId: 't1', state: 'TASK_RUNNING', uuid: 'u1', source: 'AGENT', exitCode: -1, health: 1 },
    }],
    pending: [{ taskId: 't2', state: 'TASK_FINISHED', uuid: 'u2', exitCode: 0 }],
    finished: [],
  };
  await writeFile(path.join(d, CHECKPOINT_FILE), JSON.stringify(earlier));
  const back = await Checkpoint.load(d);
  const task = back?.tasks[0]?.task;
  t.equal(task?.container.image, 'busybox:latest');
  t.same(task?.command, { value: 'sleep 1', shell: true, arguments: [], environment: {} }, 'fields it left out are filled');
  t.same(task?.resources.ports, [{ begin: 31005, end: 31005 }, { begin: 31001, end: 31001 }], 'port order kept ($PORT0 stays $PORT0)');
  t.equal(back?.tasks[0]?.latest.health, 1);
  t.equal(back?.tasks[0]?.launchedBy, undefined);
  t.equal(back?.pending[0]?.exitCode, 0);
  t.equal(back?.pending[0]?.state, TaskState.TASK_FINISHED);
});

t.test('saves are coalesced and each is served by a write that started after it', async (t) => {
  const d = await dir(t);
  let version = 0;
  let snapshots = 0;
  const cp = new Checkpoint(d, () => {
    snapshots++;
    return { ...sample, agentId: `v${version}` };
  }, log);
  version = 1;
  const a = cp.save();
  version = 2;
  const b = cp.save();
  const c = cp.save();
  await a;
  t.equal((await Checkpoint.load(d))?.agentId, 'v2', 'the write takes its snapshot when it starts');
  await Promise.all([b, c]);
  t.ok(snapshots <= 2, `three saves, ${snapshots} writes`);
  version = 3;
  await cp.save();
  t.equal((await Checkpoint.load(d))?.agentId, 'v3');
});

t.test('an unusable checkpoint is refused, naming the file', async (t) => {
  const d = await dir(t);
  await writeFile(path.join(d, CHECKPOINT_FILE), '{"version": 99}');
  await t.rejects(Checkpoint.load(d), CheckpointError);
  await t.rejects(Checkpoint.load(d), { message: /checkpoint.json is unusable \(version 99 is not 1\)/ });
  await writeFile(path.join(d, CHECKPOINT_FILE), '{"version": 1, "agentId": "a", "bootId": "b", "tasks": [{"task": {}}], "pending": [], "finished": []}');
  await t.rejects(Checkpoint.load(d), { message: /tasks\[0\]\.task\.taskId is missing/ });
  await writeFile(path.join(d, CHECKPOINT_FILE), 'not json');
  await t.rejects(Checkpoint.load(d), CheckpointError);
});

t.test('a failed write is logged and does not reject', async (t) => {
  const d = await dir(t);
  const file = path.join(d, 'a-file');
  await writeFile(file, '');
  // The work dir is a file: mkdir fails.
  await new Checkpoint(path.join(file, 'sub'), () => sample, log).save();
  t.equal(await readFile(file, 'utf8'), '');
});

t.test('saveSoon() writes on its own, or rides on the next save()', async (t) => {
  const d = await dir(t);
  let agentId = 'first';
  let snapshots = 0;
  const cp = new Checkpoint(d, () => {
    snapshots++;
    return { ...sample, agentId };
  }, log);
  cp.saveSoon();
  cp.saveSoon();
  const first = await until('the lazy write', async () => (await Checkpoint.load(d))?.agentId);
  t.equal(first, 'first', 'a saveSoon() alone is written');
  t.equal(snapshots, 1, 'two saveSoon() calls share one write');

  agentId = 'second';
  cp.saveSoon();
  await cp.save();
  t.equal(snapshots, 2);
  t.equal((await Checkpoint.load(d))?.agentId, 'second', 'the save() carries what the saveSoon() asked for');
});
