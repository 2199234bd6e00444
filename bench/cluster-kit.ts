// What the cluster benches share: a master in its own process (so its CPU and memory are its
// own), /proc readings of a process, and many hollow agents (the real agent code and protocol over
// real WebSockets; the HollowRuntime only pretends to run tasks) in this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Agent, HollowRuntime, type HostSample, type LaunchSpec } from '../agent/index.js';
import { resources } from '../protocol/index.js';

const CLK_TCK = 100;
/** Agents connect this many at a time, so the master is not hit by thousands of handshakes at once. */
const CONNECT_CONCURRENCY = 200;
export const AGENT_RES = { cpus: 8, memMb: 16_384, diskMb: 0 };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a /proc/.../stat file, in seconds. */
function statCpuSeconds(file: string): number {
  const stat = readFileSync(file, 'utf8');
  // Fields after the command name (which may hold spaces) start at the state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

export function procStat(pid: number): { cpuSeconds: number; rssBytes: number } {
  const cpuSeconds = statCpuSeconds(`/proc/${pid}/stat`);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { cpuSeconds, rssBytes: rssKb * 1024 };
}

/** CPU seconds of the calling thread (main or worker) so far. */
export function threadCpuSeconds(): number {
  return statCpuSeconds('/proc/thread-self/stat');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface MasterProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  httpUrl: string;
  stderr: () => string;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Another build's dist/cli/main.js (a baseline); this build's by default. */
  cli?: string;
  /** Open an IPC channel to the master (for a probe loaded with --import). */
  ipc?: boolean;
}

/** `berth master` on a free loopback port with extra flags; resolves once it answers /health. */
export async function spawnMaster(flags: string[] = [], nodeArgs: string[] = [], options: SpawnOptions = {}): Promise<MasterProcess> {
  const port = await freePort();
  const cli = options.cli ?? fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const args = [...nodeArgs, cli, 'master', '--port', String(port), '--log-level', 'warn', ...flags];
  const child = spawn(process.execPath, args, { stdio: options.ipc ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    // A profiled master writes its .cpuprofile on the way out; give it time.
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 30_000)))]);
    clearTimeout(timer);
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const httpUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the master exited (${child.exitCode}): ${err}`);
    try {
      const res = await fetch(`${httpUrl}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the master did not answer ${httpUrl}/health within 20 s: ${err}`);
    }
    await sleep(100);
  }
  return { child, pid: child.pid as number, url: `ws://127.0.0.1:${port}`, httpUrl, stderr: () => err, stop };
}

const silent = pino({ level: 'silent' });
const hostSample = (): HostSample => ({ totalBytes: 24 * 2 ** 30, availableBytes: 16 * 2 ** 30, cpuPercent: 0 });

/** What a hollow agent advertises. */
export interface AgentSize {
  cpus: number;
  memMb: number;
}

export interface HollowAgentOptions {
  /** Reconnect backoff; failover wants it short, a scale run patient. */
  reconnect?: { initialMs: number; maxMs: number };
  /** How long every task "runs" before it finishes; none = until killed. */
  taskDurationMs?: number;
  /** A task's own duration in ms, read from this variable of its environment (trace replays). */
  durationEnv?: string;
  /** Agent i's size (by its number, offset included); the default is 8 cpus and 16 GiB. */
  sizes?: readonly AgentSize[];
  /**
   * Run the compact pool (bench/hollow-pool.ts: the protocol without the agent's machinery)
   * instead of full agents; its agents have their sizes (or the default) and their tasks all run
   * taskDurationMs (or until killed).
   */
  compact?: boolean;
}

function hollowRuntime(o: HollowAgentOptions): HollowRuntime {
  const env = o.durationEnv;
  const durationOf = env === undefined ? undefined : (spec: LaunchSpec) => {
    const ms = Number(spec.environment[env]);
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  };
  return new HollowRuntime({ ...(o.taskDurationMs === undefined ? {} : { durationMs: o.taskDurationMs }), ...(durationOf ? { durationOf } : {}) });
}

function newAgent(i: number, masterUrl: string, workDir: string, o: HollowAgentOptions): Agent {
  const size = o.sizes?.[i] ?? AGENT_RES;
  return new Agent({
    masterUrl,
    runtime: hollowRuntime(o),
    log: silent,
    workDir,
    hostname: `hollow-${i}`,
    bootId: 'bench',
    resources: resources.normalize({ cpus: size.cpus, memMb: size.memMb, diskMb: 0, ports: [] }),
    // 10,000 sockets on one loopback: slow heartbeats, patient handshakes and registrations, so a
    // busy master is not mistaken for a dead one.
    heartbeatIntervalMs: 30_000,
    heartbeatTimeoutMs: 120_000,
    handshakeTimeoutMs: 60_000,
    registerTimeoutMs: 120_000,
    reconnect: o.reconnect ?? { initialMs: 1_000, maxMs: 10_000 },
    statusRetry: { initialMs: 10_000, maxMs: 60_000 },
    // Usage reports are not part of these workloads; a fixed host sample keeps them cheap.
    usageIntervalMs: 600_000,
    // Work dirs are in /dev/shm: synchronous checkpoint writes take microseconds and spare the
    // thread-pool hand-offs that were about half of an agent worker's CPU.
    checkpointWrites: 'blocking',
    hostSample,
  });
}

