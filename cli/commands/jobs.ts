// berth jobs: submit job files, start runs (with parameters), list and inspect jobs and runs,
// read a run's logs, cancel runs and delete jobs, through the batch framework's HTTP API.
import { PARAMETER_NAME_PATTERN } from '../../frameworks/batch/spec/schema.js';
import { MASTER_API_FLAG, Problems, masterApi, outputFlag, parseAssignments, type Command, type FlagSpec, type Flags, TOKEN_FLAG } from '../flags.js';
import type { JobSpec } from '../../frameworks/batch/index.js';
import type { RunRecord, WorkflowRunRecord } from '../../frameworks/batch/store/index.js';
import { printAnswer, progressWriter, type AnswerFormat } from '../output.js';
import { followStream } from '../stream-follow.js';
import { readSpecFile } from '../spec-file.js';
import { BatchClient, isRunId, jobId } from '../jobs/client.js';
import { jobsText, jobText, runsText, runText, workflowText } from '../jobs/render.js';
import { runLogs } from '../jobs/run-logs.js';
import { waitForRun } from '../jobs/wait-run.js';

const ACTIONS = ['submit', 'run', 'ls', 'get', 'runs', 'logs', 'cancel', 'rm'] as const;
type Action = (typeof ACTIONS)[number];
const FORMATS = ['table', 'json', 'yaml'] as const;

/** The batch framework's --batch flag, shared with berth run. */
export const BATCH_API_FLAG: FlagSpec = { type: 'string', default: 'http://127.0.0.1:5080', env: 'BERTH_BATCH', help: "the batch framework's HTTP API (berth dev serves it on :5080)", rule: 'an http:// or https:// URL', placeholder: 'URL' };

const needs: Record<Action, string> = {
  submit: '',
  ls: '',
  run: 'a job id, such as /demo/hello',
  get: 'a job id (/demo/hello) or a run id (run-...)',
  runs: 'a job id, such as /demo/hello',
  logs: 'a run id (see berth jobs runs JOB)',
  cancel: 'a run id (see berth jobs runs JOB)',
  rm: 'a job id, such as /demo/hello',
};

