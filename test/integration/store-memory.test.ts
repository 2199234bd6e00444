// The ClusterStore contract against MemoryStore, in memory only and snapshotted to a dataDir.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { MemoryStore } from '../../master/store/index.js';
import { checkEarlierRecords, EARLIER_RECORDS, elect, sampleState, storeContract } from './store-contract.js';

void t.test('MemoryStore', async (t) => {
  storeContract(t, async (t) => {
    const store = await MemoryStore.open();
    t.teardown(() => store.close());
    // In one process every master shares the one store object.
    return { store, peer: async () => store, withAuditLimit: (auditLimit) => MemoryStore.open({ auditLimit }) };
  });
});

void t.test('MemoryStore with a dataDir', async (t) => {
  storeContract(t, async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'berth-memstore-'));
    const opened: MemoryStore[] = [];
    const open = async (): Promise<MemoryStore> => {
      const s = await MemoryStore.open({ dataDir });
      opened.push(s);
      return s;
    };
    t.teardown(async () => {
      for (const s of opened) await s.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    const store = await open();
    const withAuditLimit = async (auditLimit: number): Promise<MemoryStore> => {
      const own = await mkdtemp(join(tmpdir(), 'berth-memstore-'));
      t.teardown(() => rm(own, { recursive: true, force: true }));
      const s = await MemoryStore.open({ dataDir: own, auditLimit });
      opened.push(s);
      return s;
    };
    return { store, peer: async () => store, reopen: open, withAuditLimit };
  });
});

void t.test('the snapshot is on disk before apply resolves', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-memstore-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const store = await MemoryStore.open({ dataDir });
  t.teardown(() => store.close());
  const { epoch } = await elect(t, store, 'a');
  const { tasks } = sampleState();
  // Concurrent applies share snapshot writes; each still resolves only once its change is on disk.
  await Promise.all(
    tasks.map(async (task) => {
      await store.apply(epoch, [{ type: 'task.put', task }]);
      const onDisk = JSON.parse(await readFile(join(dataDir, 'state.json'), 'utf8')) as { tasks: { taskId: string }[] };
      t.ok(onDisk.tasks.some((x) => x.taskId === task.taskId), `${task.taskId} is on disk when acknowledged`);
    }),
  );
});

void t.test('a snapshot written by the previous version loads, its records completed', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-memstore-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const { agent, framework, task } = EARLIER_RECORDS;
  await writeFile(join(dataDir, 'state.json'), JSON.stringify({ version: 1, epoch: 3, agents: [agent], frameworks: [framework], tasks: [task] }));
  const store = await MemoryStore.open({ dataDir });
  t.teardown(() => store.close());
  checkEarlierRecords(t, await store.load());
});

void t.test("a status change that carries the master's cut spec replaces the launch intent's whole one", async (t) => {
  const store = await MemoryStore.open();
  t.teardown(() => store.close());
  const { epoch } = await elect(t, store, 'a');
  const [task] = sampleState().tasks;
  if (!task) throw new Error('no sample task');
  const whole = { ...task.info, command: { ...task.info.command, environment: { SECRET_SAUCE: 'x'.repeat(2_000) } } };
  await store.apply(epoch, [{ type: 'task.put', task: { ...task, info: whole } }]);
  const cut = { ...task.info, command: { ...task.info.command, environment: {} } };
  await store.apply(epoch, [{ type: 'task.status', taskId: task.taskId, status: task.status, appliedUuids: ['u1'], info: cut }]);
  const [loaded] = (await store.load()).tasks;
  t.same(loaded?.info.command.environment, {}, 'the cut spec is what the store holds now');
  t.same(loaded?.appliedUuids, ['u1']);
  // Without one (an older caller), the stored spec stays.
  await store.apply(epoch, [{ type: 'task.put', task: { ...task, info: whole } }, { type: 'task.status', taskId: task.taskId, status: task.status, appliedUuids: ['u2'] }]);
  t.same((await store.load()).tasks[0]?.info.command.environment, { SECRET_SAUCE: 'x'.repeat(2_000) });
});
