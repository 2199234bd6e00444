// berth jobs and berth run against a real berth dev with the batch framework (process runtime):
// the output a user sees, the exit codes, and what reaches the task.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { batchUrlOf, berth, CLI, dev } from '../helpers/cli.js';
import { ensureBusyboxImage, requireDocker } from '../helpers/docker.js';

t.before(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build dist/ first (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs)`);
});

const JOB = `
id: /cli/greet
command: echo "greeting=$GREETING index=$BERTH_TASK_INDEX"
env:
  GREETING: "\${greeting}"
parameters:
  greeting: { default: hello }
resources: { cpus: 0.1, memMb: 16 }
`;

t.test('berth run and berth jobs on berth dev', async (t) => {
  const cluster = await dev(t, ['--runtime', 'process', '--agents', '1', '--batch-port', '0']);
  const batch = await batchUrlOf(cluster);
  const at = ['--batch', batch, '--master', cluster.http];

  await t.test('berth run prints the output and exits with the exit code', async (t) => {
    const r = await berth(['run', ...at, '--', 'sh', '-c', 'echo hi; exit 3']);
    t.equal(r.stdout, 'hi\n');
    t.equal(r.code, 3, r.stderr);
    const ok = await berth(['run', ...at, '--rm', '-e', 'WHO=world', '--', 'sh', '-c', 'echo "hello $WHO ${WHO}" \'${literal}\'']);
    t.equal(ok.code, 0, ok.stderr);
    t.equal(ok.stdout, 'hello world world ${literal}\n', '--env reaches the command; its own ${...} are left to the shell');
    const jobs = JSON.parse((await berth(['jobs', 'ls', '-o', 'json', ...at])).stdout) as { jobs: { id: string; run: { command: string } }[] };
    const runJobs = jobs.jobs.filter((j) => j.id.startsWith('/run/'));
    t.equal(runJobs.length, 1, 'each berth run submits a job of its own; --rm deletes it after');
    t.match(runJobs[0]?.run.command, /exit 3/);
  });

  await t.test('berth run says why it cannot run, and what to do', async (t) => {
    const big = await berth(['run', ...at, '--cpus', '64', '--', 'true']);
    t.equal(big.code, 1);
    t.match(big.stderr, /no agent is large enough for 64 cpus and 128 MB .*ask for less with --cpus and --mem/);
    const docker = await berth(['run', ...at, '--image', 'busybox:latest', '--', 'true']);
    t.equal(docker.code, 1);
    t.match(docker.stderr, /no agent runs Docker containers \(the agents run process\)/);
    const usage = await berth(['run', ...at, '--cpus', '0', '--mem', 'lots']);
    t.equal(usage.code, 2);
    t.match(usage.stderr, /--cpus must be > 0/);
    t.match(usage.stderr, /--mem must be a number, got 'lots'/);
    t.match(usage.stderr, /name the command after --/);
  });

  await t.test('submit, run with --param, runs, get and logs round trip in JSON and YAML', async (t) => {
    const path = join(t.testdir(), 'greet.yaml');
    writeFileSync(path, JOB);
    const submit = await berth(['jobs', 'submit', '-f', path, ...at]);
    t.equal(submit.code, 0, submit.stderr);
    t.match(submit.stdout, /submitted \/cli\/greet/);
    const started = await berth(['jobs', 'run', 'cli/greet', '--param', 'greeting=a=b,c', '--wait', ...at]);
    t.equal(started.code, 0, started.stderr);
    const runId = /started (run-\S+) of \/cli\/greet/.exec(started.stdout)?.[1] ?? '';
    t.match(started.stdout, new RegExp(`${runId} SUCCEEDED`));

    const runs = JSON.parse((await berth(['jobs', 'runs', '/cli/greet', '-o', 'json', ...at])).stdout) as { runs: { runId: string; params: Record<string, string>; state: string }[] };
    t.same(runs.runs.map((r) => [r.runId, r.params, r.state]), [[runId, { greeting: 'a=b,c' }, 'succeeded']]);
    const job = parseYaml((await berth(['jobs', 'get', '/cli/greet', '-o', 'yaml', ...at])).stdout) as { job: { id: string; parameters: Record<string, { default?: string }> } };
    t.equal(job.job.id, '/cli/greet');
    t.equal(job.job.parameters.greeting?.default, 'hello');
    const run = JSON.parse((await berth(['jobs', 'get', runId, '-o', 'json', ...at])).stdout) as { run: { state: string }; tasks: { taskId: string; exitCode: number }[] };
    t.equal(run.run.state, 'succeeded');
    t.equal(run.tasks.length, 1);
    t.equal(run.tasks[0]?.exitCode, 0);
    const table = await berth(['jobs', 'get', runId, ...at]);
    t.match(table.stdout, new RegExp(`${run.tasks[0]?.taskId.replaceAll('.', '\\.')}\\s+0\\s+agent-`));
    const logs = await berth(['jobs', 'logs', runId, ...at]);
    t.equal(logs.code, 0, logs.stderr);
    t.equal(logs.stdout, 'greeting=a=b,c index=0\n', '--param reaches the task\'s environment');

    const plain = await berth(['jobs', 'run', '/cli/greet', '-o', 'json', ...at]);
    const second = (JSON.parse(plain.stdout) as { runId: string }).runId;
    const followed = await berth(['jobs', 'logs', second, '--follow', ...at]);
    t.equal(followed.stdout, 'greeting=hello index=0\n', 'the default applies; --follow waits for the task and its output');
  });

  await t.test('bad parameters and ids are refused, naming the rule', async (t) => {
    const bad = await berth(['jobs', 'run', '/cli/greet', '--param', 'greeting', '--param', '9x=1', ...at]);
    t.equal(bad.code, 2);
    t.match(bad.stderr, /--param must look like NAME=VALUE, got 'greeting'/);
    t.match(bad.stderr, /NAME must be a letter or _ .*got '9x'/);
    const unknown = await berth(['jobs', 'run', '/cli/greet', '--param', 'colour=red', ...at]);
    t.equal(unknown.code, 4, 'refused: exit 4');
    t.match(unknown.stderr, /parameters\.colour: unknown-parameter \(\/cli\/greet declares no parameter colour\)/);
    const logsOfJob = await berth(['jobs', 'logs', '/cli/greet', ...at]);
    t.equal(logsOfJob.code, 2);
    t.match(logsOfJob.stderr, /logs needs a run id/);
    const badFile = join(t.testdir(), 'bad.yaml');
    writeFileSync(badFile, 'id: /cli/bad\ncommand: "true"\nresources: { cpus: 0, memMb: 16 }\n');
    const refused = await berth(['jobs', 'submit', '-f', badFile, ...at]);
    t.equal(refused.code, 4, 'refused: exit 4');
    t.match(refused.stderr, /resources\.cpus: minimum \(/);
  });

  await t.test('rm deletes a job; cancel of an ended run is refused', async (t) => {
    const runs = JSON.parse((await berth(['jobs', 'runs', '/cli/greet', '-o', 'json', ...at])).stdout) as { runs: { runId: string }[] };
    const cancel = await berth(['jobs', 'cancel', runs.runs[0]?.runId ?? '', ...at]);
    t.equal(cancel.code, 4, 'refused (409): exit 4');
    t.match(cancel.stderr, /answered 409: CONFLICT run .* is already succeeded/);
    const rm = await berth(['jobs', 'rm', '/cli/greet', ...at]);
    t.equal(rm.code, 0, rm.stderr);
    t.match(rm.stdout, /deleted \/cli\/greet/);
    const gone = await berth(['jobs', 'get', '/cli/greet', ...at]);
    t.equal(gone.code, 3, 'not found: exit 3');
    t.match(gone.stderr, /NOT_FOUND no job \/cli\/greet/);
  });
});

t.test('berth run --image runs the command in a Docker container and exits with its code', async (t) => {
  if (!(await requireDocker(t))) return;
  await ensureBusyboxImage();
  const cluster = await dev(t, ['--runtime', 'docker', '--agents', '1', '--batch-port', '0']);
  const at = ['--batch', await batchUrlOf(cluster), '--master', cluster.http];
  const r = await berth(['run', ...at, '--image', 'busybox:latest', '--cpus', '0.2', '--mem', '32', '--rm', '--', 'sh', '-c', 'test -f /.dockerenv && echo in a container; exit 4']);
  t.equal(r.stdout, 'in a container\n');
  t.equal(r.code, 4, r.stderr);
  const host = await berth(['run', ...at, '--', 'true']);
  t.equal(host.code, 1);
  t.match(host.stderr, /no agent runs commands on its host \(the agents run docker\): give --image IMAGE/);
});

t.test('berth jobs and berth run say when the batch framework cannot be reached', async (t) => {
  const r = await berth(['jobs', 'ls', '--batch', 'http://127.0.0.1:47']);
  t.equal(r.code, 5, 'unavailable: exit 5');
  t.match(r.stderr, /cannot reach the batch framework at http:\/\/127\.0\.0\.1:47.*'berth dev' starts one on :5080/);
  const blocked = await berth(['jobs', 'ls', '--batch', 'http://127.0.0.1:5060']);
  t.equal(blocked.code, 1);
  t.match(blocked.stderr, /its port is one that fetch refuses .*run it on another port/, 'a port fetch will not call (5060, SIP) is named as the problem');
  const help = await berth(['help']);
  for (const name of ['services', 'jobs', 'run']) t.match(help.stdout, new RegExp(`^  ${name}\\s+\\S`, 'm'), `berth help lists ${name}`);
  const runHelp = await berth(['run', '--help']);
  for (const word of ['--image IMAGE', '--cpus N', '--mem MB', '--role R', '--batch URL', '--master URL', '-- CMD', 'Examples:']) t.match(runHelp.stdout, word);
  const jobsHelp = await berth(['jobs', '--help']);
  for (const word of ['submit -f FILE', '--param K=V', 'logs RUN_ID [--follow]', 'Examples:']) t.match(jobsHelp.stdout, word);
});
