// Turns the TaskSpec the agent decoded from RunTask into the LaunchSpec a runtime takes. Pure:
// every field is picked by name, so nothing the framework sent reaches the runtime unchecked.
import { ContainerType } from '../protocol/index.js';
import { taskPorts, type TaskSpec } from '../protocol/domain/index.js';
import type { LaunchSpec } from './runtime/runtime.js';

export { taskPorts } from '../protocol/domain/index.js';

export interface LaunchContext {
  frameworkId: string;
  agentId: string;
  sandboxDir: string;
}

/**
 * The runtime's view of a task. The command, environment, labels and volumes are shared with the
 * TaskSpec, not copied: the runtimes only read them (and copy what they hand to Docker).
 */
export function launchSpecOf(task: TaskSpec, context: LaunchContext): LaunchSpec {
  const { command, container } = task;
  const isDocker = container.type === ContainerType.DOCKER;
  return {
    taskId: task.taskId,
    frameworkId: context.frameworkId,
    agentId: context.agentId,
    image: isDocker ? container.image : undefined,
    command: { value: command.value, shell: command.shell, arguments: command.arguments },
    environment: command.environment,
    resources: task.resources,
    ports: taskPorts(task),
    labels: task.labels,
    sandboxDir: context.sandboxDir,
    container: { privileged: container.privileged, volumes: container.volumes, capAdd: container.capAdd, user: container.user },
  };
}
