// How an agent's registration goes on the wire. One Register frame, unless the master asked for
// parts in its Welcome and the tasks do not fit in one: then a Register with the first part and
// tasks_total, and RegisterTasks frames with the rest (a frame is at most about 1 MiB, which held
// about 3,000 tasks). An older master asks for none, and gets every task in the Register.
import { pb, type AgentCall } from '../protocol/index.js';

/** Encoded task reports per frame at most: well under the 1 MiB a peer accepts, whatever the specs hold. */
export const REGISTER_FRAME_BUDGET_BYTES = 256 * 1024;

type TaskReport = pb.TaskReport.$Properties;

/** The calls that carry a registration, in the order they are sent. tasksPerFrame 0: one call. */
export function registrationCalls(register: NonNullable<AgentCall['register']>, tasksPerFrame: number, budgetBytes = REGISTER_FRAME_BUDGET_BYTES): AgentCall[] {
  const tasks = register.tasks ?? [];
  if (tasksPerFrame <= 0 || tasks.length === 0) return [{ register }];
  const parts: TaskReport[][] = [];
  let part: TaskReport[] = [];
  let bytes = 0;
  for (const task of tasks) {
    const size = pb.TaskReport.encode(task).finish().length;
    if (part.length > 0 && (part.length >= tasksPerFrame || bytes + size > budgetBytes)) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(task);
    bytes += size;
  }
  parts.push(part);
  if (parts.length === 1) return [{ register }];
  const [first, ...rest] = parts as [TaskReport[], ...TaskReport[][]];
  return [{ register: { ...register, tasks: first, tasksTotal: tasks.length } }, ...rest.map((more) => ({ registerTasks: { tasks: more } }))];
}
