// Masters in memory for session tests: a dialer over the in-memory transport that reaches scripted
// masters by URL, and answers like a real network for URLs with nothing behind them.
import {
  acceptChannel,
  channelSettings,
  ChannelError,
  CloseCode,
  HelloKind,
  memoryTransportPair,
  PROTOCOL_VERSION,
  type Channel,
  type Dialer,
  type HandshakeAnswer,
  type MemoryTransport,
  type pb,
} from '../../protocol/index.js';

/** One scripted master: welcomes (or refuses) and keeps the server side of each connection. */
export class MemoryMaster {
  /** When set, the handshake refuses with it (a standby names the leader in leaderUrl). */
  refuse: { code: number; reason: string; leaderUrl?: string } | undefined;
  heartbeatIntervalMs = 0;
  readonly channels: Channel[] = [];
  readonly received: pb.Envelope[] = [];
  /** Called with each envelope a client sends, with the channel it came on. */
  onEnvelope: (envelope: pb.Envelope, channel: Channel) => void = () => undefined;
  constructor(readonly id: string, readonly kind: pb.Hello.Kind = HelloKind.AGENT) {}

  get current(): Channel | undefined {
    return this.channels[this.channels.length - 1];
  }

  answer(): HandshakeAnswer {
    if (this.refuse) return { refuse: this.refuse };
    return { welcome: { protocolVersion: PROTOCOL_VERSION, masterId: this.id, epoch: 1, heartbeatIntervalMs: this.heartbeatIntervalMs } };
  }

  opened(channel: Channel): void {
    this.channels.push(channel);
    channel.onMessage((e) => {
      this.received.push(e);
      this.onEnvelope(e, channel);
    });
  }
}

type Host = { type: 'master'; master: MemoryMaster } | { type: 'http'; status: number };

export class MemoryNet {
  /** Every URL dialled, in order. */
  readonly dials: string[] = [];
  /** The client end of every connection made, in order (cut() one to simulate a cut cable). */
  readonly connections: MemoryTransport[] = [];
  #hosts = new Map<string, Host>();

  /** Serves a master at a full endpoint URL (ws://m1:5050/api/v1/agent). */
  master(url: string, master: MemoryMaster): MemoryMaster {
    this.#hosts.set(url, { type: 'master', master });
    return master;
  }

  /** Answers a URL with a plain HTTP status instead of an upgrade. */
  http(url: string, status: number): void {
    this.#hosts.set(url, { type: 'http', status });
  }

  /** Takes a URL off the network (connections are refused). */
  down(url: string): void {
    this.#hosts.delete(url);
  }

  readonly dial: Dialer = (url) => {
    this.dials.push(url);
    const host = this.#hosts.get(url);
    if (!host) return Promise.reject(new ChannelError(CloseCode.GOING_AWAY, `cannot reach ${url}: connect ECONNREFUSED`));
    if (host.type === 'http') {
      return Promise.reject(new ChannelError(CloseCode.HANDSHAKE_FAILED, `${url} answered HTTP ${host.status} instead of a WebSocket upgrade`, { final: ![502, 503, 504].includes(host.status) }));
    }
    const { client, server } = memoryTransportPair({ server: url });
    this.connections.push(client);
    const m = host.master;
    acceptChannel(server, { kind: m.kind, handshake: () => m.answer(), opened: (c) => m.opened(c) }, channelSettings({}));
    return Promise.resolve(client);
  };
}
