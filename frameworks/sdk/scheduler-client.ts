// The scheduler client every framework is written on: subscribe, events as an async iterable,
// calls, reconnection with the same framework id, and acknowledgements that are sent only after
// the framework has taken the update off the stream.
import {
  CloseCode,
  HelloKind,
  MasterSession,
  newUuid,
  type Channel,
  type Dialer,
  type SessionStatus,
  type AgentNoticeKind,
  type Filters,
  type FrameworkInfo,
  type Offer,
  type Operation,
  type Resources,
  type SchedulerCall,
  type SchedulerEvent as WireSchedulerEvent,
  type TaskInfo,
  type TaskStatus,
  type WireError,
} from '../../protocol/index.js';
import { EventQueue } from './event-queue.js';

/** What a framework sees, in order. */
export type SchedulerEvent =
  | { type: 'subscribed'; frameworkId: string; masterId: string; reconnected: boolean }
  | { type: 'offers'; offers: Offer[] }
  | { type: 'rescind'; offerId: string }
  | { type: 'update'; status: TaskStatus }
  | { type: 'agent-lost'; agentId: string }
  /** An agent is draining (move work off it before deadlineMs), back, or under resource pressure. */
  | { type: 'agent-notice'; agentId: string; kind: AgentNoticeKind; deadlineMs: number; message: string }
  | { type: 'error'; error: Required<Pick<WireError, 'code' | 'message'>> & { requestId: string; field: string } }
  | { type: 'disconnected'; code: number; reason: string };

/** Something minimal to log with; pino loggers fit. */
export interface SdkLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SchedulerClientOptions {
  /**
   * ws://host:port of the masters, as one URL, a list, or a comma-separated string. The client
   * tries them in turn; a standby names the leader and the client goes there. The constructor
   * throws a MasterSessionError (INVALID_URL) when one is not a ws:// URL.
   */
  masterUrl: string | string[];
  framework: FrameworkInfo;
  /** Re-subscribe as this framework (after a restart of the framework process). */
  frameworkId?: string;
  /** Acknowledge each update when the consumer pulls the next event (default true). */
  autoAcknowledge?: boolean;
  /**
   * After re-subscribing (a reconnect or a master failover), ask for the state of every task at
   * once (implicit reconciliation), so the framework catches up on what it missed (default true).
   */
  reconcileOnResubscribe?: boolean;
  /**
   * Give up after this many failed reconnection attempts in a row (default: never). The client
   * also stops, at once, when the master closes with a final code (REPLACED: another process
   * subscribed as this framework id; TORN_DOWN) or a URL is not a berth master (an HTTP 404).
   */
  maxReconnectAttempts?: number;
  /** Backoff between connection attempts (default 200 ms doubling to 5 s). */
  reconnect?: { initialMs: number; maxMs: number };
  log?: SdkLogger;
  signal?: AbortSignal;
  /** How long the master may stay silent before the client reconnects (default three heartbeat intervals). */
  heartbeatTimeoutMs?: number;
  /** How connections are opened (default: WebSockets; tests pass an in-memory dialer). */
  dial?: Dialer;
}

const silent: SdkLogger = { info: () => undefined, warn: () => undefined };

/**
 * A connection to the master as one framework.
 *
 * ```ts
 * const client = new SchedulerClient({ masterUrl: 'ws://127.0.0.1:5050', framework: { name: 'hello', roles: ['*'] } });
 * client.start();
 * for await (const event of client.events()) { ... }
 * ```
 */
export class SchedulerClient {
  #options: SchedulerClientOptions;
  #log: SdkLogger;
  #queue = new EventQueue<SchedulerEvent>();
  #channel: Channel | undefined;
  #frameworkId: string;
  #session: MasterSession;
  #stopped = false;
  #started = false;
  #pendingAcks: { agentId: string; taskId: string; uuid: string }[] = [];

