// The scheduler client every framework is written on: subscribe, events as an async iterable,
// calls that settle when the master answers them, reconnection with the same framework id, and
// acknowledgements that are sent only after the framework has taken the update off the stream.
import {
  CloseCode,
  ErrorCode,
  HelloKind,
  MasterSession,
  newUuid,
  type Channel,
  type SessionStatus,
  OperationType,
  type AgentNoticeKind,
  type Filters,
  type Operation,
  type Resources,
  type SchedulerCall,
  type SchedulerEvent as WireSchedulerEvent,
} from '../../protocol/index.js';
import type { ResourceOffer, StatusUpdate } from '../../protocol/domain/index.js';
import { decodeSchedulerEvent, type MasterError } from './scheduler-events.js';
import { taskSpecOf, type TaskInput } from './task-input.js';
import { EventQueue } from './event-queue.js';
import { CallErrorCode, type CallKind, type SchedulerCallError } from './call-error.js';
import { compileSchedulerClientOptions, OnForgotten, type CompiledSchedulerClientOptions, type SchedulerClientOptions, type SdkLogger } from './options.js';
import { PendingCalls, notConnected } from './pending-calls.js';

export type { SchedulerClientOptions, SdkLogger } from './options.js';
export { OnForgotten } from './options.js';

/** What a framework sees, in order. */
export type SchedulerEvent =
  | { type: 'subscribed'; frameworkId: string; masterId: string; reconnected: boolean }
  /**
   * With `onForgotten: 'resubscribe'`: the master refused `frameworkId`, which it forgot (away past
   * its failover timeout: its tasks were killed); the client subscribes afresh, and `subscribed`
   * follows with the new id.
   */
  | { type: 'forgotten'; frameworkId: string; message: string }
  /** Offers decoded with every field present (an offer the SDK cannot decode is logged and left out). */
  | { type: 'offers'; offers: ResourceOffer[] }
  | { type: 'rescind'; offerId: string }
  /** A task's status; a terminal one without an exit code on the wire exited with 0. */
  | { type: 'update'; status: StatusUpdate }
  | { type: 'agent-lost'; agentId: string }
  /** An agent is draining (move work off it before deadlineMs), back, or under resource pressure. */
  | { type: 'agent-notice'; agentId: string; kind: AgentNoticeKind; deadlineMs: number; message: string }
  /** An error from the master that no pending call awaits (a refused call rejects its own promise instead). */
  | { type: 'error'; error: MasterError }
  | { type: 'disconnected'; code: number; reason: string };

/**
 * A connection to the master as one framework.
 *
 * ```ts
 * const client = new SchedulerClient({ masterUrl: 'ws://127.0.0.1:5050', framework: { name: 'hello', roles: ['*'] } });
 * for await (const event of client.events()) { ... }
 * ```
 *
 * Every call returns a promise that resolves when the master has accepted the call (its effects
 * persisted) and rejects with a `SchedulerCallError` when the master refuses it, when there is no
 * connection (`NOT_CONNECTED`, nothing sent) or when the connection closes before the answer
 * (`CONNECTION_CLOSED`: it may or may not have taken effect). Not awaiting a call is safe: its
 * promise never becomes an unhandled rejection.
 */
export class SchedulerClient {
  #options: CompiledSchedulerClientOptions;
  #log: SdkLogger;
  #pending = new PendingCalls();
  #queue = new EventQueue<SchedulerEvent>();
  #channel: Channel | undefined;
  /** The connection the master confirmed the subscription on; calls go only there. */
  #subscribedOn: Channel | undefined;
  #frameworkId: string;
  #session: MasterSession;
  #stopped = false;
  #started = false;
  #pendingAcks: { agentId: string; taskId: string; uuid: string }[] = [];
  /** The roles suppress() suppressed and no revive() revived since: each subscription carries them. */
  #suppressed: Set<string>;

