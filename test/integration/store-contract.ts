// The ClusterStore contract: one suite that every implementation must pass (MemoryStore,
// RedisStore). Each test gets a fresh, empty store from the factory (its own prefix or instance).
import type { Test } from 'tap';
import { BerthError, ErrorCode, TaskState } from '../../protocol/index.js';
import type {
  AgentRecord,
  ClusterState,
  ClusterStore,
  FrameworkRecord,
  StateChange,
  TaskRecord,
} from '../../master/store/index.js';
import { decodeAgentInfo, decodeFrameworkInfo, decodeTaskInfo, decodeTaskStatus } from '../../protocol/domain/index.js';
import { auditContract } from './store-audit-contract.js';
import { statusContract } from './store-status-contract.js';

export interface StoreHandle {
  store: ClusterStore;
  /**
   * Another master's view of the same cluster state: a second connection for RedisStore, the same
   * object for an in-process store. The factory closes it in teardown.
   */
  peer(): Promise<ClusterStore>;
  /**
   * Opens the state again as a restarted master would, after `store` was closed; undefined when
   * the implementation keeps nothing across a restart (MemoryStore without a dataDir).
   */
  reopen?: (() => Promise<ClusterStore>) | undefined;
  /** A fresh store of the same kind whose audit log keeps the newest `limit` events. */
  withAuditLimit(limit: number): Promise<ClusterStore>;
}

/** Makes a fresh, empty store for test t (cleaning up in t.teardown), or undefined to skip. */
export type StoreFactory = (t: Test) => Promise<StoreHandle | undefined>;

const LEASE_MS = 10_000;
const SHORT_LEASE_MS = 200;

/** The state without the version a store may report with it (checked on its own below). */
function withoutVersion(state: ClusterState): Omit<ClusterState, 'version'> {
  const { version: _version, ...rest } = state;
  return rest;
}

