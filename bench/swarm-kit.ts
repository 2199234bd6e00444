// Docker Swarm on this engine, for the benches that compare berth with it: a single-node swarm on
// loopback only, and whether this run made it (so it can leave it again).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const docker$ = promisify(execFile);

/** Runs `docker ARGS...` and returns its stdout, trimmed. */
export async function docker(...args: string[]): Promise<string> {
  return (await docker$('docker', args, { maxBuffer: 16 * 2 ** 20 })).stdout.trim();
}

/** Makes this engine a swarm manager unless it is one; `created` says whether this call did. */
export async function ensureSwarm(): Promise<{ created: boolean }> {
  if ((await docker('info', '--format', '{{.Swarm.LocalNodeState}}')) === 'active') return { created: false };
  // Loopback only: the manager listens and advertises on 127.0.0.1.
  await docker('swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', '127.0.0.1:2377', '--data-path-addr', '127.0.0.1');
  return { created: true };
}

/** Leaves the swarm, if this run created it. */
export async function leaveSwarm(created: boolean): Promise<void> {
  if (created) await docker('swarm', 'leave', '--force');
}
