// Maintenance of agents: draining (no new offers, frameworks told, what is left killed at the
// deadline), undraining, and usage reports with the pressure notices they cause.
import type { Logger } from 'pino';
import { BerthError, ErrorCode, TaskReason, isTerminal, pb } from '../protocol/index.js';
import { killTask, type Outbox } from './outbox.js';
import type { AgentEntry, Registry } from './registry.js';
import type { StateChange } from './store/records.js';

export interface MaintenanceDeps {
  registry: Registry;
  log: Logger;
  outbox: Outbox;
  isLeading(): boolean;
  persist(...changes: StateChange[]): Promise<void>;
  rescindOffersOn(agentId: string): void;
  triggerAllocation(): void;
}

export class Maintenance {
  #d: MaintenanceDeps;

  constructor(deps: MaintenanceDeps) {
    this.#d = deps;
  }

  /**
   * Drains an agent for maintenance: no new offers from it, frameworks are told (so they can move
   * work off it), and whatever still runs there at the deadline is killed.
   */
  async drain(agentId: string, deadlineMs: number): Promise<{ agentId: string; deadlineMs: number }> {
    const agent = this.#agentForOperator(agentId);
    if (!Number.isFinite(deadlineMs) || deadlineMs < 0) throw new BerthError(ErrorCode.BAD_REQUEST, 'deadline must be a time in the future', { field: 'deadline' });
    this.#d.registry.setAgentRecord(agent, { ...agent.record, draining: { deadlineMs } });
    await this.#d.persist({ type: 'agent.put', agent: agent.record });
    this.#d.rescindOffersOn(agentId);
    this.#notice(agentId, pb.SchedulerEvent.AgentNotice.Kind.DRAINING, deadlineMs, `agent ${agentId} is draining; tasks still there at the deadline are killed`);
    this.armDrainDeadline(agent);
    this.#d.log.info({ agentId, deadlineMs }, 'agent draining');
    return { agentId, deadlineMs };
  }

  async undrain(agentId: string): Promise<{ agentId: string }> {
    const agent = this.#agentForOperator(agentId);
    clearTimeout(agent.drainTimer);
    this.#d.registry.setAgentRecord(agent, { ...agent.record, draining: undefined });
    await this.#d.persist({ type: 'agent.put', agent: agent.record });
    this.#notice(agentId, pb.SchedulerEvent.AgentNotice.Kind.UNDRAINED, 0, `agent ${agentId} takes work again`);
    this.#d.triggerAllocation();
    this.#d.log.info({ agentId }, 'agent undrained');
    return { agentId };
  }

  #agentForOperator(agentId: string): AgentEntry {
    if (!this.#d.isLeading()) throw new BerthError(ErrorCode.NOT_LEADER, 'this master is not the leader');
    const agent = this.#d.registry.agents.get(agentId);
    if (!agent) throw new BerthError(ErrorCode.AGENT_UNKNOWN, `agent ${agentId} is unknown; see berth agents`, { field: 'agent' });
    return agent;
  }

  /** Kills what still runs on a draining agent at its deadline (re-armed by a new leader). */
  armDrainDeadline(agent: AgentEntry): void {
    clearTimeout(agent.drainTimer);
    const deadline = agent.record.draining?.deadlineMs;
    if (deadline === undefined) return;
    agent.drainTimer = setTimeout(() => {
      if (!this.#d.isLeading() || !agent.record.draining) return;
      let killed = 0;
      for (const taskId of agent.tasks) {
        const task = this.#d.registry.tasks.get(taskId);
        if (!task || isTerminal(task.status.state)) continue;
        killed++;
        this.#d.outbox.toAgent(agent.record.id, killTask(task.frameworkId, taskId, task.info.killGracePeriodMs, TaskReason.AGENT_DRAINED));
      }
      this.#d.log.info({ agentId: agent.record.id, killed }, 'drain deadline reached');
    }, Math.max(0, deadline - Date.now()));
    agent.drainTimer.unref();
  }

  /** Tells every connected framework something it should act on about an agent. */
  #notice(agentId: string, kind: pb.SchedulerEvent.AgentNotice.Kind, deadlineMs: number, message: string): void {
    this.#d.outbox.agentNotice(agentId, kind, deadlineMs, message);
  }

  /** A usage report: kept for the state and metrics; a change of pressure is told to frameworks. */
  usage(agent: AgentEntry, usage: pb.AgentCall.Usage.$Properties): void {
    const before = agent.usage?.underPressure ?? false;
    const tasks = new Map<string, { cpuPercent: number; memBytes: number }>();
    for (const t of usage.tasks ?? []) {
      if (t.taskId && agent.tasks.has(t.taskId)) tasks.set(t.taskId, { cpuPercent: t.usage?.cpuPercent ?? 0, memBytes: t.usage?.memBytes ?? 0 });
    }
    agent.usage = {
      atMs: usage.agent?.atMs || Date.now(),
      cpuPercent: usage.agent?.cpuPercent ?? 0,
      memBytes: usage.agent?.memBytes ?? 0,
      underPressure: Boolean(usage.underPressure),
      pressureReason: usage.pressureReason ?? '',
      tasks,
    };
    if (agent.usage.underPressure !== before) {
      const Kind = pb.SchedulerEvent.AgentNotice.Kind;
      this.#notice(agent.record.id, agent.usage.underPressure ? Kind.PRESSURE : Kind.PRESSURE_CLEARED, 0,
        agent.usage.underPressure ? `agent ${agent.record.id} is under pressure: ${agent.usage.pressureReason}` : `agent ${agent.record.id} is no longer under pressure`);
      this.#d.log.warn({ agentId: agent.record.id, underPressure: agent.usage.underPressure, reason: agent.usage.pressureReason }, 'agent pressure changed');
    }
  }
}
