// A loopback WebSocket relay between a client (an agent, a framework) and a master that sees whole
// protocol frames, so a test can drop, duplicate or hold back single messages, which a TCP byte
// proxy cannot do without breaking the framing. Each connection to the relay opens one to the
// master on the same path; pings are answered hop by hop, so heartbeats keep both hops alive.
import { createServer, type Server } from 'node:http';
import type { Test } from 'tap';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { decode, type pb } from '../../protocol/index.js';
import { listenLoopback } from './processes.js';

export type FrameDirection = 'toMaster' | 'toClient';

/** What to do with one frame: pass it, drop it, send it twice, or send it ms later. */
export type FrameVerdict = 'pass' | 'drop' | 'duplicate' | { delayMs: number };

/** Decides each frame's fate; envelope is undefined for a frame that does not decode. */
export type FrameRule = (direction: FrameDirection, envelope: pb.Envelope | undefined) => FrameVerdict;

export interface RelayedFrame {
  direction: FrameDirection;
  envelope: pb.Envelope | undefined;
  verdict: FrameVerdict;
}

export class FrameRelay {
  /** Every frame seen, with what was done to it. */
  readonly frames: RelayedFrame[] = [];
  rule: FrameRule = () => 'pass';
  /** ws://127.0.0.1:PORT, what clients dial instead of the master. */
  url = '';
  #http: Server;
  #wss = new WebSocketServer({ noServer: true });
  #sockets = new Set<WebSocket>();

  private constructor(readonly targetPort: number) {
    this.#http = createServer((_req, res) => res.writeHead(404).end());
    this.#http.on('upgrade', (req, socket, head) => {
      this.#wss.handleUpgrade(req, socket, head, (client) => this.#relay(client, req.url ?? '/'));
    });
  }

  /** A relay on a free loopback port to the master at 127.0.0.1:targetPort, closed at test end. */
  static async start(t: Test, targetPort: number): Promise<FrameRelay> {
    const relay = new FrameRelay(targetPort);
    relay.url = `ws://127.0.0.1:${await listenLoopback(relay.#http)}`;
    t.teardown(() => relay.close());
    return relay;
  }

  /** Frames seen one way whose envelope pick() accepts. */
  seen(direction: FrameDirection, pick: (e: pb.Envelope) => boolean): RelayedFrame[] {
    return this.frames.filter((f) => f.direction === direction && f.envelope !== undefined && pick(f.envelope));
  }

  close(): Promise<void> {
    for (const s of this.#sockets) s.terminate();
    return new Promise((resolve) => this.#http.close(() => resolve()));
  }

  #relay(client: WebSocket, path: string): void {
    const master = new WebSocket(`ws://127.0.0.1:${this.targetPort}${path}`);
    this.#sockets.add(client);
    this.#sockets.add(master);
    // Frames from the client wait until the master's side is open.
    const early: [RawData, boolean][] = [];
    master.on('open', () => {
      for (const [data, binary] of early.splice(0)) this.#pass('toMaster', master, data, binary);
    });
    client.on('message', (data, binary) => {
      if (master.readyState === WebSocket.CONNECTING) early.push([data, binary]);
      else this.#pass('toMaster', master, data, binary);
    });
    master.on('message', (data, binary) => this.#pass('toClient', client, data, binary));
    const closeOther = (other: WebSocket) => (code: number, reason: Buffer): void => {
      this.#sockets.delete(client);
      this.#sockets.delete(master);
      if (other.readyState === WebSocket.OPEN) other.close(validCloseCode(code), reason.toString());
      else other.terminate();
    };
    client.on('close', closeOther(master));
    master.on('close', closeOther(client));
    client.on('error', () => master.terminate());
    master.on('error', () => client.terminate());
  }

  #pass(direction: FrameDirection, to: WebSocket, data: RawData, binary: boolean): void {
    const bytes = toBuffer(data);
    const decoded = binary ? decode(bytes) : undefined;
    const envelope = decoded?.ok ? decoded.envelope : undefined;
    const verdict = this.rule(direction, envelope);
    this.frames.push({ direction, envelope, verdict });
    const send = (): void => {
      if (to.readyState === WebSocket.OPEN) to.send(bytes, { binary });
    };
    if (verdict === 'drop') return;
    if (verdict === 'pass') return send();
    if (verdict === 'duplicate') {
      send();
      return send();
    }
    setTimeout(send, verdict.delayMs);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** 1005 and 1006 are never sent on the wire; pass them on as a plain going-away. */
function validCloseCode(code: number): number {
  return code === 1005 || code === 1006 ? 1001 : code;
}
