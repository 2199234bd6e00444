// Agent liveness: a disconnected agent has its grace to come back, then is marked unreachable
// (rate-limited, so a network split does not mark the whole cluster at once), and after a longer
// absence it is removed and its tasks are GONE.
import type { Logger } from 'pino';
import { TaskReason, TaskState } from '../protocol/index.js';
import { MarkLimiter } from './mark-limiter.js';
import type { Outbox } from './outbox.js';
import type { AgentEntry, Registry } from './registry.js';
import type { StateChange } from './store/records.js';
import type { TaskEndings } from './task-endings.js';

export interface AgentLivenessDeps {
  registry: Registry;
  endings: TaskEndings;
  outbox: Outbox;
  log: Logger;
  settings: { agentGoneTimeoutMs: number; unreachableRateFraction: number; unreachableRateWindowMs: number };
  isLeading(): boolean;
  persist(...changes: StateChange[]): Promise<void>;
  /** Rescinds the agent's outstanding offers (it went away). */
  rescindOffersOn(agentId: string): void;
}

export class AgentLiveness {
  #d: AgentLivenessDeps;
  #limiter: MarkLimiter;
  /** Agents whose grace ran out, waiting for the rate limiter to mark them unreachable. */
  #queue = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: AgentLivenessDeps) {
    this.#d = deps;
    this.#limiter = new MarkLimiter(deps.settings.unreachableRateFraction, deps.settings.unreachableRateWindowMs);
  }

  /** The agent is back: nothing of it waits any more. */
  back(agent: AgentEntry): void {
    clearTimeout(agent.lostTimer);
    agent.lostTimer = undefined;
    this.#queue.delete(agent.record.id);
  }

  disconnected(agent: AgentEntry, why: string, graceMs: number): void {
    this.#d.registry.setAgentChannel(agent, undefined);
    this.#d.log.warn({ agentId: agent.record.id, why }, 'agent disconnected');
    this.#d.rescindOffersOn(agent.record.id);
    this.#armLost(agent, graceMs);
  }

  /**
   * After a failover: the agent has windowMs to find the new leader, and is then treated as
   * disconnected, with the same grace a live leader gives an agent it lost, so a failover never
   * ends an agent's tasks sooner than a dropped connection would.
   */
  awaitReregistration(agent: AgentEntry, windowMs: number, graceMs: number): void {
    clearTimeout(agent.lostTimer);
    agent.lostTimer = setTimeout(() => {
      if (agent.channel || !this.#d.isLeading()) return;
      this.disconnected(agent, 'did not re-register with the new leader', graceMs);
    }, windowMs);
    agent.lostTimer.unref();
  }

  /** After a disconnect: the agent has graceMs to come back before it is queued for marking. */
  #armLost(agent: AgentEntry, graceMs: number): void {
    clearTimeout(agent.lostTimer);
    agent.lostTimer = setTimeout(() => {
      if (agent.channel || !this.#d.isLeading()) return;
      this.#queue.add(agent.record.id);
      this.#markQueued();
    }, graceMs);
    agent.lostTimer.unref();
  }

  /** An unreachable agent that stays away is removed; its unreachable tasks are GONE. */
  armGone(agent: AgentEntry): void {
    clearTimeout(agent.lostTimer);
    const since = agent.record.unreachableSinceMs ?? Date.now();
    agent.lostTimer = setTimeout(() => void this.gone(agent).catch((err: unknown) => this.#d.log.error({ err }, 'agent removal failed')),
      Math.max(0, since + this.#d.settings.agentGoneTimeoutMs - Date.now()));
    agent.lostTimer.unref();
  }

  /** Removes an agent that is away; its live tasks end (GONE for partition-aware frameworks, else LOST). */
  async gone(agent: AgentEntry, reason: string = TaskReason.AGENT_REMOVED): Promise<void> {
    if (agent.channel || !this.#d.isLeading()) return;
    const ending = this.#d.endings.end(agent.tasks, this.#d.endings.partitioned(TaskState.TASK_GONE), reason, `agent ${agent.record.id} was removed`);
    clearTimeout(agent.lostTimer);
    clearTimeout(agent.drainTimer);
    this.#d.registry.removeAgent(agent.record.id);
    await this.#d.persist({ type: 'agent.delete', agentId: agent.record.id }, ...ending.changes);
    this.#d.endings.deliver(ending);
    this.#d.outbox.agentLost(agent.record.id);
    this.#d.log.warn({ agentId: agent.record.id, tasks: ending.statuses.length, reason }, 'agent removed');
  }

  stop(): void {
    clearTimeout(this.#timer);
    for (const a of this.#d.registry.agents.values()) {
      clearTimeout(a.lostTimer);
      clearTimeout(a.drainTimer);
    }
  }

  /** Marks queued agents unreachable as fast as the limiter allows; the rest wait their turn. */
  #markQueued(): void {
    clearTimeout(this.#timer);
    for (const agentId of this.#queue) {
      const agent = this.#d.registry.agents.get(agentId);
      if (!agent || agent.channel) {
        this.#queue.delete(agentId);
        continue;
      }
      if (!this.#limiter.tryTake(this.#d.registry.agents.size, Date.now())) {
        this.#d.log.warn({ waiting: this.#queue.size }, 'many agents lost at once; marking them unreachable slowly');
        this.#timer = setTimeout(() => this.#markQueued(), Math.max(10, this.#limiter.nextFreeAtMs() - Date.now()));
        this.#timer.unref();
        return;
      }
      this.#queue.delete(agentId);
      void this.#markUnreachable(agent).catch((err: unknown) => this.#d.log.error({ err }, 'marking an agent unreachable failed'));
    }
  }

  /**
   * The agent did not come back: its tasks become UNREACHABLE for partition-aware frameworks (they
   * may come back with it) and LOST for the others; their resources leave the allocation.
   */
  async #markUnreachable(agent: AgentEntry): Promise<void> {
    if (agent.channel || !this.#d.isLeading()) return;
    this.#d.registry.setAgentRecord(agent, { ...agent.record, state: 'unreachable', unreachableSinceMs: Date.now() });
    const unreachable = this.#d.endings.partitioned(TaskState.TASK_UNREACHABLE);
    const ending = this.#d.endings.end(agent.tasks, (task) => (task.status.state === TaskState.TASK_UNREACHABLE ? undefined : unreachable(task)),
      TaskReason.AGENT_UNREACHABLE, `agent ${agent.record.id} did not come back within its grace period`);
    await this.#d.persist({ type: 'agent.put', agent: agent.record }, ...ending.changes);
    this.#d.endings.deliver(ending);
    this.#d.log.warn({ agentId: agent.record.id, tasks: ending.statuses.length }, 'agent unreachable');
    this.armGone(agent);
  }
}