export function storeContract(t: Test, factory: StoreFactory): void {
  const test = (name: string, body: (t: Test, h: StoreHandle) => Promise<void>): void => {
    void t.test(name, async (t) => {
      const handle = await factory(t);
      if (handle) await body(t, handle);
    });
  };
  auditContract(test);
  statusContract(test);

  test('apply then load round-trips every record kind', async (t, { store }) => {
    const { epoch } = await elect(t, store, 'm1');
    const state = sampleState();
    await store.apply(epoch, [
      ...state.agents.map((agent): StateChange => ({ type: 'agent.put', agent })),
      ...state.frameworks.map((framework): StateChange => ({ type: 'framework.put', framework })),
      ...state.tasks.map((task): StateChange => ({ type: 'task.put', task })),
      ...state.roles.map((role): StateChange => ({ type: 'role.put', role })),
    ]);
    t.same(sorted(await store.load()), sorted(state));
    await store.apply(epoch, [{ type: 'role.delete', name: 'eng' }]);
    t.same((await store.load()).roles.map((r) => r.name), ['analytics'], 'a role is deleted by name');
  });

  test('a put replaces the record and delete removes it; deleting an absent id is a no-op', async (t, { store }) => {
    const { epoch } = await elect(t, store, 'm1');
    const state = sampleState();
    await store.apply(epoch, [
      { type: 'agent.put', agent: state.agents[0]! },
      { type: 'framework.put', framework: state.frameworks[0]! },
      { type: 'task.put', task: state.tasks[0]! },
      { type: 'task.put', task: state.tasks[1]! },
    ]);
    const running: TaskRecord = { ...state.tasks[0]!, status: decodeTaskStatus({ ...state.tasks[0]!.status, state: TaskState.TASK_RUNNING }).value };
    await store.apply(epoch, [
      { type: 'task.put', task: running },
      { type: 'task.delete', taskId: state.tasks[1]!.taskId },
      { type: 'agent.delete', agentId: state.agents[0]!.id },
      { type: 'framework.delete', frameworkId: state.frameworks[0]!.id },
      { type: 'task.delete', taskId: 'never-existed' },
    ]);
    t.same(withoutVersion(await store.load()), { agents: [], frameworks: [], tasks: [running], roles: [], completedTasks: [] });
  });

  test('a store that reports versions names the latest write: loaded, asked alone, and changed by each apply', async (t, { store, peer }) => {
    if (!store.stateVersion) {
      // It is never loaded ahead (master/warm-state.ts), so its loads carry no version either.
      t.equal((await store.load()).version, undefined, 'a store without stateVersion() reports no version in a load');
      return;
    }
    const { epoch } = await elect(t, store, 'm1');
    const before = await store.load();
    t.equal(await store.stateVersion(), before.version, 'asked alone, the same version as the load');
    await store.apply(epoch, [{ type: 'agent.put', agent: sampleState().agents[0]! }]);
    const after = await (await peer()).stateVersion?.();
    t.not(after, before.version, 'a write changes it, as another master sees it');
    t.equal((await store.load()).version, after);
  });

  test('a completed task leaves the live tasks and is kept, oldest first, until deleted; a reopened store has them', async (t, h) => {
    const { store } = h;
    const { epoch } = await elect(t, store, 'm1');
    const [staging, running, failed] = sampleState().tasks as [TaskRecord, TaskRecord, TaskRecord];
    const ended = (x: TaskRecord, atMs: number): TaskRecord => ({ ...x, status: decodeTaskStatus({ ...x.status, state: TaskState.TASK_FINISHED, timestampMs: atMs }).value });
    await store.apply(epoch, [staging, running, failed].map((task): StateChange => ({ type: 'task.put', task })));
    await store.apply(epoch, [{ type: 'task.complete', task: ended(running, 2_000) }]);
    await store.apply(epoch, [{ type: 'task.complete', task: ended(staging, 1_000) }, { type: 'task.complete', task: ended(failed, 3_000) }]);
    let state = await store.load();
    t.same(state.tasks, [], 'no live task is left');
    t.same(state.completedTasks.map((x) => x.taskId), [staging.taskId, running.taskId, failed.taskId], 'completed, oldest first');
    t.same(state.completedTasks[1], ended(running, 2_000), 'each intact');
    await store.apply(epoch, [{ type: 'completed.delete', taskId: staging.taskId }, { type: 'completed.delete', taskId: 'never-existed' }]);
    state = await store.load();
    t.same(state.completedTasks.map((x) => x.taskId), [running.taskId, failed.taskId], 'a deleted one is forgotten');
    if (!h.reopen) return;
    await store.close();
    const reopened = await h.reopen();
    t.same((await reopened.load()).completedTasks.map((x) => x.taskId), [running.taskId, failed.taskId], 'and they survive a restart');
  });

  test('changes in one batch apply in order', async (t, { store }) => {
    const { epoch } = await elect(t, store, 'm1');
    const [task] = sampleState().tasks;
    await store.apply(epoch, [
      { type: 'task.put', task: task! },
      { type: 'task.delete', taskId: task!.taskId },
      { type: 'task.put', task: { ...task!, taskId: 'later' } },
    ]);
    t.same((await store.load()).tasks.map((x) => x.taskId), ['later']);
  });

  test('a fenced batch writes nothing', async (t, { store }) => {
    const { epoch } = await elect(t, store, 'm1');
    const state = sampleState();
    await store.apply(epoch, [{ type: 'agent.put', agent: state.agents[0]! }]);
    const before = await store.load();
    const historyBefore = await store.history(100);
    const batch: StateChange[] = [
      { type: 'agent.delete', agentId: state.agents[0]!.id },
      ...state.tasks.map((task): StateChange => ({ type: 'task.put', task })),
      { type: 'framework.put', framework: state.frameworks[0]! },
    ];
    for (const stale of [epoch - 1, epoch + 1]) {
      await t.rejects(store.apply(stale, batch), { name: 'BerthError', code: ErrorCode.FENCED }, `epoch ${stale} is fenced`);
    }
    await t.rejects(store.apply(epoch - 1, []), { code: ErrorCode.FENCED }, 'an empty batch is fenced too');
    t.same(await store.load(), before, 'load is unchanged');
    t.same(await store.history(100), historyBefore, 'history is unchanged');
  });

  test('the epoch increments on each election and a holder re-campaigning keeps it', async (t, { store }) => {
    const a = { masterId: 'a', url: 'ws://127.0.0.1:1' };
    const b = { masterId: 'b', url: 'ws://127.0.0.1:2' };
    const first = await store.campaign(a, LEASE_MS);
    t.ok(first.elected);
    t.same(first.leader, { ...a, epoch: first.leader!.epoch });
    const again = await store.campaign(a, LEASE_MS);
    t.same(again, first, 'the holder campaigning again extends its lease under the same epoch');
    await store.resign('a', first.leader!.epoch);
    const second = await store.campaign(b, LEASE_MS);
    t.same(second, { elected: true, leader: { ...b, epoch: first.leader!.epoch + 1 } });
    await store.resign('b', second.leader!.epoch);
    const third = await store.campaign(a, LEASE_MS);
    t.same(third, { elected: true, leader: { ...a, epoch: first.leader!.epoch + 2 } });
  });

  test('a second candidate is refused while the lease is held and learns the holder', async (t, h) => {
    const other = await h.peer();
    const first = await h.store.campaign({ masterId: 'a', url: 'ws://127.0.0.1:1' }, LEASE_MS);
    const refused = await other.campaign({ masterId: 'b', url: 'ws://127.0.0.1:2' }, LEASE_MS);
    t.same(refused, { elected: false, leader: first.leader });
    t.same(await other.leader(), first.leader);
    t.same(await h.store.leader(), first.leader);
  });

  test('concurrent candidates: exactly one wins', async (t, h) => {
    const stores = [h.store, ...(await Promise.all(Array.from({ length: 4 }, () => h.peer())))];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        stores[i % stores.length]!.campaign({ masterId: `m${i}`, url: `ws://127.0.0.1:${1000 + i}` }, LEASE_MS),
      ),
    );
    const winners = results.filter((r) => r.elected);
    t.equal(winners.length, 1);
    for (const r of results) t.same(r.leader, winners[0]!.leader, 'everyone learns the same leader');
  });

  test('after the lease expires another candidate is elected and the old leader is fenced', async (t, h) => {
    const other = await h.peer();
    const old = await elect(t, h.store, 'old', SHORT_LEASE_MS);
    t.equal(await h.store.renew('old', old.epoch, SHORT_LEASE_MS), 'held', 'the holder can renew');
    const elected = await eventually(t, async () => {
      const r = await other.campaign({ masterId: 'new', url: 'ws://127.0.0.1:2' }, LEASE_MS);
      return r.elected ? r : undefined;
    });
    t.equal(elected.leader!.epoch, old.epoch + 1);
    t.same(await h.store.leader(), elected.leader, 'everyone sees the new leader');
    await t.rejects(
      h.store.apply(old.epoch, [{ type: 'agent.put', agent: sampleState().agents[0]! }]),
      { code: ErrorCode.FENCED },
    );
    t.equal(await h.store.renew('old', old.epoch, LEASE_MS), 'lost', 'the old leader cannot renew');
    t.same(withoutVersion(await h.store.load()), { agents: [], frameworks: [], tasks: [], roles: [], completedTasks: [] });
    await other.apply(elected.leader!.epoch, [{ type: 'agent.put', agent: sampleState().agents[0]! }]);
    t.equal((await h.store.load()).agents.length, 1, 'the new leader writes');
  });

  test('renew is refused to anyone but the holder under its epoch', async (t, { store }) => {
    const { epoch } = await elect(t, store, 'a');
    t.equal(await store.renew('a', epoch, LEASE_MS), 'held');
    t.equal(await store.renew('a', epoch + 1, LEASE_MS), 'lost');
    t.equal(await store.renew('b', epoch, LEASE_MS), 'lost');
    t.same(await store.leader(), { masterId: 'a', url: 'ws://127.0.0.1/a', epoch });
  });

  test('resign frees the lease, but only for its holder', async (t, h) => {
    const other = await h.peer();
    const { epoch } = await elect(t, h.store, 'a');
    await other.resign('b', epoch);
    await h.store.resign('a', epoch - 1);
    t.same(await other.leader(), { masterId: 'a', url: 'ws://127.0.0.1/a', epoch }, 'others cannot free it');
    await h.store.resign('a', epoch);
    t.equal(await other.leader(), null);
    t.equal(await h.store.renew('a', epoch, LEASE_MS), 'lost', 'a resigned master cannot renew');
    const next = await other.campaign({ masterId: 'b', url: 'ws://127.0.0.1/b' }, LEASE_MS);
    t.same(next, { elected: true, leader: { masterId: 'b', url: 'ws://127.0.0.1/b', epoch: epoch + 1 } });
  });

  test('history returns the changes in order with their epochs', async (t, h) => {
    const other = await h.peer();
    const state = sampleState();
    const first = await elect(t, h.store, 'a');
    const batch1: StateChange[] = [
      { type: 'agent.put', agent: state.agents[0]! },
      { type: 'framework.put', framework: state.frameworks[0]! },
    ];
    const batch2: StateChange[] = [{ type: 'task.put', task: state.tasks[0]! }];
    await h.store.apply(first.epoch, batch1);
    await h.store.apply(first.epoch, batch2);
    await h.store.resign('a', first.epoch);
    const second = await elect(t, other, 'b');
    const batch3: StateChange[] = [
      { type: 'task.delete', taskId: state.tasks[0]!.taskId },
      { type: 'agent.delete', agentId: state.agents[0]!.id },
      { type: 'framework.delete', frameworkId: state.frameworks[0]!.id },
    ];
    await other.apply(second.epoch, batch3);

    const all = await h.store.history(100);
    t.same(
      all.map(({ epoch, change }) => ({ epoch, change })),
      [
        ...[...batch1, ...batch2].map((change) => ({ epoch: first.epoch, change })),
        ...batch3.map((change) => ({ epoch: second.epoch, change })),
      ],
    );
    t.equal(new Set(all.map((e) => e.id)).size, all.length, 'ids are unique');
    t.same(await h.store.history(2), all.slice(-2), 'history(n) is the newest n, oldest first');
    t.same(await h.store.history(0), []);
  });

  test('a reopened store loads what was applied and continues the epoch', async (t, h) => {
    if (!h.reopen) {
      t.plan(0, 'this store keeps nothing across a restart');
      return;
    }
    const { epoch } = await elect(t, h.store, 'a');
    const state = sampleState();
    await h.store.apply(epoch, state.tasks.map((task): StateChange => ({ type: 'task.put', task })));
    await h.store.apply(epoch, [{ type: 'agent.put', agent: state.agents[1]! }]);
    await h.store.close();
    const reopened = await h.reopen();
    t.same(sorted(await reopened.load()), sorted({ agents: [state.agents[1]!], frameworks: [], tasks: state.tasks, roles: [], completedTasks: [] }));
    // The old lease may or may not survive a restart; once it is gone the next election is epoch + 1.
    const next = await eventually(t, async () => {
      const r = await reopened.campaign({ masterId: 'b', url: 'ws://127.0.0.1/b' }, LEASE_MS);
      if (r.elected) return r;
      await reopened.resign('a', epoch);
      return undefined;
    });
    t.equal(next.leader!.epoch, epoch + 1);
  });

  test('a large batch is one atomic apply', async (t, { store }) => {
    const { epoch } = await elect(t, store, 'a');
    const base = sampleState().tasks[0]!;
    const tasks = Array.from({ length: 2_000 }, (_, i) => ({ ...base, taskId: `bulk-${i}` }));
    await store.apply(epoch, tasks.map((task): StateChange => ({ type: 'task.put', task })));
    t.equal((await store.load()).tasks.length, 2_000);
    await t.rejects(store.apply(epoch + 1, tasks.map((x): StateChange => ({ type: 'task.delete', taskId: x.taskId }))), {
      code: ErrorCode.FENCED,
    });
    t.equal((await store.load()).tasks.length, 2_000, 'none of the fenced deletes happened');
  });
}