/**
 * Starts n hollow agents against masterUrl (one URL or a comma list) and waits until all
 * registered. offset numbers them, so several workers' agents have distinct names.
 */
export async function startAgents(n: number, masterUrl: string, root: string, o: HollowAgentOptions = {}, offset = 0): Promise<Agent[]> {
  const agents: Agent[] = [];
  for (let start = offset; start < offset + n; start += CONNECT_CONCURRENCY) {
    const batch: Agent[] = [];
    for (let i = start; i < Math.min(offset + n, start + CONNECT_CONCURRENCY); i++) {
      const dir = join(root, `a${i}`);
      await mkdir(dir, { recursive: true });
      const agent = newAgent(i, masterUrl, dir, o);
      agent.start();
      batch.push(agent);
      agents.push(agent);
    }
    await Promise.all(batch.map((a) => a.whenRegistered()));
  }
  return agents;
}

export interface RedisProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** redis-server on a free loopback port in dir, appendonly; by default every write fsync'd (as production should run it). */
export async function spawnRedis(dir: string, appendfsync: 'always' | 'everysec' = 'always'): Promise<RedisProcess> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', appendfsync], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const { createClient } = await import('redis');
  for (let i = 0; ; i++) {
    const client = createClient({ url, socket: { reconnectStrategy: false } });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      await client.quit();
      break;
    } catch {
      if (i > 100) throw new Error('redis-server did not start; is it installed (apt-get install -y redis-server)?');
      await sleep(50);
    }
  }
  return {
    url,
    pid: child.pid as number,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Hollow agents spread over worker threads, each measuring its own load. */
export interface AgentFleet {
  /** Starts measuring event-loop lag and busyness in every worker. */
  measure(): Promise<void>;
  /** The worst worker's loop busyness and p99 lag since measure(), and the compact pools' disconnects and re-sent updates. */
  report(): Promise<{ elu: number; lagP99Ms: number; disconnects: number; resent: number }>;
  /** Each worker thread's own CPU seconds so far. */
  cpuSeconds(): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startFleet(n: number, masterUrl: string, root: string, workers: number, agentOptions: HollowAgentOptions = {}): Promise<AgentFleet> {
  const { Worker } = await import('node:worker_threads');
  const file = fileURLToPath(new URL('./hollow-worker.js', import.meta.url));
  const per = Math.ceil(n / workers);
  // A harness under --cpu-prof profiles its workers too (each writes its own profile).
  const execArgv = process.execArgv.includes('--cpu-prof') ? process.execArgv : [];
  const threads = Array.from({ length: workers }, (_, w) =>
    new Worker(file, { execArgv, workerData: { count: Math.max(0, Math.min(per, n - w * per)), offset: w * per, masterUrl, root, agentOptions } }));
  const next = (w: InstanceType<typeof Worker>, type: string): Promise<Record<string, number>> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: { type: string } & Record<string, number>): void => {
        if (m.type !== type) return;
        w.off('message', onMessage);
        resolve(m);
      };
      w.on('message', onMessage);
      w.once('error', reject);
    });
  await Promise.all(threads.map((w) => next(w, 'ready')));
  return {
    async measure() {
      await Promise.all(threads.map((w) => {
        const done = next(w, 'measuring');
        w.postMessage({ type: 'measure' });
        return done;
      }));
    },
    async report() {
      const all = await Promise.all(threads.map((w) => {
        const done = next(w, 'report');
        w.postMessage({ type: 'report' });
        return done;
      }));
      const sum = (k: string): number => all.reduce((n, r) => n + (r[k] ?? 0), 0);
      return { elu: Math.max(...all.map((r) => r.elu ?? 0)), lagP99Ms: Math.max(...all.map((r) => r.lagP99Ms ?? 0)), disconnects: sum('disconnects'), resent: sum('resent') };
    },
    async cpuSeconds() {
      const all = await Promise.all(threads.map((w) => {
        const done = next(w, 'cpu');
        w.postMessage({ type: 'cpu' });
        return done;
      }));
      return all.map((r) => r.seconds ?? NaN);
    },
    async stop() {
      await Promise.all(threads.map((w) => {
        const done = next(w, 'stopped');
        w.postMessage({ type: 'stop' });
        return done.then(() => w.terminate());
      }));
    },
  };
}