function parse(flags: Flags, positionals: string[]) {
  const problems = new Problems('jobs');
  const batch = problems.url(flags, 'batch', ['http', 'https']);
  const master = masterApi(flags, problems);
  const format = problems.oneOf(flags, 'output', FORMATS);
  const [verb, id = '', ...extra] = positionals;
  const action = (ACTIONS as readonly string[]).includes(verb ?? '') ? (verb as Action) : undefined;
  if (!action) problems.add(verb ? `unknown action '${verb}'; use one of ${ACTIONS.join(', ')}` : `name an action: ${ACTIONS.join(', ')}`);
  const file = typeof flags.file === 'string' ? flags.file : '';
  if (action === 'submit' && !file) problems.add('submit needs -f FILE (a job file, YAML or JSON; - reads stdin)');
  if (action !== 'submit' && file) problems.add('-f is for submit');
  if (action && needs[action] && !id) problems.add(`${action} needs ${needs[action]}`);
  if (action && !needs[action] && id) extra.unshift(id);
  if (extra.length > 0) problems.add(`unexpected arguments: ${extra.join(' ')}`);
  const paramValues = (flags.param as string[] | undefined) ?? [];
  if (paramValues.length > 0 && action !== 'run') problems.add('--param is for run');
  const params = parseAssignments(paramValues, 'param', new RegExp(PARAMETER_NAME_PATTERN), 'a letter or _ then letters, digits or _ (at most 64)', problems);
  if (flags.wait && action !== 'run') problems.add('--wait is for run');
  if (flags.follow && action !== 'logs') problems.add('--follow is for logs');
  if (flags.watch && action !== 'get') problems.add('--watch is for get');
  if (flags.watch && action === 'get' && isRunId(id)) problems.add(`--watch follows a job, not a run: give a job id (berth jobs get JOB --watch shows its runs as they change)`);
  if ((action === 'logs' || action === 'cancel') && id && !isRunId(id)) problems.add(`${action} needs a run id like run-mabc123-0f1e2d, got '${id}' (berth jobs runs JOB lists them)`);
  problems.throwIfAny();
  return { action: action as Action, id, file, params, format, client: new BatchClient(batch), master };
}

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'Submit batch jobs, start runs with parameters, list jobs and runs, read logs, cancel, delete.',
  usage: 'berth jobs submit -f FILE | run ID [--param K=V ...] [--wait] | ls | get ID|RUN_ID [--watch] | runs ID | logs RUN_ID [--follow] | cancel RUN_ID | rm ID  [--batch URL] [-o table|json|yaml]',
  actions: ACTIONS,
  flags: {
    token: TOKEN_FLAG,
    batch: BATCH_API_FLAG,
    master: { ...MASTER_API_FLAG, help: 'with logs: the master to read task output from' },
    file: { type: 'string', short: 'f', help: 'with submit: the job file, YAML or JSON (docs/batch.md); - reads stdin', placeholder: 'FILE' },
    param: { type: 'string', short: 'p', multiple: true, help: "with run: a value for one of the job's parameters (the value may hold = and ,)", rule: 'NAME=VALUE', placeholder: 'K=V' },
    wait: { type: 'boolean', short: 'w', help: 'with run: show the run\'s progress until it ends; exit 0 when it succeeded, 1 otherwise' },
    follow: { type: 'boolean', help: 'with logs: keep printing as tasks start and write, until the run ends (Ctrl-C stops)' },
    watch: { type: 'boolean', help: "with get JOB: keep printing the job and its runs as they change (the batch framework's stream); Ctrl-C stops. With -o json, one document per line" },
    output: outputFlag(FORMATS),
  },
  examples: [
    'berth jobs submit -f examples/batch/hello.yaml',
    'berth jobs run /demo/hello --wait',
    'berth jobs run /reports/daily --param day=2026-12-01 --param region=eu',
    'berth jobs ls',
    'berth jobs get /demo/hello -o yaml          # the job, defaults filled',
    'berth jobs runs demo/hello                  # the leading slash may be left out',
    'berth jobs get /demo/hello --watch          # the job and its runs, kept live',
    'berth jobs get run-mabc123-0f1e2d           # one run: outcome and every task attempt',
    'berth jobs logs run-mabc123-0f1e2d --follow',
    'berth jobs cancel run-mabc123-0f1e2d',
    'berth jobs rm /demo/hello',
  ],
  async run(flags, positionals) {
    const p = parse(flags, positionals);
    const c = p.client;
    const print = (value: unknown, text: () => string): number => printAnswer(p.format, value, text);
    switch (p.action) {
      case 'submit': {
        const file = await readSpecFile('jobs submit', p.file);
        const r = await c.submit(file.text, file.contentType);
        return print(r, () => [...r.jobs.map((id) => `submitted ${id}`), ...r.warnings.map((w) => `warning: ${w}`)].join('\n'));
      }
      case 'run': {
        const r = await c.start(p.id, p.params);
        const text = `started ${r.runId} of ${jobId(p.id)}${r.workflowRunId ? ` (workflow run ${r.workflowRunId})` : ''}`;
        if (!flags.wait) return print(r, () => text);
        if (p.format === 'table') process.stdout.write(`${text}\n`);
        const end = await waitForRun(c, r.runId, progressWriter(p.format));
        if (p.format !== 'table') print(end, () => '');
        return end.run.state === 'succeeded' ? 0 : 1;
      }
      case 'ls': {
        const jobs = await c.list();
        return print({ jobs }, () => jobsText(jobs));
      }
      case 'get': {
        if (isRunId(p.id)) {
          const r = await c.run(p.id);
          return print(r, () => ('workflow' in r ? workflowText(r.workflow) : runText(r.run, r.tasks)));
        }
        const j = await c.get(p.id);
        if (flags.watch) return watchJob(c, j.job.id, p.format);
        return print(j, () => jobText(j.job, j.nextRunsMs));
      }
      case 'runs': {
        const runs = await c.runs(p.id);
        return print({ runs }, () => runsText(runs));
      }
      case 'logs': {
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        const first = await c.run(p.id);
        const several = !('workflow' in first) && first.run.spec.completions > 1;
        await runLogs({ batch: c, master: p.master, runId: p.id, follow: Boolean(flags.follow), prefix: several, signal: stop.signal, warn: (line) => process.stderr.write(`berth jobs: ${line}\n`) });
        return 0;
      }
      case 'cancel': {
        const r = await c.cancel(p.id);
        return print(r, () => `${r.run.runId}: ${r.run.state} (${r.run.reason})`);
      }
      case 'rm': {
        const r = await c.remove(p.id);
        return print(r, () => `deleted ${r.deleted}${r.cancelled.length ? `; cancelled its runs ${r.cancelled.join(', ')}` : ''}`);
      }
    }
  },
};

/** berth jobs get JOB --watch: the job, its recent runs and workflow runs from the batch stream. */
function watchJob(c: BatchClient, id: string, format: AnswerFormat): Promise<number> {
  return followStream({
    base: c.base,
    path: c.streamPath(id),
    command: 'berth jobs',
    format,
    pick: (doc) => ({ job: (doc.jobs as JobSpec[])[0], runs: doc.runs as RunRecord[], workflows: doc.workflows as WorkflowRunRecord[] }),
    render: ({ job, runs }) => [job ? jobText(job, []) : `${id}: deleted`, '', `RUNS (${runs.length} recent)`, runsText(runs)].join('\n'),
  });
}
