// The master's event log as a sequence of task events, for tests that check the order things
// happened in. The log is causal: a framework can only ask to kill an instance after the master
// persisted (and forwarded) the updates it decided on, so "A healthy before B killed" is a
// comparison of positions, with no clock involved.
import type { MemoryStore } from '../../master/index.js';
import { TaskHealth } from '../../protocol/domain/index.js';
import { stateName } from '../../protocol/index.js';

export interface TaskEvent {
  /** Position in the master's log. */
  index: number;
  taskId: string;
  agentId: string;
  /** RUNNING, KILLING, KILLED... */
  state: string;
  healthy: boolean;
  /** The framework has asked the master to kill it. */
  killAsked: boolean;
}

/** Every task change the master persisted, oldest first. */
export async function masterTaskEvents(store: MemoryStore): Promise<TaskEvent[]> {
  const log = await store.history(1_000_000);
  const events: TaskEvent[] = [];
  // A status change carries the status only; whether a kill was asked is in the task's last put.
  const killAsked = new Map<string, boolean>();
  log.forEach((entry, index) => {
    const c = entry.change;
    if (c.type === 'task.put') killAsked.set(c.task.taskId, c.task.killAsked !== undefined);
    const status = c.type === 'task.put' ? c.task.status : c.type === 'task.status' ? c.status : undefined;
    if (!status) return;
    const state = stateName(status.state);
    events.push({
      index,
      taskId: status.taskId,
      agentId: c.type === 'task.put' ? c.task.agentId : status.agentId,
      state,
      healthy: status.health === TaskHealth.HEALTHY && state === 'RUNNING',
      killAsked: killAsked.get(status.taskId) ?? false,
    });
  });
  return events;
}

/** Where the task was first reported healthy, or undefined. */
export function firstHealthy(events: readonly TaskEvent[], taskId: string): number | undefined {
  return events.find((e) => e.taskId === taskId && e.healthy)?.index;
}

/** Where the task first stopped serving on our account: a kill asked, or it began to end. */
export function firstKill(events: readonly TaskEvent[], taskId: string): number | undefined {
  return events.find((e) => e.taskId === taskId && (e.killAsked || !['STAGING', 'STARTING', 'RUNNING'].includes(e.state)))?.index;
}

/**
 * Checks that instances were moved replacement first: walking the log, each kill of an instance
 * in `moved` comes after one more replacement (a task in `replacements`) was reported healthy than
 * moved instances were killed before it. Returns the violations, described.
 */
export function killsBeforeReplacements(events: readonly TaskEvent[], moved: readonly string[], replacements: readonly string[]): string[] {
  const healthyAt = replacements.map((id) => firstHealthy(events, id)).filter((i): i is number => i !== undefined).sort((a, b) => a - b);
  const killedAt = moved.map((id) => ({ id, at: firstKill(events, id) })).filter((k): k is { id: string; at: number } => k.at !== undefined).sort((a, b) => a.at - b.at);
  const problems: string[] = [];
  killedAt.forEach((k, n) => {
    const ready = healthyAt.filter((h) => h < k.at).length;
    if (ready < n + 1) problems.push(`${k.id} was killed at log entry ${k.at} when only ${ready} replacement(s) had been healthy for ${n + 1} moved`);
  });
  return problems;
}

/** The moves as they happened, one line per step, for a test's comments. */
export function moveOrder(events: readonly TaskEvent[], moved: readonly string[], replacements: readonly string[]): string[] {
  const steps = [
    ...replacements.map((id) => ({ at: firstHealthy(events, id), what: `${id} (replacement) healthy` })),
    ...moved.map((id) => ({ at: firstKill(events, id), what: `${id} (moved) killed` })),
  ];
  return steps.filter((s) => s.at !== undefined).sort((a, b) => (a.at ?? 0) - (b.at ?? 0)).map((s) => `#${s.at}: ${s.what}`);
}
