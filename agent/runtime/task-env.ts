// The environment every runtime gives a task: its own variables plus the ones berth defines.
import type { LaunchSpec } from './runtime.js';

/**
 * The task's environment with PORT0..PORTn, PORTS (comma list) and BERTH_* added. berth's
 * variables win over the task's own, so a task cannot be told a port it was not given.
 */
export function taskEnvironment(spec: LaunchSpec): Record<string, string> {
  const env: Record<string, string> = { ...spec.environment };
  spec.ports.forEach((port, i) => (env[`PORT${i}`] = String(port)));
  if (spec.ports.length > 0) env.PORT = String(spec.ports[0]);
  env.PORTS = spec.ports.join(',');
  env.BERTH_TASK_ID = spec.taskId;
  env.BERTH_FRAMEWORK_ID = spec.frameworkId;
  env.BERTH_AGENT_ID = spec.agentId;
  return env;
}

/** The argv a task runs: sh -c for a shell command line, else the executable and its arguments. */
export function taskArgv(spec: LaunchSpec): string[] {
  if (spec.command.shell) return ['/bin/sh', '-c', spec.command.value];
  return spec.command.value === '' ? [...spec.command.arguments] : [spec.command.value, ...spec.command.arguments];
}
