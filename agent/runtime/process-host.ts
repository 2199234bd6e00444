// The process runtime's dealings with the host: a task's pid file and /proc entries (so a
// restarted agent takes back the same process, never a reused pid), process-group signals, and
// short-lived children with a deadline (command health checks).
import type { ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExecOptions, ExecResult } from './runtime.js';

/** The file in a task's sandbox that names its process (pid and start time). */
export const PID_FILE = '.berth-pid';

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

// After the name: state is field 3 of the line (index 0 here), starttime field 22 (index 19).
const STATE_FIELD = 0;
const START_FIELD = 19;

/** Whether pid still is the process that started at startTicks (a zombie counts as ended). */
export async function processState(pid: number, startTicks: number): Promise<'running' | 'gone'> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!text) return 'gone';
  const fields = statFields(text);
  if (Number(fields[START_FIELD]) !== startTicks) return 'gone';
  const state = fields[STATE_FIELD];
  return state === 'Z' || state === 'X' || state === 'x' ? 'gone' : 'running';
}

/** Records pid and its start time in the sandbox (tmp + rename); returns the start time. */
export function writePidFile(sandboxDir: string, pid: number): number {
  let startTicks = -1;
  try {
    startTicks = Number(statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[START_FIELD]);
  } catch {
    // Already gone: the exit event reports it; the pid file is not needed.
  }
  const file = path.join(sandboxDir, PID_FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify({ pid, startTicks }));
  renameSync(`${file}.tmp`, file);
  return startTicks;
}

export async function readPidFile(sandboxDir: string): Promise<{ pid: number; startTicks: number } | undefined> {
  const text = await readFile(path.join(sandboxDir, PID_FILE), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { pid?: unknown; startTicks?: unknown };
    if (typeof parsed.pid === 'number' && typeof parsed.startTicks === 'number' && parsed.pid > 0) {
      return { pid: parsed.pid, startTicks: parsed.startTicks };
    }
  } catch {
    // A torn or foreign file: treated as no record.
  }
  return undefined;
}

const OUTPUT_KEEP_BYTES = 4096;

/** Waits for a short-lived child (a health check), killing its group when it overruns. */
export function runBounded(child: ChildProcess, options: ExecOptions): Promise<ExecResult> {
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEEP_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return new Promise((resolve) => {
    let timedOut = false;
    const stop = (): void => {
      timedOut = true;
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    };
    const timer = setTimeout(stop, Math.max(1, options.timeoutMs));
    options.signal?.addEventListener('abort', stop, { once: true });
    const done = (exitCode: number | null, error?: string): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
      resolve({ exitCode: timedOut ? null : exitCode, output: error ?? output, timedOut });
    };
    child.once('error', (e) => done(null, e.message));
    child.once('close', (code) => done(code));
  });
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
