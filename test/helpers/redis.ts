// Starts a private redis-server for a test: loopback only, its own temp dir, a free port, stopped in
// teardown. Tests never share a server's keys without their own prefix (uniquePrefix()).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.js';

/** The part of a tap test the helper uses (keeps it usable from the top-level `t` and subtests). */
export interface TestLike {
  teardown(fn: () => unknown): void;
  fail(message: string): boolean;
  plan(n: number, comment?: string): void;
}

export interface StartRedisOptions {
  /** AOF on with fsync on every write, so an acknowledged write survives kill -9. */
  appendonly?: boolean;
  /** How long to wait for the server to answer PING. Default 10 s. */
  startTimeoutMs?: number;
  /** More arguments after the defaults (for example `--replicaof 127.0.0.1 PORT`, or `--sentinel`). */
  extraArgs?: string[];
  /** A config file's text, written into the server's dir and given first (sentinels need one they can rewrite). */
  configText?: string;
}

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** The current process id (changes on restart). */
  readonly pid: number;
  /** SIGTERM, waiting (with a deadline, then SIGKILL) until it exited. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash: nothing gets a chance to flush. Resolves once it exited. */
  kill(): Promise<void>;
  /** Starts it again with the same port, dir and settings (stopping it first if running). */
  restart(): Promise<void>;
}

let prefixes = 0;

/** A key prefix no other test (or test process) uses. */
export function uniquePrefix(label = 'test'): string {
  return `berth-${label}:${process.pid}-${++prefixes}-${randomBytes(3).toString('hex')}:`;
}

let installed: boolean | undefined;

/** Whether redis-server is on the PATH. */
export function hasRedisServer(): boolean {
  installed ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return installed;
}

/**
 * Starts redis-server for test t and stops it (removing its dir) in t's teardown. Without
 * redis-server the test fails under CI=true and is skipped elsewhere; then it returns undefined and
 * the caller returns.
 */
export async function startRedis(t: TestLike, options: StartRedisOptions = {}): Promise<RedisServer | undefined> {
  if (!hasRedisServer()) {
    if (process.env.CI === 'true') {
      t.fail('redis-server is not installed; CI must have it: apt-get install -y redis-server');
    } else {
      t.plan(0, 'redis-server is not installed (apt-get install -y redis-server)');
    }
    return undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), 'berth-redis-'));
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;
  let port = 0;

  const args = (): string[] => [
    ...(options.configText !== undefined ? [join(dir, 'redis.conf')] : []),
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--daemonize', 'no',
    '--logfile', '',
    ...(options.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(options.extraArgs ?? []),
  ];
  if (options.configText !== undefined) await writeFile(join(dir, 'redis.conf'), options.configText);

  async function launch(): Promise<void> {
    const proc = spawn('redis-server', args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    proc.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    proc.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`redis-server exited (${proc.exitCode ?? proc.signalCode}) on port ${port}:\n${output}`);
      }
      if (await pings(port)) return;
      await delay(20);
    }
    proc.kill('SIGKILL');
    throw new Error(`redis-server did not answer PING on port ${port} within ${startTimeoutMs} ms:\n${output}`);
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  // The free port can be taken between probing and binding; try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      await halt('SIGKILL');
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  t.teardown(async () => {
    await halt('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return child?.pid ?? -1;
    },
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGTERM');
      await launch();
    },
  };
}

/** True when a server on port answers PING (RESP inline command) within a short timeout. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      // While loading the AOF Redis answers -LOADING; +PONG (or -NOAUTH, when the default user is
      // off) means it serves commands.
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
