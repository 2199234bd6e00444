// How the SDK adapter turns a task status into the run tracker's TaskEnd: the cause decides
// whether an attempt counts against the task's retries.
import t from 'tap';
import { taskEnd } from '../../frameworks/batch/sdk-adapter.js';
import { TaskReason, TaskState } from '../../frameworks/sdk/index.js';

type Status = Parameters<typeof taskEnd>[0];
/** A decoded status: every field present, as the SDK hands it out. */
const status = (s: Partial<Status> & Pick<Status, 'state'>): Status => ({ reason: '', message: '', exitCode: -1, ...s });

void t.test('task states become ends', async (t) => {
  t.equal(taskEnd(status({ state: TaskState.TASK_RUNNING })), undefined, 'not terminal: no end');
  t.same(taskEnd(status({ state: TaskState.TASK_FINISHED, exitCode: 0 })), { kind: 'succeeded' });
  t.same(taskEnd(status({ state: TaskState.TASK_FAILED, exitCode: 3, message: 'exited' })), { kind: 'failed', exitCode: 3, message: 'FAILED: exited' });
  t.same(taskEnd(status({ state: TaskState.TASK_ERROR, exitCode: -1, message: 'no such image' })), { kind: 'failed', message: 'ERROR: no such image' }, 'no exit code when unknown');
  t.same(taskEnd(status({ state: TaskState.TASK_KILLED })), { kind: 'killed' });
  t.same(taskEnd(status({ state: TaskState.TASK_KILLED, reason: TaskReason.PREEMPTED, message: 'killed by SIGTERM' })), { kind: 'preempted', message: 'preempted for a role below its quota guarantee (killed by SIGTERM)' }, 'preemption is no fault of the task, and says so');
  for (const state of [TaskState.TASK_LOST, TaskState.TASK_DROPPED, TaskState.TASK_GONE, TaskState.TASK_UNKNOWN]) {
    t.equal(taskEnd(status({ state, message: 'gone' }))?.kind, 'preempted', `state ${state} is retried for free`);
  }
});
