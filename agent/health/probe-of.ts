// Builds the probe a task's health check asks for, from the task's ports and container.
import { HealthCheckType } from '../../protocol/index.js';
import type { HealthCheckSpec } from '../../protocol/domain/index.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { CheckResult, HealthProbe } from './check.js';
import { commandProbe } from './command-check.js';
import { httpProbe } from './http-check.js';
import { tcpProbe } from './tcp-check.js';

export interface ProbeTarget {
  runtime: ContainerRuntime;
  containerId: string;
  /** The task's ports in order (port_index picks one). */
  ports: number[];
  /** The task's environment, for command checks. */
  env: Record<string, string>;
}

/** A probe that always fails with why the check cannot run, so the task is reported unhealthy. */
function broken(message: string): HealthProbe {
  return async (): Promise<CheckResult> => ({ ok: false, message });
}

/** The probe for the task's check (decoded, so its type is known and its fields present). */
export function probeOf(check: HealthCheckSpec, target: ProbeTarget): HealthProbe {
  if (check.type === HealthCheckType.COMMAND) {
    const c = check.command;
    const argv = c.shell ? ['/bin/sh', '-c', c.value] : [...(c.value ? [c.value] : []), ...c.arguments];
    if (argv.length === 0 || argv[0] === '') return broken('health_check.command is empty');
    return commandProbe(target.runtime, target.containerId, argv, { ...target.env, ...c.environment });
  }
  const port = target.ports[check.portIndex];
  if (port === undefined) return broken(`health_check.port_index ${check.portIndex} names no port: the task has ${target.ports.length}`);
  if (check.type === HealthCheckType.HTTP) return httpProbe(port, check.path || '/');
  return tcpProbe(port);
}
