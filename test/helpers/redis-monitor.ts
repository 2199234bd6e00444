// Follows a Redis server's MONITOR feed and reports every state change berth's apply script made
// (its XADD to the events stream) with the epoch it wrote under and the client that ran the
// script. Reconnects while Redis is away (a restart), so a scenario's whole run is covered.
import { createConnection, type Socket } from 'node:net';

export interface MonitoredWrite {
  atMs: number;
  /** The client address (ip:port) of the script call the write came from. */
  client: string;
  epoch: number;
  /** "type id", e.g. "task.put t1". */
  change: string;
}

/** Splits the arguments of a MONITOR line: "a" "b\"c" "\x00"... into their values. */
export function monitorArgs(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') {
      i++;
      continue;
    }
    let value = '';
    for (i++; i < text.length && text[i] !== '"'; i++) {
      if (text[i] !== '\\') {
        value += text[i];
        continue;
      }
      const next = text[++i];
      if (next === 'x') {
        value += String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
        i += 2;
      } else value += next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : (next ?? '');
    }
    out.push(value);
    i++;
  }
  return out;
}

const LINE = /^\+(\d+)\.(\d+) \[\d+ ([^\]]+)\] (.*)$/;

export class RedisMonitor {
  #port: number;
  #eventsKey: string;
  #onWrite: (w: MonitoredWrite) => void;
  #socket: Socket | undefined;
  #stopped = false;
  #buffer = '';
  /** The last client (not a script) whose command the feed showed: the one running the script. */
  #caller = '';
  #retry: NodeJS.Timeout | undefined;

  constructor(port: number, eventsKey: string, onWrite: (w: MonitoredWrite) => void) {
    this.#port = port;
    this.#eventsKey = eventsKey;
    this.#onWrite = onWrite;
  }

  /** Resolves once the first MONITOR connection is set up. */
  start(): Promise<void> {
    return new Promise((resolve) => this.#connect(resolve));
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#socket?.destroy();
  }

  #connect(ready?: () => void): void {
    if (this.#stopped) return;
    const socket = createConnection({ host: '127.0.0.1', port: this.#port });
    this.#socket = socket;
    this.#buffer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('MONITOR\r\n'));
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let end: number;
      while ((end = this.#buffer.indexOf('\r\n')) >= 0) {
        const line = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        if (line === '+OK') ready?.();
        else this.#line(line);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.#stopped) return;
      this.#retry = setTimeout(() => this.#connect(ready), 50);
    });
  }

  #line(line: string): void {
    const m = LINE.exec(line);
    if (!m) return;
    const [, seconds, micros, client, rest] = m as unknown as [string, string, string, string, string];
    if (client !== 'lua') {
      this.#caller = client;
      return;
    }
    const args = monitorArgs(rest);
    if (args[0]?.toUpperCase() !== 'XADD' || args[1] !== this.#eventsKey) return;
    // XADD key MAXLEN ~ N * field value...: the pairs follow the id, '*'.
    const fields = new Map<string, string>();
    for (let i = args.indexOf('*') + 1; i + 1 < args.length; i += 2) fields.set(args[i] as string, args[i + 1] as string);
    const field = (name: string): string => fields.get(name) ?? '';
    this.#onWrite({
      atMs: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000),
      client: this.#caller,
      epoch: Number(field('epoch')),
      change: `${field('type')} ${field('id')}`,
    });
  }
}
