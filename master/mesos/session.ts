// One Mesos subscription: a berth scheduler channel to the master, in memory, that the adapter
// speaks for the HTTP framework. Calls go out with request ids and settle on the master's one
// answer; events come back translated into Mesos Events for the subscription's stream. The master
// sees an ordinary scheduler connection, so its core never knows Mesos exists.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  acceptChannel,
  BerthError,
  channelSettings,
  CloseCode,
  ErrorCode,
  HelloKind,
  memoryTransportPair,
  openChannel,
  type Channel,
  type pb,
  type Route,
} from '../../protocol/index.js';
import type { Principal } from '../../protocol/auth/index.js';
import { decodeOffer, decodeTaskStatus } from '../../protocol/domain/index.js';
import { mesosOffer, mesosStatus } from './events-out.js';
import type { SubscribeCall } from './read-call.js';
import type { MesosEvent } from './types.js';

export interface EventSink {
  write(event: MesosEvent): void;
  end(): void;
}

type Settle = { resolve: () => void; reject: (err: BerthError) => void };

export class MesosSession {
  /** The Mesos-Stream-Id of this subscription. */
  readonly streamId = randomUUID();
  frameworkId = '';
  /** Who subscribed: only that principal may make the subscription's calls. */
  readonly principal: Principal;
  #channel: Channel;
  #log: Logger;
  #heartbeatMs: number;
  #pending = new Map<string, Settle>();
  #seq = 0;
  #sink: EventSink | undefined;
  #held: MesosEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed: (() => void)[] = [];
  #ended = false;

  private constructor(channel: Channel, log: Logger, heartbeatMs: number, principal: Principal) {
    this.principal = principal;
    this.#channel = channel;
    this.#log = log;
    this.#heartbeatMs = heartbeatMs;
    channel.onMessage((envelope) => this.#receive(envelope.schedulerEvent));
    channel.onClose((code, reason) => this.#finish(code, reason));
  }

  /**
   * Opens a scheduler channel to the master's route in memory. Rejects with the ChannelError of a
   * refused handshake (a standby names the leader in its leaderUrl).
   */
  static async open(route: Route, log: Logger, heartbeatMs: number, principal: Principal): Promise<MesosSession> {
    const { client, server } = memoryTransportPair({ client: 'mesos-http', server: 'master' });
    acceptChannel(server, route, channelSettings({}), principal);
    const { channel } = await openChannel(client, 'memory:master', { kind: HelloKind.SCHEDULER, client: 'berth-mesos-adapter' });
    return new MesosSession(channel, log, heartbeatMs, principal);
  }

  /** Subscribes; resolves once the master has persisted the framework (its SUBSCRIBED event is held for the stream). */
  async subscribe(call: SubscribeCall): Promise<void> {
    await this.call({ subscribe: { ...call.subscribe, suppressedRoles: call.suppressedRoles } });
  }

  /** Sends one berth call; settles on the master's answer (rejects with its BerthError). */
  call(call: Omit<pb.SchedulerCall.$Properties, 'requestId'>): Promise<void> {
    const requestId = `mesos-${++this.#seq}`;
    return new Promise((resolve, reject) => {
      this.#pending.set(requestId, { resolve, reject });
      if (!this.#channel.send({ schedulerCall: { ...call, requestId } })) {
        this.#pending.delete(requestId);
        reject(new BerthError(ErrorCode.NOT_LEADER, 'the subscription is closed; subscribe again'));
      }
    });
  }

  /** Starts the stream: held events first, then heartbeats at the announced interval. */
  attach(sink: EventSink): void {
    this.#sink = sink;
    for (const e of this.#held.splice(0)) sink.write(e);
    this.#timer = setInterval(() => sink.write({ type: 'HEARTBEAT' }), this.#heartbeatMs);
    this.#timer.unref();
  }

  /** Events the adapter makes itself (updates of a refused ACCEPT's tasks). */
  emit(event: MesosEvent): void {
    if (this.#sink) this.#sink.write(event);
    else this.#held.push(event);
  }

  /** Runs handler once the subscription has ended (at once if it has). */
  onClosed(handler: () => void): void {
    if (this.#ended) handler();
    else this.#closed.push(handler);
  }

  /** Ends the subscription (the HTTP stream went away): the master starts the failover timeout. */
  close(): void {
    this.#channel.close(CloseCode.NORMAL, 'the Mesos subscription stream closed');
  }

  #receive(e: pb.SchedulerEvent.$Properties | null | undefined): void {
    if (!e) return;
    if (e.accepted) return this.#settle(e.accepted.requestId ?? '');
    if (e.error) {
      const err = new BerthError((e.error.code ?? ErrorCode.INTERNAL) as ErrorCode, e.error.message ?? '', { field: e.error.field ?? '' });
      if (e.error.requestId && this.#pending.has(e.error.requestId)) return this.#settle(e.error.requestId, err);
      return this.emit({ type: 'ERROR', error: { message: `${err.code}: ${err.message}` } });
    }
    if (e.subscribed) {
      this.frameworkId = e.subscribed.frameworkId ?? '';
      return this.emit({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: this.frameworkId }, heartbeat_interval_seconds: this.#heartbeatMs / 1000 } });
    }
    if (e.offers) return this.emit({ type: 'OFFERS', offers: { offers: (e.offers.offers ?? []).map((o) => mesosOffer(decodeOffer(o).value)) } });
    if (e.rescind) return this.emit({ type: 'RESCIND', rescind: { offer_id: { value: e.rescind.offerId ?? '' } } });
    if (e.update) return this.emit({ type: 'UPDATE', update: { status: mesosStatus(decodeTaskStatus(e.update.status).value) } });
    if (e.agentLost) return this.emit({ type: 'FAILURE', failure: { agent_id: { value: e.agentLost.agentId ?? '' } } });
    // Agent notices (draining, pressure) have no Mesos event short of inverse offers; they are dropped.
  }

  #settle(requestId: string, err?: BerthError): void {
    const pending = this.#pending.get(requestId);
    if (!pending) return;
    this.#pending.delete(requestId);
    if (err) pending.reject(err);
    else pending.resolve();
  }

  #finish(code: number, reason: string): void {
    this.#ended = true;
    clearInterval(this.#timer);
    this.#log.info({ frameworkId: this.frameworkId, streamId: this.streamId, code, reason }, 'mesos subscription ended');
    const gone = new BerthError(ErrorCode.NOT_LEADER, `the subscription ended (${code} ${reason}); subscribe again`);
    for (const p of this.#pending.values()) p.reject(gone);
    this.#pending.clear();
    // As Mesos: a scheduler that subscribed again elsewhere hears why this stream ends.
    if (code === CloseCode.REPLACED) this.emit({ type: 'ERROR', error: { message: 'Framework failed over' } });
    this.#sink?.end();
    for (const h of this.#closed) h();
  }
}