/** Campaigns and asserts the candidate won. */
export async function elect(t: Test, store: ClusterStore, masterId: string, leaseMs = LEASE_MS): Promise<{ epoch: number }> {
  const result = await store.campaign({ masterId, url: `ws://127.0.0.1/${masterId}` }, leaseMs);
  t.ok(result.elected, `${masterId} is elected`);
  if (!result.elected || !result.leader) throw new BerthError(ErrorCode.INTERNAL, `${masterId} was not elected`);
  return { epoch: result.leader.epoch };
}

/** Polls fn until it returns a value, failing the test after timeoutMs. */
export async function eventually<T>(t: Test, fn: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      t.fail(`condition not met within ${timeoutMs} ms`);
      throw new BerthError(ErrorCode.INTERNAL, 'timed out polling');
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function sorted(state: ClusterState): ClusterState {
  const by = <T>(key: (x: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));
  return {
    agents: [...state.agents].sort(by((a) => a.id)),
    frameworks: [...state.frameworks].sort(by((f) => f.id)),
    tasks: [...state.tasks].sort(by((x) => x.taskId)),
    roles: [...state.roles].sort(by((r) => r.name)),
    completedTasks: state.completedTasks,
  };
}

/** Records that exercise nesting, maps, arrays, unicode and fractional numbers. */
export function sampleState(): ClusterState {
  const agents: AgentRecord[] = [
    {
      id: 'agent-1',
      info: decodeAgentInfo({
        hostname: 'node-1.example',
        resources: { cpus: 3.5, memMb: 8192, diskMb: 100_000, gpus: 0, ports: [{ begin: 31000, end: 32000 }] },
        attributes: { rack: 'r1', zone: 'zürich-ä' },
        bootId: 'boot-1',
        runtime: 'docker',
        version: '0.1.0',
      }).value,
      registeredAtMs: 1_767_225_600_123.5,
      state: 'active',
    },
    {
      id: 'agent-2',
      info: decodeAgentInfo({ hostname: 'node-2', resources: { cpus: 1, memMb: 512 }, attributes: {} }).value,
      registeredAtMs: 1_767_225_600_999,
      state: 'unreachable',
      draining: { deadlineMs: 1_767_229_200_000 },
    },
  ];
  const frameworks: FrameworkRecord[] = [
    {
      id: 'fw-1',
      info: decodeFrameworkInfo({ name: 'services', roles: ['web', 'batch'], failoverTimeoutMs: 60_000, user: 'root', principal: 'svc' }).value,
      registeredAtMs: 1_767_225_601_000,
    },
    {
      id: 'fw-2',
      info: decodeFrameworkInfo({ name: 'batch "nightly"\n', roles: [] }).value,
      registeredAtMs: 1_767_225_602_000,
      disconnectedAtMs: 1_767_225_603_000,
    },
  ];
  const task = (n: number, state: TaskState): TaskRecord => ({
    taskId: `task-${n}`,
    frameworkId: 'fw-1',
    agentId: 'agent-1',
    info: decodeTaskInfo({
      taskId: `task-${n}`,
      name: `web-${n}`,
      agentId: 'agent-1',
      resources: { cpus: 0.25, memMb: 128, ports: [{ begin: 31000 + n, end: 31000 + n }] },
      command: { value: 'echo "hi" && sleep 1', shell: true, environment: { GREETING: 'hi' } },
      killGracePeriodMs: 5_000,
      labels: { app: 'web', emoji: '🚢' },
    }).value,
    status: decodeTaskStatus({ taskId: `task-${n}`, state, agentId: 'agent-1', frameworkId: 'fw-1', uuid: `u-${n}`, timestampMs: 1_767_225_604_000 + n }).value,
    appliedUuids: [`u-${n}`],
    launchedAtMs: 1_767_225_604_000,
    role: 'web',
  });
  const roles = [
    { name: 'eng', weight: 2, quotaGuarantee: { cpus: 4, memMb: 4096, diskMb: 0, gpus: 0, ports: [] } },
    { name: 'analytics', weight: 1, quotaLimit: { cpus: 8, memMb: 0, diskMb: 0, gpus: 0, ports: [] } },
  ];
  return { agents, frameworks, tasks: [task(1, TaskState.TASK_STAGING), task(2, TaskState.TASK_RUNNING), task(3, TaskState.TASK_FAILED)], roles, completedTasks: [] };
}

/**
 * Records as the version before the domain types wrote them: wire messages with the fields they
 * left out missing (no exit code on a FINISHED status, no roles, no container).
 */
export const EARLIER_RECORDS = {
  agent: { id: 'agent-old', info: { hostname: 'h-old', resources: { cpus: 4, memMb: 4096 } }, registeredAtMs: 1, state: 'active' },
  framework: { id: 'fw-old', info: { name: 'old' }, registeredAtMs: 1 },
  task: {
    taskId: 't-old', frameworkId: 'fw-old', agentId: 'agent-old',
    info: { taskId: 't-old', resources: { cpus: 1, memMb: 32 }, command: { value: 'true', shell: true } },
    status: { taskId: 't-old', state: TaskState.TASK_FINISHED, agentId: 'agent-old', frameworkId: 'fw-old', uuid: 'u-old', timestampMs: 5 },
    appliedUuids: ['u-old'], launchedAtMs: 1, role: '*',
  },
};

/** What a store loaded from EARLIER_RECORDS must hold: every field completed by the decoders. */
export function checkEarlierRecords(t: Test, state: ClusterState): void {
  const agent = state.agents.find((a) => a.id === 'agent-old');
  t.same(agent?.info.reservations, [], 'the agent record is completed');
  t.equal(agent?.info.resources.diskMb, 0);
  t.same(state.frameworks.find((f) => f.id === 'fw-old')?.info.roles, ['*'], 'a framework without roles is in the default role');
  const task = state.tasks.find((x) => x.taskId === 't-old');
  t.equal(task?.info.container.image, '', 'the task record is completed');
  t.same(task?.info.command.arguments, []);
  t.equal(task?.status.exitCode, 0, 'a FINISHED status written without its (zero) exit code exited with 0');
  t.equal(task?.status.reason, '');
}
