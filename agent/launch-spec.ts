// Turns a TaskInfo from the master into the LaunchSpec a runtime takes. Pure: every field is
// picked by name, so nothing the framework sent reaches the runtime unchecked.
import { ContainerType, resources, type TaskInfo } from '../protocol/index.js';
import type { LaunchSpec } from './runtime/runtime.js';

export interface LaunchContext {
  frameworkId: string;
  agentId: string;
  sandboxDir: string;
}

/** The task's ports in the order its ranges were given (PORT0 is the first port of the first range). */
export function taskPorts(task: TaskInfo): number[] {
  const out: number[] = [];
  for (const r of task.resources?.ports ?? []) {
    for (let port = r.begin ?? 0; port <= (r.end ?? 0); port++) out.push(port);
  }
  return out;
}

export function launchSpecOf(task: TaskInfo, context: LaunchContext): LaunchSpec {
  const command = task.command;
  const container = task.container;
  const isDocker = container?.type === ContainerType.DOCKER;
  return {
    taskId: task.taskId ?? '',
    frameworkId: context.frameworkId,
    agentId: context.agentId,
    image: isDocker && container?.image ? container.image : undefined,
    command: {
      value: command?.value ?? '',
      shell: command?.shell ?? false,
      arguments: [...(command?.arguments ?? [])],
    },
    environment: { ...(command?.environment ?? {}) },
    resources: resources.normalize(task.resources),
    ports: taskPorts(task),
    labels: { ...(task.labels ?? {}) },
    sandboxDir: context.sandboxDir,
    container: container
      ? {
          privileged: container.privileged ?? false,
          volumes: (container.volumes ?? []).map((v) => ({
            hostPath: v.hostPath ?? '',
            containerPath: v.containerPath ?? '',
            readOnly: v.readOnly ?? false,
          })),
          capAdd: [...(container.capAdd ?? [])],
        }
      : undefined,
  };
}
