// Real berth processes for tests (npm test builds dist/ first): masters on free loopback ports,
// with their output kept for assertions and stopped at test end.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { Test } from 'tap';
import { until } from './poll.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const a = probe.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Listens on a free loopback port; resolves with the port. */
export async function listenLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

export interface MasterProcess {
  proc: ChildProcess;
  port: number;
  url: string;
  http: string;
  output(): string;
  exited(): boolean;
  health(): Promise<{ leadership: string; epoch: number } | undefined>;
}

/** A master process with these flags (and, when given, more environment variables). */
export async function spawnMaster(t: Test, args: string[], env?: Record<string, string>): Promise<MasterProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['dist/cli/main.js', 'master', '--port', String(port), '--log-level', 'info', ...args], { stdio: ['ignore', 'ignore', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
  let out = '';
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  let exited = false;
  proc.on('exit', () => (exited = true));
  t.teardown(() => {
    if (!exited) {
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
    }
  });
  const m: MasterProcess = {
    proc,
    port,
    url: `ws://127.0.0.1:${port}`,
    http: `http://127.0.0.1:${port}`,
    output: () => out,
    exited: () => exited,
    async health() {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) });
        return (await res.json()) as { leadership: string; epoch: number };
      } catch {
        return undefined;
      }
    },
  };
  await until(`master on ${port} answers`, async () => (await m.health()) !== undefined || exited, 15_000);
  if (exited) throw new Error(`master exited at start:\n${out}`);
  return m;
}

/** The first master (of those given) that reports leading. */
export async function leaderOf(masters: MasterProcess[], timeoutMs = 15_000): Promise<{ master: MasterProcess; epoch: number }> {
  return until('a leader', async () => {
    for (const m of masters) {
      if (m.exited()) continue;
      const h = await m.health();
      if (h?.leadership === 'leading') return { master: m, epoch: h.epoch };
    }
    return undefined;
  }, timeoutMs);
}