  constructor(options: SchedulerClientOptions) {
    this.#options = options;
    this.#log = options.log ?? silent;
    this.#frameworkId = options.frameworkId ?? '';
    this.#session = new MasterSession({
      masterUrl: options.masterUrl,
      path: '/api/v1/scheduler',
      kind: HelloKind.SCHEDULER,
      client: `berth-sdk/${options.framework.name ?? 'framework'}`,
      channel: options.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs: options.heartbeatTimeoutMs },
      reconnect: options.reconnect ?? { initialMs: 200, maxMs: 5_000 },
      ...(options.maxReconnectAttempts === undefined ? {} : { maxAttempts: options.maxReconnectAttempts + 1 }),
      ...(options.dial ? { dial: options.dial } : {}),
      log: this.#log,
    });
    this.#queue.onPull((previous) => this.#acknowledgePulled(previous));
    // A signal that is already aborted never fires: the client is closed before it starts.
    if (options.signal?.aborted) void this.close();
    else options.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** The framework id, once subscribed. */
  get frameworkId(): string {
    return this.#frameworkId;
  }

  get connected(): boolean {
    return Boolean(this.#channel?.open);
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

  /** Launches tasks on the resources of one or more offers of one agent. */
  launch(offerIds: string[], tasks: TaskInfo[], filters?: Filters): string {
    return this.accept(offerIds, [{ type: 1, tasks }], filters);
  }

  /** Accepts offers with operations. Returns the request id an error event would carry. */
  accept(offerIds: string[], operations: Operation[], filters?: Filters): string {
    return this.#call({ accept: { offerIds, operations, filters: filters ?? null } });
  }

  /** Declines offers; their resources are not offered to this framework again for refuseSeconds. */
  decline(offerIds: string[], refuseSeconds?: number): string {
    return this.#call({ decline: { offerIds, filters: refuseSeconds === undefined ? null : { refuseSeconds } } });
  }

  kill(taskId: string, agentId = '', gracePeriodMs = 0): string {
    return this.#call({ kill: { taskId, agentId, gracePeriodMs } });
  }

  /** Acknowledges an update; needed only with autoAcknowledge off. */
  acknowledge(status: TaskStatus): void {
    if (!status.uuid) return;
    const ack = { agentId: status.agentId ?? '', taskId: status.taskId ?? '', uuid: status.uuid };
    if (!this.#send({ acknowledge: ack })) this.#pendingAcks.push(ack);
  }

  /** Asks for the latest state of the given tasks, or of all the framework's tasks when none given. */
  reconcile(tasks: { taskId: string; agentId?: string }[] = []): string {
    return this.#call({ reconcile: { tasks } });
  }

  revive(roles: string[] = []): string {
    return this.#call({ revive: { roles } });
  }

  suppress(roles: string[] = []): string {
    return this.#call({ suppress: { roles } });
  }

  /**
   * Asks for an all-or-nothing bundle of task shapes (a gang): the master offers it only when every
   * shape fits at once, as offers that all carry `gangId`. A shape's `ports` ranges count the ports
   * it needs. Accept all of a gang's offers together.
   */
  requestGang(gangId: string, shapes: Resources[], role = ''): string {
    return this.#call({ requestGang: { gangId, role, tasks: shapes } });
  }

  cancelGang(gangId: string): string {
    return this.#call({ cancelGang: { gangId } });
  }

  /** Ends the framework: the master kills its tasks and forgets it. */
  teardown(): string {
    return this.#call({ teardown: {} });
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

  #call(call: Omit<SchedulerCall, 'requestId'>): string {
    const requestId = newUuid();
    if (!this.#send({ requestId, ...call })) {
      this.#queue.push({
        type: 'error',
        error: { code: 'NOT_CONNECTED', message: 'not connected to the master; the call was not sent', requestId, field: '' },
      });
    }
    return requestId;
  }

  #send(call: SchedulerCall): boolean {
    return this.#channel?.send({ schedulerCall: call }) ?? false;
  }

  #acknowledgePulled(previous: SchedulerEvent): void {
    if (previous.type === 'update' && this.#options.autoAcknowledge !== false) this.acknowledge(previous.status);
  }

  #emit(event: SchedulerEvent): void {
    this.#queue.push(event);
  }

  async #run(): Promise<void> {
    let subscribedOnce = false;
    const end = await this.#session.run(({ channel, ready }) => {
      this.#channel = channel;
      channel.onClose((code, reason) => {
        if (this.#channel === channel) this.#channel = undefined;
        if (!this.#stopped) this.#emit({ type: 'disconnected', code, reason });
      });
      channel.onMessage((envelope) =>
        this.#receive(envelope.schedulerEvent, subscribedOnce, () => {
          subscribedOnce = true;
          ready();
        }),
      );
      channel.send({ schedulerCall: { requestId: newUuid(), subscribe: { framework: this.#options.framework, frameworkId: this.#frameworkId } } });
    });
    // A final refusal of an open connection was reported when it closed; say why the client stops.
    if (end.type === 'gave-up' && !end.connected) this.#emit({ type: 'disconnected', code: end.code, reason: end.error.message });
    this.#queue.end();
  }

  #receive(event: WireSchedulerEvent | null | undefined, reconnected: boolean, markSubscribed: () => void): void {
    if (!event) return;
    if (event.subscribed) {
      this.#frameworkId = event.subscribed.frameworkId ?? '';
      markSubscribed();
      for (const ack of this.#pendingAcks.splice(0)) this.#send({ acknowledge: ack });
      this.#emit({ type: 'subscribed', frameworkId: this.#frameworkId, masterId: event.subscribed.masterId ?? '', reconnected });
      if (reconnected && this.#options.reconcileOnResubscribe !== false) this.#send({ requestId: newUuid(), reconcile: { tasks: [] } });
    } else if (event.offers) this.#emit({ type: 'offers', offers: event.offers.offers ?? [] });
    else if (event.rescind) this.#emit({ type: 'rescind', offerId: event.rescind.offerId ?? '' });
    else if (event.update?.status) this.#emit({ type: 'update', status: event.update.status });
    else if (event.agentLost) this.#emit({ type: 'agent-lost', agentId: event.agentLost.agentId ?? '' });
    else if (event.agentNotice) {
      const n = event.agentNotice;
      this.#emit({ type: 'agent-notice', agentId: n.agentId ?? '', kind: n.kind ?? 0, deadlineMs: n.deadlineMs ?? 0, message: n.message ?? '' });
    }
    else if (event.error) {
      const e = event.error;
      this.#emit({ type: 'error', error: { code: e.code ?? '', message: e.message ?? '', requestId: e.requestId ?? '', field: e.field ?? '' } });
    }
  }
}