  /** Throws a `BerthError` listing every problem with the options. */
  constructor(options: SchedulerClientOptions) {
    this.#options = compileSchedulerClientOptions(options);
    const o = this.#options;
    this.#log = o.log;
    this.#frameworkId = o.frameworkId;
    this.#suppressed = new Set(o.suppressedRoles);
    this.#session = new MasterSession({
      masterUrl: o.masterUrls,
      path: '/api/v1/scheduler',
      kind: HelloKind.SCHEDULER,
      client: `berth-sdk/${o.framework.name}`,
      channel: o.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs: o.heartbeatTimeoutMs },
      reconnect: o.reconnect,
      ...(Number.isFinite(o.maxReconnectAttempts) ? { maxAttempts: o.maxReconnectAttempts + 1 } : {}),
      ...(o.dial ? { dial: o.dial } : {}),
      headers: o.headers,
      tls: o.tls,
      log: this.#log,
    });
    this.#queue.onPull((previous) => this.#acknowledgePulled(previous));
    // A signal that is already aborted never fires: the client is closed before it starts.
    if (o.signal?.aborted) void this.close();
    else o.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** The framework id, once subscribed. */
  get frameworkId(): string {
    return this.#frameworkId;
  }

  /** True while subscribed on an open connection, that is while calls can be made. */
  get connected(): boolean {
    return Boolean(this.#channel?.open) && this.#subscribedOn === this.#channel;
  }

  /**
   * The connection's status changes from now on (connecting, connected, disconnected, redirected,
   * gave-up), apart from the events; the iterable is done when the client stops.
   */
  status(): AsyncIterable<SessionStatus> {
    return this.#session.status();
  }

  /** Connects and subscribes, reconnecting until close(). Events arrive on events(). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    void this.#run();
  }

  /** The event stream; it ends after close() or a final disconnection. */
  events(): AsyncIterable<SchedulerEvent> {
    this.start();
    return this.#queue;
  }

  /**
   * Launches tasks on the resources of one or more offers of one agent. Each task is completed
   * once with the defaults of the fields it leaves out (see `TaskInput`) and encoded once.
   */
  launch(offerIds: string[], tasks: TaskInput[], filters?: Filters): Promise<void> {
    // A TaskSpec is a TaskInfo with every field present: the encoder reads it as it is, no copy.
    return this.accept(offerIds, [{ type: OperationType.LAUNCH, tasks: tasks.map(taskSpecOf) }], filters);
  }

  /**
   * Accepts offers with operations. Resolves once the master has taken them; tasks it finds
   * invalid do not fail the call, they get a TASK_ERROR update each.
   */
  accept(offerIds: string[], operations: Operation[], filters?: Filters): Promise<void> {
    return this.#call('accept', { accept: { offerIds, operations, filters: filters ?? null } });
  }

  /** Declines offers; their resources are not offered to this framework again for refuseSeconds. */
  decline(offerIds: string[], refuseSeconds?: number): Promise<void> {
    return this.#call('decline', { decline: { offerIds, filters: refuseSeconds === undefined ? null : { refuseSeconds } } });
  }

  /** Kills a task (SIGTERM, then SIGKILL after the grace period); its KILLED update follows. */
  kill(taskId: string, agentId = '', gracePeriodMs = 0): Promise<void> {
    return this.#call('kill', { kill: { taskId, agentId, gracePeriodMs } });
  }

  /** Acknowledges an update; needed only with autoAcknowledge off. */
  acknowledge(status: Pick<StatusUpdate, 'agentId' | 'taskId' | 'uuid'>): void {
    if (!status.uuid) return;
    const ack = { agentId: status.agentId, taskId: status.taskId, uuid: status.uuid };
    // Until the master confirms the subscription it would refuse the ack (NOT_SUBSCRIBED): it waits.
    if (!this.connected || !this.#send({ acknowledge: ack })) this.#pendingAcks.push(ack);
  }

  /**
   * Asks for the latest state of the given tasks (explicit: a task the master does not know comes
   * back LOST, or UNKNOWN to a partition-aware framework), or of all the framework's live tasks
   * when none are given (implicit). The answers arrive as updates.
   */
  reconcile(tasks: { taskId: string; agentId?: string }[] = []): Promise<void> {
    return this.#call('reconcile', { reconcile: { tasks } });
  }

  /** Asks for offers again (for the given roles, or all), clearing decline filters. */
  revive(roles: string[] = []): Promise<void> {
    for (const role of this.#rolesOrAll(roles)) this.#suppressed.delete(role);
    return this.#call('revive', { revive: { roles } });
  }

  /**
   * Stops offers (for the given roles, or all) until revive(). Later subscriptions (a reconnect, a
   * new leader) start with these roles suppressed too.
   */
  suppress(roles: string[] = []): Promise<void> {
    // A role the framework does not have is the master's to refuse, not the next subscription's.
    for (const role of this.#rolesOrAll(roles)) if (this.#options.framework.roles.includes(role)) this.#suppressed.add(role);
    return this.#call('suppress', { suppress: { roles } });
  }

  /** The roles a suppress() or revive() is about: the ones named, or all of the framework's. */
  #rolesOrAll(roles: readonly string[]): readonly string[] {
    return roles.length > 0 ? roles : this.#options.framework.roles;
  }

  /**
   * Asks for an all-or-nothing bundle of task shapes (a gang): the master offers it only when every
   * shape fits at once, as offers that all carry `gangId`. A shape's `ports` ranges count the ports
   * it needs. Accept all of a gang's offers together.
   */
  requestGang(gangId: string, shapes: Resources[], role = ''): Promise<void> {
    return this.#call('requestGang', { requestGang: { gangId, role, tasks: shapes } });
  }

  /** Withdraws a gang request. */
  cancelGang(gangId: string): Promise<void> {
    return this.#call('cancelGang', { cancelGang: { gangId } });
  }

  /**
   * Ends the framework: the master kills its tasks and forgets it, then closes the connection
   * (TORN_DOWN, after which the event stream ends). Resolves once the master has done so.
   */
  teardown(): Promise<void> {
    return this.#call('teardown', { teardown: {} });
  }

  /**
   * Disconnects without tearing down; the master keeps the tasks for failoverTimeoutMs. Resolves
   * once the connection is closed (calls sent before it are flushed), within about two seconds.
   */
  close(): Promise<void> {
    this.#stopped = true;
    this.#queue.end();
    return this.#session.close(CloseCode.NORMAL, 'framework closed');
  }

  #call(kind: CallKind, call: Omit<SchedulerCall, 'requestId'>): Promise<void> {
    const channel = this.#channel;
    // Before the master confirms the subscription it would refuse the call (NOT_SUBSCRIBED).
    if (!channel?.open || channel !== this.#subscribedOn) return notConnected(kind);
    const requestId = newUuid();
    const settled = this.#pending.add(requestId, kind, channel);
    try {
      if (!channel.send({ schedulerCall: { requestId, ...call } })) this.#pending.fail(requestId, new Error('the connection is closing'));
    } catch (err) {
      this.#pending.fail(requestId, err);
    }
    settled.catch((err: SchedulerCallError) => this.#log.debug?.({ requestId, call: kind, code: err.code, field: err.field }, 'call failed'));
    return settled;
  }

  #send(call: SchedulerCall): boolean {
    return this.#channel?.send({ schedulerCall: call }) ?? false;
  }

  #acknowledgePulled(previous: SchedulerEvent): void {
    if (previous.type === 'update' && this.#options.autoAcknowledge) this.acknowledge(previous.status);
  }

  #emit(event: SchedulerEvent): void {
    this.#queue.push(event);
  }

  async #run(): Promise<void> {
    let subscribedOnce = false;
    const end = await this.#session.run(({ channel, ready, notFinal }) => {
      this.#channel = channel;
      channel.onClose((code, reason) => {
        if (this.#channel === channel) this.#channel = undefined;
        if (!this.#stopped) this.#emit({ type: 'disconnected', code, reason });
      });
      channel.onMessage((envelope) =>
        this.#receive(envelope.schedulerEvent, subscribedOnce, () => {
          subscribedOnce = true;
          ready();
        }, notFinal),
      );
      channel.send({ schedulerCall: { requestId: newUuid(), subscribe: { framework: this.#options.framework, frameworkId: this.#frameworkId, suppressedRoles: [...this.#suppressed] } } });
    });
    // A final refusal of an open connection was reported when it closed; say why the client stops.
    if (end.type === 'gave-up' && !end.connected) this.#emit({ type: 'disconnected', code: end.code, reason: end.error.message });
    this.#queue.end();
  }

  #receive(wire: WireSchedulerEvent | null | undefined, reconnected: boolean, markSubscribed: () => void, notFinal: () => void): void {
    const event = decodeSchedulerEvent(wire);
    switch (event.type) {
      case 'subscribed':
        this.#subscribedOn = this.#channel;
        this.#frameworkId = event.frameworkId;
        markSubscribed();
        for (const ack of this.#pendingAcks.splice(0)) this.#send({ acknowledge: ack });
        this.#emit({ type: 'subscribed', frameworkId: this.#frameworkId, masterId: event.masterId, reconnected });
        if (reconnected && this.#options.reconcileOnResubscribe) this.reconcile().catch((err: SchedulerCallError) => this.#unawaited(err));
        return;
      case 'offers':
        if (event.problems.length > 0) this.#log.warn({ problems: event.problems.map((p) => p.message) }, 'left out offers the SDK cannot decode');
        return this.#emit({ type: 'offers', offers: event.offers });
      case 'update':
        if (event.problems.length > 0) this.#log.debug?.({ problems: event.problems.map((p) => p.message) }, 'an update with fields out of range');
        return this.#emit({ type: 'update', status: event.status });
      case 'accepted':
        this.#pending.accept(event.requestId);
        return;
      case 'error':
        if (this.#pending.refuse(event.error.requestId, event.error)) return;
        if (this.#forgotten(event.error, notFinal)) return;
        this.#emit({ type: 'error', error: event.error });
        return;
      case 'none':
        return;
      default:
        return this.#emit(event);
    }
  }

  /**
   * A SUBSCRIBE refused because the master forgot this framework id: with onForgotten
   * 'resubscribe', the id is dropped and the session told that the close that follows (POLICY,
   * otherwise final) is not, so the next connection subscribes afresh. True when handled so.
   */
  #forgotten(error: MasterError, notFinal: () => void): boolean {
    if (error.code !== ErrorCode.FRAMEWORK_UNKNOWN || !this.#frameworkId || this.#subscribedOn === this.#channel) return false;
    if (this.#options.onForgotten !== OnForgotten.RESUBSCRIBE) return false;
    const frameworkId = this.#frameworkId;
    this.#frameworkId = '';
    // Acknowledgements of the old framework's updates mean nothing to the new one.
    this.#pendingAcks = [];
    notFinal();
    this.#log.warn({ frameworkId }, 'the master forgot this framework id (away longer than its failover timeout; its tasks were killed): subscribing afresh');
    this.#emit({ type: 'forgotten', frameworkId, message: error.message });
    return true;
  }

  /** A refusal of a call the SDK made on its own goes out as an error event; lost connections are reported as disconnections already. */
  #unawaited(err: SchedulerCallError): void {
    if (err.mayHaveTakenEffect || err.code === CallErrorCode.NOT_CONNECTED) return;
    this.#emit({ type: 'error', error: { code: err.code, message: err.message, requestId: err.requestId, field: err.field } });
  }
}
