// A master that does only what each test scripts, on a real WebSocket (port 0): it registers
// agents (with a fixed id, or a new one each time) or refuses them, records every call and
// acknowledges updates. On the scheduler endpoint it subscribes frameworks and answers every call
// that has a request id with Accepted, or with what the test's `answer` says.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import {
  ChannelServer,
  CloseCode,
  HelloKind,
  PROTOCOL_VERSION,
  stateName,
  type AgentCall,
  type AgentEvent,
  type Channel,
  type SchedulerCall,
  type SchedulerEvent,
  type TaskStatus,
} from '../../protocol/index.js';

/** How the fake master answers a scheduler call: accept it, refuse it, or say nothing. */
export type FakeAnswer = 'accept' | 'silent' | { code: string; message: string; field?: string };

export interface FakeConnection {
  channel: Channel;
  calls: AgentCall[];
}

export class FakeMaster {
  epoch = 1;
  /** The id given at registration; a function gives a new one each time. */
  agentId: string | ((register: NonNullable<AgentCall['register']>) => string) = 'agent-1';
  autoAck = true;
  /**
   * When set, the handshake refuses with this close code and reason instead of welcoming; a
   * standby names the leader in leaderUrl (it goes out in a Refusal frame before the close).
   */
  refuse: { code: number; reason: string; leaderUrl?: string } | undefined;
  connections: FakeConnection[] = [];
  /** Framework connections, with the scheduler calls each made. */
  schedulers: { channel: Channel; calls: SchedulerCall[] }[] = [];
  /** The framework id given at subscription when the framework brings none. */
  frameworkId = 'fw-1';
  answer: (call: SchedulerCall) => FakeAnswer = () => 'accept';
  #server: Server;
  #channels: ChannelServer;

  private constructor(server: Server) {
    this.#server = server;
    this.#channels = new ChannelServer(server, {});
    this.#channels.route('/api/v1/agent', {
      kind: HelloKind.AGENT,
      handshake: () =>
        this.refuse
          ? { refuse: this.refuse }
          : { welcome: { protocolVersion: PROTOCOL_VERSION, masterId: 'fake', epoch: this.epoch, heartbeatIntervalMs: 5_000 } },
      opened: (channel) => {
        const conn: FakeConnection = { channel, calls: [] };
        this.connections.push(conn);
        channel.onMessage((envelope) => {
          const call = envelope.agentCall;
          if (!call) return;
          conn.calls.push(call);
          if (call.register) {
            const id = typeof this.agentId === 'function' ? this.agentId(call.register) : this.agentId;
            this.send({ registered: { agentId: id } });
          }
          const status = call.update?.status;
          if (status && this.autoAck) this.ack(status);
        });
      },
    });
    this.#channels.route('/api/v1/scheduler', {
      kind: HelloKind.SCHEDULER,
      handshake: () => ({ welcome: { protocolVersion: PROTOCOL_VERSION, masterId: 'fake', epoch: this.epoch, heartbeatIntervalMs: 5_000 } }),
      opened: (channel) => this.#serveScheduler(channel),
    });
  }

  #serveScheduler(channel: Channel): void {
    const conn = { channel, calls: [] as SchedulerCall[] };
    this.schedulers.push(conn);
    channel.onMessage((envelope) => {
      const call = envelope.schedulerCall;
      if (!call) return;
      conn.calls.push(call);
      if (call.subscribe) {
        channel.send({ schedulerEvent: { subscribed: { frameworkId: call.subscribe.frameworkId || this.frameworkId, masterId: 'fake' } } });
      }
      if (!call.requestId) return;
      const answer = call.subscribe ? 'accept' : this.answer(call);
      if (answer === 'accept') channel.send({ schedulerEvent: { accepted: { requestId: call.requestId } } });
      else if (answer !== 'silent') channel.send({ schedulerEvent: { error: { field: '', ...answer, requestId: call.requestId } } });
    });
  }

  /** Sends an event to the latest framework connection. */
  toFramework(event: SchedulerEvent): void {
    this.schedulers[this.schedulers.length - 1]?.channel.send({ schedulerEvent: event });
  }

  schedulerCalls(): SchedulerCall[] {
    return this.schedulers.flatMap((c) => c.calls);
  }

  static async start(t: Test): Promise<FakeMaster> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const master = new FakeMaster(server);
    t.teardown(() => master.close());
    return master;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  get current(): FakeConnection | undefined {
    return this.connections[this.connections.length - 1];
  }

  send(event: AgentEvent, epoch = this.epoch): void {
    this.current?.channel.send({ agentEvent: { epoch, ...event } });
  }

  ack(status: TaskStatus): void {
    this.send({ acknowledge: { taskId: status.taskId ?? '', uuid: status.uuid ?? '' } });
  }

  calls(): AgentCall[] {
    return this.connections.flatMap((c) => c.calls);
  }

  registrations(): NonNullable<AgentCall['register']>[] {
    return this.calls().flatMap((call) => (call.register ? [call.register] : []));
  }

  updates(taskId?: string): TaskStatus[] {
    return this.calls()
      .flatMap((call) => (call.update?.status ? [call.update.status] : []))
      .filter((s) => taskId === undefined || s.taskId === taskId);
  }

  /** The task's distinct updates' states in the order they first arrived. */
  states(taskId: string): string[] {
    const seen = new Set<string>();
    return this.updates(taskId).flatMap((s) => (seen.has(s.uuid ?? '') ? [] : (seen.add(s.uuid ?? ''), [stateName(s.state)])));
  }

  usages(): NonNullable<AgentCall['usage']>[] {
    return this.calls().flatMap((call) => (call.usage ? [call.usage] : []));
  }

  logLines(requestId: string): NonNullable<AgentCall['logLines']>[] {
    return this.calls().flatMap((call) => (call.logLines?.requestId === requestId ? [call.logLines] : []));
  }

  async close(): Promise<void> {
    this.#channels.closeAll(CloseCode.GOING_AWAY, 'test over');
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
