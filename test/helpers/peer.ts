// A scripted protocol peer for tests: connects a raw channel (agent or scheduler) and records
// every envelope it receives, so tests can send exact frames and wait for exact answers.
import type { Test } from 'tap';
import { connect, HelloKind, type Channel, type Envelope, type pb } from '../../protocol/index.js';
import { until } from './poll.js';

export class Peer {
  readonly received: pb.Envelope[] = [];
  closed: { code: number; reason: string } | undefined;
  constructor(readonly channel: Channel) {
    channel.onMessage((e) => this.received.push(e));
    channel.onClose((code, reason) => (this.closed = { code, reason }));
  }

  send(envelope: Envelope): void {
    this.channel.send(envelope);
  }

  /** Waits for the first received envelope (after `from`) that matches. */
  next<T>(what: string, pick: (e: pb.Envelope) => T | undefined | null, from = 0, timeoutMs = 5_000): Promise<T> {
    return until(what, () => {
      for (const e of this.received.slice(from)) {
        const v = pick(e);
        if (v !== undefined && v !== null) return v;
      }
      return undefined;
    }, timeoutMs);
  }
}

/** `headers` go on the upgrade request (an Authorization header, for a master with authentication on). */
export async function peer(t: Test, url: string, kind: 'agent' | 'scheduler', headers?: Record<string, string>): Promise<Peer> {
  const { channel } = await connect(`${url}/api/v1/${kind}`, {
    kind: kind === 'agent' ? HelloKind.AGENT : HelloKind.SCHEDULER,
    client: 'test-peer',
    ...(headers ? { headers } : {}),
  });
  t.teardown(() => channel.close());
  return new Peer(channel);
}
