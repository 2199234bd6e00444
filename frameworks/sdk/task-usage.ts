// What the tasks use, as the master's state shows it (`GET /api/v1/state`: `tasks[].usage`, from
// the agents' usage reports): for autoscalers and dashboards that weigh use against what a task
// asked for. `cpuPercent` is relative to one core (100 = one full core; a task limited to 0.5
// cpus tops out near 50).
import { BerthError, ErrorCode } from '../../protocol/index.js';
import { getMasterState, type ReadClusterStateOptions } from './cluster-state.js';

/** One task's latest usage sample. */
export interface TaskUsage {
  taskId: string;
  frameworkId: string;
  agentId: string;
  /** CPU in use, 100 = one core. */
  cpuPercent: number;
  memBytes: number;
  /** When its agent made the report the sample came in (the agent's clock). */
  atMs: number;
}

export interface ReadTaskUsageOptions extends ReadClusterStateOptions {
  /** Only this framework's tasks. */
  frameworkId?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * The usage of every live task of a `GET /api/v1/state` body that has one (tasks whose agent has
 * not reported them yet are left out); throws one error listing every problem.
 */
export function decodeTaskUsage(body: unknown, frameworkId?: string): TaskUsage[] {
  const problems: string[] = [];
  if (!isObject(body) || !Array.isArray(body.tasks) || !Array.isArray(body.agents)) {
    throw new BerthError(ErrorCode.INVALID_CALL, 'the master\'s state has no tasks and agents lists (state.tasks and state.agents must be lists)', { field: 'tasks' });
  }
  const reportedAt = new Map<string, number>();
  body.agents.forEach((a: unknown, i) => {
    if (!isObject(a) || typeof a.id !== 'string') return void problems.push(`agents[${i}].id must be a string`);
    if (a.usage === null || a.usage === undefined) return;
    if (!isObject(a.usage) || !isCount(a.usage.atMs)) return void problems.push(`agents[${i}].usage.atMs must be a number >= 0`);
    reportedAt.set(a.id, a.usage.atMs);
  });
  const out: TaskUsage[] = [];
  body.tasks.forEach((t: unknown, i) => {
    const f = `tasks[${i}]`;
    if (!isObject(t) || typeof t.id !== 'string' || typeof t.frameworkId !== 'string' || typeof t.agentId !== 'string') return void problems.push(`${f} must have id, frameworkId and agentId strings`);
    if (t.usage === null || t.usage === undefined || (frameworkId !== undefined && t.frameworkId !== frameworkId)) return;
    if (!isObject(t.usage) || !isCount(t.usage.cpuPercent) || !isCount(t.usage.memBytes)) return void problems.push(`${f}.usage must have cpuPercent and memBytes numbers >= 0`);
    const atMs = reportedAt.get(t.agentId);
    if (atMs === undefined) return;
    out.push({ taskId: t.id, frameworkId: t.frameworkId, agentId: t.agentId, cpuPercent: t.usage.cpuPercent, memBytes: t.usage.memBytes, atMs });
  });
  if (problems.length > 0) throw new BerthError(ErrorCode.INVALID_CALL, `unexpected master state: ${problems.slice(0, 10).join('; ')}`, { field: 'tasks' });
  return out;
}

/**
 * Reads the tasks' usage from the first master that answers; errors as readClusterState's.
 *
 * ```ts
 * const usage = await readTaskUsage('ws://127.0.0.1:5050', { frameworkId });
 * ```
 */
export async function readTaskUsage(masterUrl: string | readonly string[], options: ReadTaskUsageOptions = {}): Promise<TaskUsage[]> {
  const { body } = await getMasterState(masterUrl, options);
  return decodeTaskUsage(body, options.frameworkId);
}
