// DNS clients for tests of the DNS server: `dig` (Debian dnsutils; skip on a laptop without it,
// fail in CI) and dns-packet over real UDP and TCP sockets.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { access } from 'node:fs/promises';
import { connect } from 'node:net';
import * as packet from 'dns-packet';

const DIG = '/usr/bin/dig';

interface TestLike {
  fail(message: string): unknown;
  plan(n: number, comment?: string): unknown;
}

/** True when dig is installed; otherwise fails under CI=true, else skips with the reason. */
export async function requireDig(t: TestLike): Promise<boolean> {
  const found = await access(DIG).then(() => true, () => false);
  if (found) return true;
  const why = `${DIG} is missing; install it with apt-get install -y dnsutils`;
  if (process.env.CI === 'true') t.fail(`${why} (CI needs it)`);
  else t.plan(0, why);
  return false;
}

/** Runs dig against 127.0.0.1:port and gives its output; +short answers are split into lines. */
export function dig(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(DIG, ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=2', ...args], { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err && !stdout) reject(new Error(`dig ${args.join(' ')}: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The lines of `dig +short`, sorted. */
export async function digShort(port: number, type: string, name: string, extra: string[] = []): Promise<string[]> {
  const out = await dig(port, [type, name, '+short', ...extra]);
  return out.split('\n').map((l) => l.trim()).filter(Boolean).sort();
}

/** Sends raw bytes over UDP and gives the first datagram back (undefined when none comes in time). */
export function udpExchange(port: number, message: Buffer, waitMs = 2_000): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, waitMs);
    s.once('message', (msg) => {
      clearTimeout(timer);
      s.close();
      resolve(msg);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      s.close();
      reject(err);
    });
    s.send(message, port, '127.0.0.1');
  });
}

/** Sends datagrams without waiting for answers (garbage, say). */
export async function udpSend(port: number, messages: Buffer[]): Promise<void> {
  const s = createSocket('udp4');
  try {
    for (const m of messages) await new Promise<void>((resolve, reject) => s.send(m, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  } finally {
    s.close();
  }
}

/** Sends each message over one TCP connection (length-prefixed, in one write) and reads as many answers. */
export function tcpExchange(port: number, messages: Buffer[], chunkBytes?: number): Promise<packet.DecodedPacket[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const answers: packet.DecodedPacket[] = [];
    let pending = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('connect', () => {
      const wire = Buffer.concat(messages.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m])));
      if (!chunkBytes) socket.write(wire);
      // Written a few bytes at a time, the server must put messages back together.
      else for (let i = 0; i < wire.length; i += chunkBytes) socket.write(wire.subarray(i, i + chunkBytes));
    });
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        answers.push(packet.decode(pending.subarray(2, 2 + pending.readUInt16BE(0))));
        pending = pending.subarray(2 + pending.readUInt16BE(0));
      }
      if (answers.length === messages.length) {
        socket.end();
        resolve(answers);
      }
    });
    socket.on('close', () => (answers.length < messages.length ? reject(new Error(`the connection closed after ${answers.length} of ${messages.length} answers`)) : undefined));
  });
}

/** One question over UDP, decoded. */
export async function askUdp(port: number, name: string, type: packet.RecordType, id = 1): Promise<packet.DecodedPacket & { rcode?: string }> {
  const out = await udpExchange(port, packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] }));
  if (!out) throw new Error(`no UDP answer to ${type} ${name}`);
  return packet.decode(out);
}
