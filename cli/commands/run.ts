// berth run: runs one command as a one-task batch job, streams its output, and exits with its
// exit code (as `docker run` and `kubectl run` do), on a host or, with --image, in a container.
import { setTimeout as sleep } from 'node:timers/promises';
import type { MasterState } from '../../master/index.js';
import { ENV_NAME_PATTERN } from '../../frameworks/batch/spec/schema.js';
import { Problems, masterApi, MASTER_API_FLAG, parseAssignments, type Command, TOKEN_FLAG } from '../flags.js';
import { getJson } from '../http.js';
import { durationMs, numberOf } from '../option-flags.js';
import { BatchClient } from '../jobs/client.js';
import { runLogs } from '../jobs/run-logs.js';
import { waitForRun } from '../jobs/wait-run.js';
import { cannotRun, freeNow, oneOffId, oneOffJob, type OneOffRequest } from '../run/one-off.js';
import { BATCH_API_FLAG } from './jobs.js';

const POLL_MS = 250;
/** After this long waiting for resources, say so once. */
const SAY_WAITING_MS = 3_000;

const say = (line: string): void => {
  process.stderr.write(`berth run: ${line}\n`);
};

/** Waits until the run has a task (or has ended); undefined when it did not start in time. */
async function started(batch: BatchClient, runId: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const begin = Date.now();
  let told = false;
  while (!signal.aborted) {
    const r = await batch.run(runId);
    if ('workflow' in r) throw new Error(`${runId} is a workflow run`);
    if (r.tasks.length > 0 || r.run.state !== 'pending') return true;
    const waited = Date.now() - begin;
    if (waited >= timeoutMs) return false;
    if (!told && waited >= SAY_WAITING_MS) {
      told = true;
      say(`${r.run.reason}; Ctrl-C gives up`);
    }
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return false;
}

export const runCommand: Command = {
  name: 'run',
  summary: "Run one command as a one-task batch job, print its output, exit with its exit code.",
  usage: 'berth run [--image IMAGE] [--cpus N] [--mem MB] [--role R] [--env K=V ...] [--batch URL] [--master URL] -- CMD [ARG...]',
  flags: {
    token: TOKEN_FLAG,
    image: { type: 'string', help: 'run in a Docker container of this image, by its /bin/sh (on an agent with the docker runtime); without it the command runs on an agent\'s host (process runtime)', placeholder: 'IMAGE' },
    cpus: { type: 'string', default: '0.5', help: 'cpus for the task', rule: 'a number > 0', placeholder: 'N' },
    mem: { type: 'string', default: '128', help: 'memory for the task, in MB', rule: 'a number > 0', placeholder: 'MB' },
    role: { type: 'string', default: '*', help: "the role whose resources it uses (one of the batch framework's roles)", placeholder: 'R' },
    env: { type: 'string', short: 'e', multiple: true, help: 'an environment variable for the command (the value may hold = and ,)', rule: 'NAME=VALUE', placeholder: 'K=V' },
    'start-timeout': { type: 'string', default: '2m', help: 'give up (and cancel the run) when the task has not started within this', placeholder: 'DURATION' },
    rm: { type: 'boolean', help: 'delete the job when the run has ended (without it the job stays, for berth jobs ls, runs and get)' },
    batch: BATCH_API_FLAG,
    master: { ...MASTER_API_FLAG, help: "the master, to check the agents and to read the task's output" },
  },
  examples: [
    "berth run -- sh -c 'echo hi; exit 3'          # prints hi, exits 3",
    'berth run --cpus 1 --mem 512 -- ./train.sh --epochs 2',
    'berth run --image busybox:latest -- ls /',
    "berth run -e NAME=world -- sh -c 'echo hello $NAME'",
  ],
  async run(flags, positionals) {
    const problems = new Problems('run');
    const master = masterApi(flags, problems);
    const batchUrl = problems.url(flags, 'batch', ['http', 'https']);
    const cpus = numberOf(flags, 'cpus', problems);
    const memMb = numberOf(flags, 'mem', problems);
    if (cpus !== undefined && !(cpus > 0)) problems.add(`--cpus must be > 0, got '${String(flags.cpus)}'`);
    if (memMb !== undefined && !(memMb > 0)) problems.add(`--mem must be > 0 (MB), got '${String(flags.mem)}'`);
    const startTimeoutMs = durationMs(flags, 'start-timeout', problems);
    const env = parseAssignments((flags.env as string[] | undefined) ?? [], 'env', new RegExp(ENV_NAME_PATTERN), 'a letter or _ then letters, digits or _', problems);
    const image = typeof flags.image === 'string' ? flags.image : undefined;
    if (image === '') problems.add('--image must name an image, such as busybox:latest');
    if (positionals.length === 0) problems.add("name the command after --, e.g. berth run -- sh -c 'echo hi'");
    problems.throwIfAny();
    const request: OneOffRequest = { command: positionals, image, cpus: cpus as number, memMb: memMb as number, role: String(flags.role), env };

    const why = cannotRun(await getJson<MasterState>(`${master}/api/v1/state`), request);
    if (why) throw new Error(`cannot run it: ${why}.`);
    const batch = new BatchClient(batchUrl);
    const id = oneOffId(Date.now());
    await batch.submit(JSON.stringify(oneOffJob(id, request)), 'application/json');
    const { runId } = await batch.start(id, {});
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    try {
      const ok = await started(batch, runId, startTimeoutMs ?? 120_000, stop.signal);
      if (!ok) {
        await batch.cancel(runId).catch(() => undefined);
        if (stop.signal.aborted) return 130;
        const free = freeNow(await getJson<MasterState>(`${master}/api/v1/state`), image === undefined ? 'process' : 'docker');
        say(`the task did not start within ${String(flags['start-timeout'])}: no agent had ${request.cpus} cpus and ${request.memMb} MB free (free now: ${free}). Free some (berth state shows what runs), ask for less with --cpus and --mem, or wait longer with --start-timeout. The run ${runId} was cancelled.`);
        return 1;
      }
      // Said only of a task that ran: one that never launched has no logs, and its end says why.
      const unread: string[] = [];
      await runLogs({ batch, master, runId, follow: true, prefix: false, signal: stop.signal, warn: (line) => unread.push(line) });
      if (stop.signal.aborted) {
        const r = await batch.cancel(runId).catch(() => undefined);
        say(`interrupted; ${r ? `run ${runId} cancelled` : `run ${runId} had already ended`}`);
        return 130;
      }
      const { run } = await waitForRun(batch, runId, () => undefined, POLL_MS);
      if (run.outcome?.exitCode !== undefined) unread.forEach(say);
      if (run.state === 'succeeded') return 0;
      const code = run.outcome?.exitCode;
      if (code !== undefined && code > 0) return Math.min(code, 255);
      const attempt = run.outcome?.attempts.at(-1);
      say(`the task could not run: ${run.state}: ${attempt?.message ?? run.reason} (berth jobs get ${runId})`);
      return 1;
    } finally {
      process.off('SIGINT', onSignal);
      if (flags.rm) await batch.remove(id).catch((err: unknown) => say(`could not delete job ${id}: ${(err as Error).message}`));
    }
  },
};
