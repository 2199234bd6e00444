// Every message the master sends to agents and frameworks leaves through here: agent events are
// stamped with the epoch at the moment they leave, and leave each agent in the order the master
// decided them. A message decided after one that waits for a write (a RunTask waits until its
// launch is durable) waits behind it, so a KILL can never overtake the launch of its task.
import { TaskReason, type BerthError, type Channel, type Offer, type pb } from '../protocol/index.js';
import { toWireTaskStatus, type StatusUpdate } from '../protocol/domain/index.js';
import type { Registry } from './registry.js';
import type { TaskRecord } from './store/records.js';

export type AgentEventBody = Omit<pb.AgentEvent.$Properties, 'epoch'>;
export type SchedulerEventBody = pb.SchedulerEvent.$Properties;

/** About 200 bytes each, so a frame of offers stays far below the 1 MiB payload limit. */
const OFFERS_PER_FRAME = 500;

export interface OutboxDeps {
  registry: Registry;
  epoch(): number;
}

interface AgentQueue {
  /** Messages still waiting on this agent's line. */
  waiting: number;
  /** Settles when the last of them has left (or was dropped). */
  tail: Promise<void>;
}

export function registered(agentId: string): AgentEventBody {
  return { registered: { agentId } };
}

export function runTask(task: TaskRecord): AgentEventBody {
  return { runTask: { frameworkId: task.frameworkId, task: task.info } };
}

export function killTask(frameworkId: string, taskId: string, gracePeriodMs: number, reason: string): AgentEventBody {
  return { killTask: { frameworkId, taskId, gracePeriodMs, reason } };
}

export class Outbox {
  #d: OutboxDeps;
  #queues = new Map<string, AgentQueue>();

  constructor(deps: OutboxDeps) {
    this.#d = deps;
  }

  // ---------------------------------------------------------------------------------------------
  // Agents

  /**
   * Sends to an agent's current connection, behind whatever is still waiting for it. False when
   * the agent is not connected (the events are dropped: agents learn the rest when they register).
   */
  toAgent(agentId: string, ...events: AgentEventBody[]): boolean {
    const connected = Boolean(this.#d.registry.agents.get(agentId)?.channel);
    const queue = this.#queues.get(agentId);
    if (!queue) this.#sendNow(agentId, events);
    else this.#enqueue(agentId, queue.tail.then(() => this.#sendNow(agentId, events)));
    return connected;
  }

  /**
   * Sends build()'s events once gate resolves, in this agent's order; nothing when it rejects.
   * Everything sent to the agent later waits behind them. Resolves once they have left.
   */
  toAgentAfter(agentId: string, gate: Promise<unknown>, build: () => AgentEventBody[]): Promise<void> {
    const prior = this.#queues.get(agentId)?.tail ?? Promise.resolve();
    const passed = gate.then(() => true, () => false);
    const step = prior.then(() => passed).then((ok) => {
      if (ok) this.#sendNow(agentId, build());
    });
    this.#enqueue(agentId, step);
    return step;
  }

  /** Tells the agent its update is durable, so it stops re-sending it. */
  acknowledge(agentId: string, taskId: string, uuid: string): void {
    this.toAgent(agentId, { acknowledge: { taskId, uuid } });
  }

  /** An error to an agent connection, registered or not (a refused registration, a bad call). */
  agentError(channel: Channel, code: string, message: string, field: string): void {
    channel.send({ agentEvent: { epoch: this.#d.epoch(), error: { code, message, field } } });
  }

  #sendNow(agentId: string, events: AgentEventBody[]): void {
    const channel = this.#d.registry.agents.get(agentId)?.channel;
    if (!channel) return;
    for (const event of events) channel.send({ agentEvent: { ...event, epoch: this.#d.epoch() } });
  }

  #enqueue(agentId: string, step: Promise<void>): void {
    let queue = this.#queues.get(agentId);
    if (!queue) this.#queues.set(agentId, (queue = { waiting: 0, tail: step }));
    const q = queue;
    q.waiting++;
    q.tail = step;
    void step.finally(() => {
      if (--q.waiting === 0 && this.#queues.get(agentId) === q) this.#queues.delete(agentId);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Frameworks

  /** Sends to a framework's current connection; false when it is not connected. */
  toFramework(frameworkId: string, ...events: SchedulerEventBody[]): boolean {
    const channel = this.#d.registry.frameworks.get(frameworkId)?.channel;
    if (!channel) return false;
    for (const event of events) channel.send({ schedulerEvent: event });
    return true;
  }

  toAllFrameworks(event: SchedulerEventBody): void {
    for (const f of this.#d.registry.frameworks.values()) f.channel?.send({ schedulerEvent: event });
  }

  subscribed(frameworkId: string, heartbeatIntervalMs: number, masterId: string): void {
    this.toFramework(frameworkId, { subscribed: { frameworkId, heartbeatIntervalMs, masterId } });
  }

  /** Every update the framework has not acknowledged yet, again (it subscribed again). */
  resendUnacked(frameworkId: string): void {
    for (const status of this.#d.registry.frameworks.get(frameworkId)?.unacked.values() ?? []) this.toFramework(frameworkId, { update: { status } });
  }

  rescind(frameworkId: string, offerId: string): void {
    this.toFramework(frameworkId, { rescind: { offerId } });
  }

  agentLost(agentId: string): void {
    this.toAllFrameworks({ agentLost: { agentId } });
  }

  agentNotice(agentId: string, kind: pb.SchedulerEvent.AgentNotice.Kind, deadlineMs: number, message: string): void {
    this.toAllFrameworks({ agentNotice: { agentId, kind, deadlineMs, message } });
  }

  /** A task's latest status as an answer (reconciliation, a kill of an ended task): nothing to acknowledge. */
  answer(frameworkId: string, status: StatusUpdate): void {
    this.toFramework(frameworkId, { update: { status: { ...status, uuid: '', reason: status.reason || TaskReason.RECONCILIATION } } });
  }

  /** A status to its framework; one with a uuid is kept and re-sent until acknowledged. */
  update(status: StatusUpdate): void {
    const framework = this.#d.registry.frameworks.get(status.frameworkId);
    if (!framework) return;
    if (status.uuid) framework.unacked.set(status.taskId, status);
    framework.channel?.send({ schedulerEvent: { update: { status: toWireTaskStatus(status) } } });
  }

  /** Offers go out in parts, so a large cluster never makes a frame over the payload limit. */
  offers(frameworkId: string, offers: Offer[]): void {
    for (let i = 0; i < offers.length; i += OFFERS_PER_FRAME) this.toFramework(frameworkId, { offers: { offers: offers.slice(i, i + OFFERS_PER_FRAME) } });
  }

  /** The one answer to a call with a request id: it was taken (and its effects are durable). */
  accepted(channel: Channel, requestId: string): void {
    if (requestId) channel.send({ schedulerEvent: { accepted: { requestId } } });
  }

  /** The one answer to a call that was refused. */
  schedulerError(channel: Channel, error: BerthError, requestId: string): void {
    channel.send({ schedulerEvent: { error: error.toWire(requestId) } });
  }
}
