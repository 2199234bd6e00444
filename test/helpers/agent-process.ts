// Runs a real agent process (node dist/cli/main.js agent ...) for tests that kill -9 it; needs
// `npm run build` first (npm test builds). Killed at test end if still running.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');

export interface AgentProcess {
  child: ChildProcess;
  /** Everything it wrote, for failure messages. */
  output(): string;
  /** SIGKILL, resolved once it is gone. */
  kill9(): Promise<void>;
}

export function startAgentProcess(
  t: Test,
  options: { masterUrl: string; runtime: 'docker' | 'process'; workDir: string; resources: string; logLevel?: string },
): AgentProcess {
  const child = spawn(
    process.execPath,
    [MAIN, 'agent', '--master', options.masterUrl, '--runtime', options.runtime, '--work-dir', options.workDir, '--resources', options.resources, '--log-level', options.logLevel ?? 'info', '--hostname', 'recovery-test'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const kill9 = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  t.teardown(kill9);
  return { child, output: () => out, kill9 };
}
