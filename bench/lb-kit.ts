// What the lb bench runs: busybox httpd backends, berth lb and HAProxy as processes of their own,
// a static endpoints stream for berth lb to follow, and wrk with its output read into numbers.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChannelServer, StatePublisher } from '../protocol/index.js';
import { sleep } from './cluster-kit.js';

export interface Proc {
  child: ChildProcess;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a program; its output (both streams) is kept for error messages. */
export function start(command: string, args: string[]): Proc {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    pid: child.pid as number,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function untilListening(port: number, proc: Proc, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${what} exited (${proc.child.exitCode}): ${proc.output()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on :${port} within 15 s: ${proc.output()}`);
    await sleep(50);
  }
}

/** `busybox httpd` serving `dir` on each port (it forks per connection and closes after each response). */
export async function busyboxBackends(dir: string, ports: number[]): Promise<Proc[]> {
  await writeFile(join(dir, 'index.html'), 'hello from busybox httpd\n');
  const procs = ports.map((p) => start('/usr/bin/busybox', ['httpd', '-f', '-p', `127.0.0.1:${p}`, '-h', dir]));
  await Promise.all(procs.map((proc, i) => untilListening(ports[i] as number, proc, 'busybox httpd')));
  return procs;
}

/** A services API stand-in serving one fixed endpoints document on GET /api/v1/stream. */
export async function staticEndpointsStream(endpoints: unknown[]): Promise<{ url: string; close(): Promise<void> }> {
  const publisher = new StatePublisher({ read: () => ({ endpoints }) });
  const server: Server = createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const channels = new ChannelServer(server, {});
  channels.textRoute('/api/v1/stream', {
    check: () => undefined,
    open: (socket) => {
      const unsubscribe = publisher.subscribe({ key: 'endpoints', select: (d) => d }, (text) => (socket.open ? (socket.send(text), true) : false));
      socket.onClose(unsubscribe);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      channels.closeAll(1001, 'bench over');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `berth lb` (the built CLI) following `servicesUrl`, its admin server on a free port. */
export async function berthLb(servicesUrl: string, algorithm: string, forwarding?: string): Promise<Proc & { adminUrl: string }> {
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const proc = start(process.execPath, [cli, 'lb', '--services', servicesUrl, '--admin-port', '0', '--algorithm', algorithm, ...(forwarding ? ['--forwarding', forwarding] : []), '--log-level', 'warn']);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /admin\s+(http:\/\/\S+)\/metrics/.exec(proc.output());
    if (m) return { ...proc, adminUrl: m[1] as string };
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      await proc.stop();
      throw new Error(`berth lb did not start: ${proc.output()}`);
    }
    await sleep(50);
  }
}

/** HAProxy in TCP mode, round robin over the backends, one thread (as berth lb has one event loop). */
export async function haproxy(dir: string, port: number, backends: number[]): Promise<Proc> {
  const config = [
    'global',
    '  maxconn 4096',
    '  nbthread 1',
    'defaults',
    '  mode tcp',
    '  timeout connect 5s',
    '  timeout client 30s',
    '  timeout server 30s',
    'listen bench',
    `  bind 127.0.0.1:${port}`,
    '  balance roundrobin',
    ...backends.map((p, i) => `  server b${i} 127.0.0.1:${p}`),
    '',
  ].join('\n');
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, config);
  const proc = start('/usr/sbin/haproxy', ['-db', '-f', file]);
  await untilListening(port, proc, 'haproxy');
  return proc;
}

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

/** "1.23ms", "456.00us", "1.50s" in ms. */
export function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/** Reads wrk's --latency report. */
export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? NaN);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: wrkMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p99Ms: wrkMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    requests: num(/(\d+) requests in/),
    errors: (errors ? errors.slice(1).reduce((n, e) => n + Number(e), 0) : 0) + (Number.isNaN(non2xx) ? 0 : non2xx),
  };
}

/** wrk against `url` with `connections` for `seconds`. */
export async function wrk(url: string, connections: number, threads: number, seconds: number): Promise<WrkResult & { output: string }> {
  const proc = start('/usr/bin/wrk', ['-t', String(Math.min(threads, connections)), '-c', String(connections), '-d', `${seconds}s`, '--latency', url]);
  await new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
  const output = proc.output();
  const result = parseWrk(output);
  if (Number.isNaN(result.rps)) throw new Error(`wrk printed no Requests/sec: ${output}`);
  return { ...result, output };
}
