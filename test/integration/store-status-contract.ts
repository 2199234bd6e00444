// The status-change part of the ClusterStore contract (run from storeContract): a task.status
// change replaces only the task's status and applied uuids, a put or the task's end supersedes it,
// the history holds it as applied, and another master (or a restarted one) loads the latest.
import type { Test } from 'tap';
import { StatusSource, TaskReason, TaskState } from '../../protocol/index.js';
import { decodeTaskInfo, TaskHealth, type StatusUpdate } from '../../protocol/domain/index.js';
import type { ClusterStore, StateChange, TaskRecord } from '../../master/store/index.js';

export interface StatusHandle {
  store: ClusterStore;
  peer(): Promise<ClusterStore>;
  reopen?: (() => Promise<ClusterStore>) | undefined;
}

function launched(taskId: string): TaskRecord {
  return {
    taskId,
    frameworkId: 'fw-1',
    agentId: 'agent-1',
    info: decodeTaskInfo({ taskId, name: `job "${taskId}"`, agentId: 'agent-1', resources: { cpus: 0.5, memMb: 64, ports: [{ begin: 31000, end: 31001 }] }, command: { value: 'sleep 60', shell: true, environment: { A: 'ä' } }, labels: { app: '🚢' } }).value,
    status: status(taskId, TaskState.TASK_STAGING, 0),
    appliedUuids: [],
    launchedAtMs: 1_767_225_600_000,
    role: 'web',
  };
}

function status(taskId: string, state: TaskState, n: number, more: Partial<StatusUpdate> = {}): StatusUpdate {
  return {
    taskId,
    state,
    reason: '',
    message: '',
    agentId: 'agent-1',
    frameworkId: 'fw-1',
    uuid: n === 0 ? '' : `${taskId}-u${n}`,
    timestampMs: 1_767_225_600_000.5 + n,
    source: n === 0 ? StatusSource.MASTER : StatusSource.AGENT,
    health: TaskHealth.UNKNOWN,
    exitCode: -1,
    containerId: n === 0 ? '' : `c-${taskId}`,
    ...more,
  };
}

/** The task as a master holds it after `s` was applied, and the change that writes it. */
function next(task: TaskRecord, s: StatusUpdate): { task: TaskRecord; change: StateChange } {
  const appliedUuids = s.uuid ? [...task.appliedUuids.slice(-3), s.uuid] : task.appliedUuids;
  return { task: { ...task, status: s, appliedUuids }, change: { type: 'task.status', taskId: task.taskId, status: s, appliedUuids } };
}

async function epochOf(t: Test, store: ClusterStore): Promise<number> {
  const r = await store.campaign({ masterId: 'status-m', url: 'ws://127.0.0.1/status-m' }, 10_000);
  t.ok(r.elected, 'elected');
  return r.leader?.epoch ?? -1;
}

export function statusContract(test: (name: string, body: (t: Test, h: StatusHandle) => Promise<void>) => void): void {
  test('status changes replace only the status; another master and a restarted one load the latest', async (t, h) => {
    const epoch = await epochOf(t, h.store);
    let a = launched('a');
    let b = launched('b');
    await h.store.apply(epoch, [{ type: 'task.put', task: a }, { type: 'task.put', task: b }]);
    const steps: StateChange[] = [];
    for (const [i, s] of [status('a', TaskState.TASK_STARTING, 1), status('a', TaskState.TASK_RUNNING, 2), status('a', TaskState.TASK_RUNNING, 3, { health: TaskHealth.HEALTHY, message: 'checks "pass"\n' })].entries()) {
      const n = next(a, s);
      a = n.task;
      steps.push(n.change);
      // One change per batch for the first, the others together: both are the same to the store.
      if (i === 0) await h.store.apply(epoch, [n.change]);
    }
    await h.store.apply(epoch, steps.slice(1));
    const nb = next(b, status('b', TaskState.TASK_RUNNING, 1));
    b = nb.task;
    await h.store.apply(epoch, [nb.change]);
    const byId = (x: { taskId: string }, y: { taskId: string }): number => x.taskId.localeCompare(y.taskId);
    const peer = await h.peer();
    t.same((await peer.load()).tasks.sort(byId), [a, b], 'another master loads each task with its latest status');
    t.same((await h.store.history(4)).map((e) => e.change), [...steps, nb.change], 'the history holds the status changes as applied');

    // A put carries the status itself (a kill asked, say); a later status change still applies.
    a = { ...a, killAsked: { gracePeriodMs: 5_000, reason: 'asked' } };
    await h.store.apply(epoch, [{ type: 'task.put', task: a }]);
    t.same((await peer.load()).tasks.sort(byId), [a, b], 'a put supersedes the status written before it');
    const killing = next(a, status('a', TaskState.TASK_KILLING, 4));
    a = killing.task;
    await h.store.apply(epoch, [killing.change]);
    t.same((await peer.load()).tasks.sort(byId), [a, b], 'and a status after the put is kept with its killAsked');

    // b ends and completes: the completed record is the one given, nothing of its status changes is left.
    const failed = next(b, status('b', TaskState.TASK_FAILED, 2, { exitCode: 3, reason: TaskReason.CONTAINER_EXITED, message: 'exit 3' }));
    await h.store.apply(epoch, [failed.change]);
    await h.store.apply(epoch, [{ type: 'task.complete', task: failed.task }]);
    let loaded = await peer.load();
    t.same(loaded.tasks, [a], 'b left the live tasks');
    t.same(loaded.completedTasks, [failed.task], 'b is completed as it ended');
    await h.store.apply(epoch, [{ type: 'completed.delete', taskId: 'b' }, { type: 'task.put', task: launched('b') }]);
    t.same((await peer.load()).tasks.sort(byId), [a, launched('b')], 'a task id used again starts from its put, not an old status');

    await h.store.apply(epoch, [{ type: 'task.delete', taskId: 'b' }, { type: 'task.status', taskId: 'ghost', status: status('ghost', TaskState.TASK_RUNNING, 1), appliedUuids: ['ghost-u1'] }]);
    loaded = await peer.load();
    t.same(loaded.tasks, [a], 'a deleted task is gone, and a status of a task without a record loads as nothing');
    if (!h.reopen) return;
    await h.store.close();
    const reopened = await h.reopen();
    t.same((await reopened.load()).tasks, [a], 'a restarted store loads the latest status');
  });
}
