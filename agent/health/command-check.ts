// Command health probe: runs a command in the task's container (docker exec) or, for the process
// runtime, as a process in its sandbox; exit 0 is healthy.
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { HealthProbe } from './check.js';

const OUTPUT_SHOWN = 200;

export function commandProbe(runtime: ContainerRuntime, containerId: string, argv: string[], env: Record<string, string>): HealthProbe {
  const shown = argv.join(' ');
  return async (timeoutMs) => {
    const r = await runtime.exec(containerId, argv, { timeoutMs, env });
    if (r.timedOut) return { ok: false, message: `command "${shown}" did not finish within ${timeoutMs} ms` };
    const output = r.output.trim().slice(-OUTPUT_SHOWN);
    const tail = output === '' ? '' : `: ${output}`;
    if (r.exitCode === 0) return { ok: true, message: `command "${shown}" exited with 0` };
    return { ok: false, message: `command "${shown}" ${r.exitCode === null ? 'could not run' : `exited with ${r.exitCode}`}${tail}` };
  };
}
