// `berth run`: the one-task job it submits, and whether the cluster could run it at all. Pure.
import { randomBytes } from 'node:crypto';
import type { MasterState } from '../../master/index.js';

export interface OneOffRequest {
  command: readonly string[];
  image: string | undefined;
  cpus: number;
  memMb: number;
  role: string;
  env: Record<string, string>;
}

/** A job id of its own for every run: /run/20261201-120005-a1b2. */
export function oneOffId(nowMs: number, suffix = randomBytes(2).toString('hex')): string {
  const t = new Date(nowMs).toISOString();
  return `/run/${t.slice(0, 10).replaceAll('-', '')}-${t.slice(11, 19).replaceAll(':', '')}-${suffix}`;
}

/** The batch spec reads ${name} as a parameter; a command line's own ${...} must stay as written. */
export function literal(text: string): string {
  // A function, since '$$' in a replacement string means one '$'.
  return text.replaceAll('${', () => '$${');
}

/** A word as sh reads it back unchanged. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_/.,:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The job file (as JSON) for one task running the command, on the host or in the image. In a
 * container too the words are quoted into one shell line (run by the image's /bin/sh): the batch
 * framework hands `container.args` to the master with an empty command, which it refuses.
 */
export function oneOffJob(id: string, r: OneOffRequest): Record<string, unknown> {
  const env = Object.fromEntries(Object.entries(r.env).map(([k, v]) => [k, literal(v)]));
  const line = r.command.map(shellWord).join(' ');
  const base = { id, description: `berth run: ${line}`.slice(0, 200), resources: { cpus: r.cpus, memMb: r.memMb }, role: r.role };
  if (r.image === undefined) return { ...base, command: literal(line), env };
  return { ...base, container: { image: r.image, command: literal(line), env } };
}

/** Why no agent could ever run the task, with what to do; undefined when one could. */
export function cannotRun(state: Pick<MasterState, 'agents'>, r: Pick<OneOffRequest, 'image' | 'cpus' | 'memMb'>): string | undefined {
  const agents = state.agents.filter((a) => a.connected);
  if (agents.length === 0) return "no agent is connected to the master: start some ('berth dev', or 'berth agent --master URL')";
  const runtime = r.image === undefined ? 'process' : 'docker';
  const able = agents.filter((a) => a.runtime === runtime);
  if (able.length === 0) {
    return r.image === undefined
      ? `no agent runs commands on its host (the agents run ${[...new Set(agents.map((a) => a.runtime))].join(', ')}): give --image IMAGE to run it in a container, or start agents with --runtime process`
      : `no agent runs Docker containers (the agents run ${[...new Set(agents.map((a) => a.runtime))].join(', ')}): leave out --image to run it on a host, or start agents with --runtime docker`;
  }
  if (!able.some((a) => a.total.cpus >= r.cpus && a.total.memMb >= r.memMb)) {
    const cpus = Math.max(...able.map((a) => a.total.cpus));
    const mem = Math.max(...able.map((a) => a.total.memMb));
    return `no agent is large enough for ${r.cpus} cpus and ${r.memMb} MB (the largest have ${cpus} cpus, ${mem} MB): ask for less with --cpus and --mem`;
  }
  return undefined;
}

/** What the agents that could run it have free now, for the message when it waits too long. */
export function freeNow(state: Pick<MasterState, 'agents'>, runtime: string): string {
  const able = state.agents.filter((a) => a.connected && a.runtime === runtime && !a.draining);
  if (able.length === 0) return 'no agent that could run it is connected';
  return able.map((a) => `${a.hostname} ${Math.round((a.total.cpus - a.used.cpus) * 100) / 100} cpus, ${a.total.memMb - a.used.memMb} MB`).join('; ');
}
