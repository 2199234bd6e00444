// The built CLI as a user runs it (dist/cli/main.js, built first): one command to its end, or
// `berth dev` kept running for a test.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Test } from 'tap';
import { until } from './poll.js';

export const CLI = 'dist/cli/main.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a node script (the CLI, an example) to its end; killed after timeoutMs. `env` is added to this process's. */
export function run(args: string[], timeoutMs = 60_000, input?: string, env?: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    if (input !== undefined) child.stdin?.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Keeps a node script (the CLI, a framework's main) running for the test: its output so far, and the process. */
export function keepRunning(t: Test, args: string[]): (() => string) & { child: ChildProcess } {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return Object.assign(() => out, { child });
}

/** `berth ARGS...`. */
export function berth(args: string[], timeoutMs?: number, input?: string): Promise<Run> {
  return run([CLI, ...args], timeoutMs, input);
}

export interface DevCluster {
  url: string;
  http: string;
  /** The admin token of its `export BERTH_TOKEN=...` line. */
  token: string;
  /** That token as an Authorization header, for a test's own fetches. */
  headers: Record<string, string>;
  child: ChildProcess;
  output: () => string;
}

/**
 * Starts `berth dev` on a free port and returns its ws URL once the banner is printed. As a person
 * pastes the banner's export line, the admin token it prints goes into BERTH_TOKEN for the CLI
 * and examples the test runs next (until the test ends).
 */
export async function dev(t: Test, args: string[]): Promise<DevCluster> {
  // Without the batch and services frameworks unless asked for: the tests count the frameworks they start.
  const batch = args.includes('--batch-port') ? [] : ['--no-batch'];
  const services = args.includes('--services-port') ? [] : ['--no-services'];
  // Nor the DNS server or the load balancer's admin server, whose default ports every test would share.
  const dns = args.includes('--dns-port') ? [] : ['--no-dns'];
  const lb = args.includes('--lb-admin-port') ? [] : ['--no-lb'];
  const child = spawn(process.execPath, [CLI, 'dev', '--port', '0', '--log-level', 'warn', ...batch, ...services, ...dns, ...lb, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGINT');
  });
  const url = await until('the dev banner', () => /master\s+(ws:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 20_000);
  const token = await until('the export line of the banner', () => /^export BERTH_TOKEN=(\S+)$/m.exec(out)?.[1], 20_000);
  const before = process.env.BERTH_TOKEN;
  process.env.BERTH_TOKEN = token;
  t.teardown(() => {
    if (before === undefined) delete process.env.BERTH_TOKEN;
    else process.env.BERTH_TOKEN = before;
  });
  return { url, http: url.replace('ws:', 'http:'), token, headers: { authorization: `Bearer ${token}` }, child, output: () => out };
}

/** The load balancer's admin URL from the banner of a `berth dev --services-port ... --lb-admin-port ...`. */
export function lbAdminUrlOf(cluster: DevCluster): Promise<string> {
  return until('the lb line of the banner', () => /lb\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/stats/.exec(cluster.output())?.[1], 20_000);
}

/** A framework's URL from the banner of a `berth dev --batch-port ...` or `--services-port ...`. */
export function frameworkUrlOf(cluster: DevCluster, name: 'batch' | 'services'): Promise<string> {
  const line = new RegExp(`${name}\\s+(http://127\\.0\\.0\\.1:\\d+)/api/v1/${name === 'batch' ? 'jobs' : 'services'}`);
  return until(`the ${name} line of the banner`, () => line.exec(cluster.output())?.[1], 20_000);
}

/** The batch framework's URL from the banner of a `berth dev --batch-port ...`. */
export const batchUrlOf = (cluster: DevCluster): Promise<string> => frameworkUrlOf(cluster, 'batch');
